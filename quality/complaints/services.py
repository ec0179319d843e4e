"""Filing, answering and resolving complaints; their photos.

Locks, in the order of ``quality.lock_objects``: the booking's row (``bookings.lock_objects.booking_lock``) when a
complaint is filed or resolved (a resolution may refund through the booking), then the complaint's row. The owner and
the store are told through the outbox in the transaction that makes the step (``notifications.services.notify``).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import User
from bookings.lock_objects import booking_lock
from bookings.models import Booking, BookingEvent, BookingStatus
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.images import FIELD, image_clean
from chefu.money import format_money
from notifications.services import notify
from payments.services import refund_for_complaint
from quality.complaints.exceptions import ComplaintAnswered, ComplaintExists, ComplaintNotAllowed, ComplaintResolved
from quality.complaints.rework import rework_book
from quality.events_complaints import ComplaintFiled
from quality.events_complaints import ComplaintResolved as ComplaintResolvedEvent
from quality.lock_objects import complaint_lock
from quality.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintPhoto,
    ComplaintStatus,
)
from stores.models import StaffRole
from stores.selectors import store_access_check

# An owner may complain up to this long after the booking ended (completed, cancelled by the store, or its start
# when the store did not start the job).
COMPLAINT_WINDOW = dt.timedelta(days=30)
# The store answers within RESPOND_WITHIN of the filing, QA resolves within RESOLVE_WITHIN: wall-clock hours.
RESPOND_WITHIN = dt.timedelta(hours=24)
RESOLVE_WITHIN = dt.timedelta(hours=72)
# A job not started this long after the booked start counts as the store's no-show (bookings records only the
# owner's no-show): the owner may then file a ``no_show`` complaint.
STORE_LATE_AFTER = dt.timedelta(minutes=30)
MAX_PHOTOS = 6
DESCRIPTION_MAX = 2000
RESPONSE_MAX = 2000
RESOLUTION_MAX = 2000
PENALTY_MAX = 100


class Step:
    """``ComplaintEvent.kind`` values: the trail's steps."""

    FILED = "filed"
    PHOTO = "photo"
    ANSWERED = "answered"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REFUND = "refund"
    REWORK = "rework"


# --- input --------------------------------------------------------------------------------------------------------


def _clean_text(text: str | None, *, field: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({field: _("Write something.")})
    if len(text) > limit:
        raise ValidationFailed({field: _("At most %(n)d characters.") % {"n": limit}})
    if "\x00" in text:
        raise ValidationFailed({field: _("Remove the NUL character.")})
    return text


def _clean_category(category: str) -> str:
    if category not in ComplaintCategory.values:
        raise ValidationFailed({"category": _("Choose one of: %(codes)s.") % {"codes": ", ".join(ComplaintCategory)}})
    return category


def _clean_refund(amount) -> Decimal:
    if amount is None:
        return Decimal("0.00")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed({"refund_amount": _("Give a positive amount in yuan and fen.")})
    if value >= Decimal("10000000000"):
        raise ValidationFailed({"refund_amount": _("The amount is too large.")})
    return value.quantize(Decimal("0.01"))


# --- the trail and the messages -------------------------------------------------------------------------------------


def _step(complaint: Complaint, kind: str, *, by: User | None, by_role: str, text: str = "", at=None, **details):
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, by=by, by_role=by_role, text=text, details=details, at=at or timezone.now()
    )


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _excerpt(text: str, n: int = 60) -> str:
    return (text[:n] + "…") if len(text) > n else text


def store_managers(store_id: int):
    """The people told about the store's complaints: its managers."""
    return User.objects.filter(store_memberships__store_id=store_id, store_memberships__role=StaffRole.MANAGER)


def _display(choices, value: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(choices(value).label)


def _tell_filed(complaint: Complaint, booking: Booking) -> None:
    store_name = booking.store.name
    notify(
        recipient=complaint.owner,
        template="complaint_filed",
        params={
            "booking_id": str(booking.pk),
            "store_name": store_name,
            "respond_by": _local(complaint.respond_by),
            "resolve_by": _local(complaint.resolve_by),
        },
        ref=f"complaint:{complaint.pk}",
        dedupe_key=f"complaint:{complaint.pk}:filed",
    )
    for manager in store_managers(complaint.store_id):
        notify(
            recipient=manager,
            template="complaint_received",
            params={
                "booking_id": str(booking.pk),
                "store_name": store_name,
                "category": _display(ComplaintCategory, complaint.category),
                "excerpt": _excerpt(complaint.description),
                "respond_by": _local(complaint.respond_by),
            },
            ref=f"complaint:{complaint.pk}",
            dedupe_key=f"complaint:{complaint.pk}:filed:to:{manager.pk}",
        )


# --- filing ---------------------------------------------------------------------------------------------------------


def _last_move(booking: Booking, status: str) -> dt.datetime | None:
    return (
        BookingEvent.objects.filter(booking=booking, to_status=status)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )


def _store_was_late(booking: Booking, now: dt.datetime) -> bool:
    """The job had not started ``STORE_LATE_AFTER`` past the booked start: never started by then (still confirmed or
    checked in, or marked the owner's no-show), or started later."""
    late_from = booking.start + STORE_LATE_AFTER
    if now < late_from or booking.status in (BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED):
        return False
    if booking.status == BookingStatus.CANCELLED:
        return False  # a cancellation is judged as one (by the store or the owner)
    started = (
        BookingEvent.objects.filter(booking=booking, to_status=BookingStatus.IN_SERVICE)
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    return started is None or started > late_from


def complaint_check_allowed(*, booking: Booking, category: str, now: dt.datetime) -> None:
    """May the booking's owner complain about it now, in ``category``? Raises ComplaintNotAllowed with the reason.

    - Completed: any category, within 30 days of its (latest) completion in the booking's timeline.
    - Cancelled by the store: any category, within 30 days of the cancellation.
    - The store did not start the job within 30 min of the booked start (bookings records only the owner's no-show,
      so this is how a store's no-show shows): a ``no_show`` complaint, within 30 days of the start. This covers a
      booking the store marked as the owner's no-show, which the owner may dispute.
    """
    if booking.status == BookingStatus.COMPLETED:
        ended = _last_move(booking, BookingStatus.COMPLETED) or booking.end
    elif booking.status == BookingStatus.CANCELLED and booking.cancelled_by_store:
        ended = _last_move(booking, BookingStatus.CANCELLED) or booking.updated_at
    elif _store_was_late(booking, now):
        if category != ComplaintCategory.NO_SHOW:
            raise ComplaintNotAllowed("category_not_allowed", allowed=[ComplaintCategory.NO_SHOW.value])
        ended = booking.start
    elif booking.status == BookingStatus.CANCELLED:
        raise ComplaintNotAllowed("cancelled_by_owner")
    elif booking.status == BookingStatus.EXPIRED:
        raise ComplaintNotAllowed("expired")
    else:
        raise ComplaintNotAllowed("not_ended", status=booking.status)
    if now > ended + COMPLAINT_WINDOW:
        raise ComplaintNotAllowed("window_closed", until=(ended + COMPLAINT_WINDOW).isoformat())


def complaint_file(
    *, booking_id: int, owner: User, category: str, description: str, now: dt.datetime | None = None
) -> Complaint:
    """The owner's complaint about their booking (NotFound for anyone else's), if :func:`complaint_check_allowed`
    lets it; ComplaintExists while one of the same category on the booking is unresolved (also when two arrive at
    once: the booking's lock serializes them, the partial unique index backs it). The store answers within 24 h,
    QA resolves within 72 h of ``now``. Locks the booking's row."""
    now = now or timezone.now()
    category = _clean_category(category)
    description = _clean_text(description, field="description", limit=DESCRIPTION_MAX)
    try:
        with transaction.atomic():
            booking = booking_lock(booking_id)
            if booking.owner_id != owner.pk:
                raise NotFound()
            complaint_check_allowed(booking=booking, category=category, now=now)
            if Complaint.objects.filter(booking=booking, category=category).exclude(status="resolved").exists():
                raise ComplaintExists()
            complaint = Complaint.objects.create(
                booking=booking,
                store_id=booking.store_id,
                owner=owner,
                category=category,
                description=description,
                created_at=now,
                respond_by=now + RESPOND_WITHIN,
                resolve_by=now + RESOLVE_WITHIN,
            )
            _step(complaint, Step.FILED, by=owner, by_role="owner", text=description, at=now, category=category)
            _tell_filed(complaint, Booking.objects.select_related("store").get(pk=booking.pk))
            emit(
                ComplaintFiled(
                    complaint_id=complaint.pk, booking_id=booking.pk, store_id=booking.store_id, category=category
                )
            )
            return complaint
    except IntegrityError as error:
        if "complaint_one_open_per_booking_category" in str(error):
            raise ComplaintExists() from None
        raise


def photo_add(*, complaint_id: int, owner: User, upload: File, booking_id: int | None = None) -> ComplaintPhoto:
    """A photo on the owner's complaint (NotFound for anyone else's, or when ``booking_id`` is given and is not the
    complaint's), at most ``MAX_PHOTOS`` (422 on ``photo``), not once it is resolved (409 ``complaint_resolved``).
    Re-encoded without its metadata first (``chefu.images``), outside the transaction."""
    found = Complaint.objects.filter(pk=complaint_id, owner=owner)
    if booking_id is not None:
        found = found.filter(booking_id=booking_id)
    if not found.exists():
        raise NotFound()
    clean = image_clean(upload)
    with transaction.atomic():
        complaint = complaint_lock(complaint_id)
        if complaint.status == ComplaintStatus.RESOLVED:
            raise ComplaintResolved()
        if ComplaintPhoto.objects.filter(complaint=complaint).count() >= MAX_PHOTOS:
            raise ValidationFailed({FIELD: _("A complaint has at most %(n)d photos.") % {"n": MAX_PHOTOS}})
        photo = ComplaintPhoto(
            complaint=complaint, width=clean.width, height=clean.height, size=clean.size, uploaded_by=owner
        )
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.save()
        _step(complaint, Step.PHOTO, by=owner, by_role="owner", photo=photo.pk)
    return photo


# --- the store's answer ---------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_respond(*, complaint_id: int, by: User, text: str, now: dt.datetime | None = None) -> Complaint:
    """The store's one answer (staff of the complaint's store: NotFound for anyone else, checked before the row is
    read): open → answered. ComplaintAnswered for a second answer, ComplaintResolved once QA has resolved it. The
    owner is told."""
    now = now or timezone.now()
    text = _clean_text(text, field="text", limit=RESPONSE_MAX)
    store_access_check(user=by, store_id=Subquery(Complaint.objects.filter(pk=complaint_id).values("store_id")))
    complaint = complaint_lock(complaint_id)
    if complaint.status == ComplaintStatus.RESOLVED:
        raise ComplaintResolved()
    if complaint.status == ComplaintStatus.ANSWERED:
        raise ComplaintAnswered()
    complaint.status = ComplaintStatus.ANSWERED
    complaint.store_response, complaint.responded_at, complaint.responded_by = text, now, by
    complaint.save(update_fields=["status", "store_response", "responded_at", "responded_by"])
    _step(complaint, Step.ANSWERED, by=by, by_role="store", text=text, at=now, late=now > complaint.respond_by)
    booking = Booking.objects.select_related("store").get(pk=complaint.booking_id)
    notify(
        recipient=complaint.owner,
        template="complaint_answered",
        params={
            "booking_id": str(booking.pk),
            "store_name": booking.store.name,
            "excerpt": _excerpt(text),
            "resolve_by": _local(complaint.resolve_by),
        },
        ref=f"complaint:{complaint.pk}",
        dedupe_key=f"complaint:{complaint.pk}:answered",
    )
    return complaint


# --- QA's resolution --------------------------------------------------------------------------------------------------


def _clean_resolution(
    *,
    outcome: str,
    resolution: str,
    refund_amount,
    rework: bool,
    rework_store_id: int | None,
    rework_start: dt.datetime | None,
    penalty_points: int | None,
) -> tuple[str, Decimal, int]:
    """Validate a resolution before anything is locked; every problem at once, on its field."""
    errors: dict[str, str] = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = _("Choose rejected or upheld.")
    try:
        resolution = _clean_text(resolution, field="resolution", limit=RESOLUTION_MAX)
    except ValidationFailed as error:
        errors["resolution"] = error.details["fields"]["resolution"][0]
    try:
        amount = _clean_refund(refund_amount)
    except ValidationFailed as error:
        errors["refund_amount"] = error.details["fields"]["refund_amount"][0]
        amount = Decimal("0.00")
    points = penalty_points or 0
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= PENALTY_MAX:
        errors["penalty_points"] = _("Give a whole number from 0 to %(n)d.") % {"n": PENALTY_MAX}
        points = 0
    if outcome == ComplaintOutcome.REJECTED:
        remedies = {
            "refund_amount": amount > 0,
            "rework": bool(rework),
            "penalty_points": points > 0,
            "rework_store_id": rework_store_id is not None,
            "rework_start": rework_start is not None,
        }
        for field, given in remedies.items():
            if given:
                errors[field] = _("A rejected complaint has no remedy.")
    if not rework and (rework_store_id is not None or rework_start is not None) and outcome != "rejected":
        errors["rework"] = _("Set rework to true to book a rework.")
    if rework and rework_start is None:
        errors["rework_start"] = _("Choose when the rework starts.")
    if errors:
        raise ValidationFailed(errors)
    return resolution, amount, points


def _remedy_text(complaint: Complaint, rework: Booking | None) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        parts = []
        if complaint.refund_amount > 0:
            parts.append(_("Refund: ¥%(amount)s.") % {"amount": format_money(complaint.refund_amount)})
        if rework is not None:
            parts.append(
                _("A free rework is booked: booking %(booking_id)s, %(start)s.")
                % {"booking_id": rework.pk, "start": _local(rework.start)}
            )
        return " ".join(parts)


def _tell_resolved(complaint: Complaint, booking: Booking, rework: Booking | None) -> None:
    params = {
        "booking_id": str(booking.pk),
        "store_name": booking.store.name,
        "outcome": _display(ComplaintOutcome, complaint.outcome),
        "resolution": complaint.resolution,
        "remedy": _remedy_text(complaint, rework),
    }
    ref = f"complaint:{complaint.pk}"
    notify(
        recipient=complaint.owner,
        template="complaint_resolved",
        params=params,
        ref=ref,
        dedupe_key=f"{ref}:resolved",
    )
    for manager in store_managers(complaint.store_id):
        notify(
            recipient=manager,
            template="complaint_resolved",
            params=params,
            ref=ref,
            dedupe_key=f"{ref}:resolved:to:{manager.pk}",
        )


def complaint_resolve(
    *,
    complaint_id: int,
    by: User,
    outcome: str,
    resolution: str,
    refund_amount: Decimal | str | None = None,
    rework: bool = False,
    rework_store_id: int | None = None,
    rework_start: dt.datetime | None = None,
    penalty_points: int | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """QA resolves an open or answered complaint (PermissionDenied for anyone but QA): ``rejected`` (no remedy
    allowed: 422), or ``upheld`` with any of a refund of ``refund_amount`` through
    :func:`payments.services.refund_for_complaint` (never more than is refundable: 422 on ``refund_amount``), a free
    rework booking (:func:`quality.complaints.rework.rework_book`) and ``penalty_points``. ComplaintResolved when it
    was resolved already, also by a concurrent request: the booking's row, then the complaint's, are locked, so two
    resolutions at once make one, with one refund. All or nothing: a refused refund or rework writes nothing. The
    owner and the store's managers are told."""
    now = now or timezone.now()
    require_role(by, "qa")
    resolution, amount, points = _clean_resolution(
        outcome=outcome,
        resolution=resolution,
        refund_amount=refund_amount,
        rework=rework,
        rework_store_id=rework_store_id,
        rework_start=rework_start,
        penalty_points=penalty_points,
    )
    booking_id = Complaint.objects.filter(pk=complaint_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound()
    with transaction.atomic():
        booking_lock(booking_id)
        complaint = complaint_lock(complaint_id)
        if complaint.status == ComplaintStatus.RESOLVED:
            raise ComplaintResolved()
        rework_booking = None
        if amount > 0:
            refunds = refund_for_complaint(
                booking_id=booking_id, amount=amount, complaint=str(complaint.pk), note=resolution[:200]
            )
            _step(
                complaint,
                Step.REFUND,
                by=by,
                by_role="qa",
                at=now,
                amount=format_money(amount),
                refunds=[r.pk for r in refunds],
            )
        if rework:
            rework_booking = rework_book(complaint=complaint, by=by, store_id=rework_store_id, start=rework_start)
            _step(
                complaint,
                Step.REWORK,
                by=by,
                by_role="qa",
                at=now,
                booking=rework_booking.pk,
                store=rework_booking.store_id,
            )
        complaint.status = ComplaintStatus.RESOLVED
        complaint.outcome = outcome
        complaint.resolution = resolution
        complaint.refund_amount = amount
        complaint.rework_booking = rework_booking
        complaint.penalty_points = points
        complaint.resolved_at, complaint.resolved_by = now, by
        complaint.save(
            update_fields=[
                "status",
                "outcome",
                "resolution",
                "refund_amount",
                "rework_booking",
                "penalty_points",
                "resolved_at",
                "resolved_by",
            ]
        )
        _step(
            complaint,
            Step.RESOLVED,
            by=by,
            by_role="qa",
            text=resolution,
            at=now,
            outcome=outcome,
            refund_amount=format_money(amount),
            penalty_points=points,
            late=now > complaint.resolve_by,
        )
        booking = Booking.objects.select_related("store").get(pk=booking_id)
        _tell_resolved(complaint, booking, rework_booking)
        emit(
            ComplaintResolvedEvent(
                complaint_id=complaint.pk,
                booking_id=booking_id,
                store_id=complaint.store_id,
                outcome=outcome,
                refund_amount=amount,
                rework_booking_id=rework_booking.pk if rework_booking else None,
                penalty_points=points,
            )
        )
        return complaint
