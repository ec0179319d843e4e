"""Writing reviews, their follow-ups, photos and replies; reports; QA moderation.

Locks, in the order of ``reviews.lock_objects``: the booking when a review is written, the review's row for every
later change to it. Every change that can move a store's numbers emits an event (``reviews.events``) after whose
commit the store's reputation is recounted (``reviews.subscribers``), under its own lock.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import User
from bookings.lock_objects import booking_lock
from bookings.models import BookingEvent, BookingStatus
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.images import image_clean
from reviews import moderation
from reviews.events import ReviewEdited, ReviewHeld, ReviewHidden, ReviewModerated, ReviewPublished
from reviews.exceptions import (
    AlreadyFollowedUp,
    AlreadyReplied,
    AlreadyReported,
    AlreadyReviewed,
    EditWindowClosed,
    FollowUpWindowClosed,
    ModerationConflict,
)
from reviews.lock_objects import qa_follow_up_lock, review_lock, review_part_lock
from reviews.models import (
    DIMENSIONS,
    FOLLOW_UP_MAX,
    MAX_PHOTOS,
    MODERATION_TRANSITIONS,
    REPLY_MAX,
    TAGS,
    TEXT_MAX,
    FollowUp,
    ModerationAction,
    ModerationKind,
    QaFollowUp,
    QaFollowUpStatus,
    Reply,
    ReportStatus,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRevision,
    ReviewStatus,
)
from reviews.rules import owner_works_at_store, review_deadline, too_late
from stores.selectors import store_access_check

LOW_RATING = Decimal("2.00")  # an overall at or below this raises a QA follow-up


# --- input -------------------------------------------------------------------------------------------------------


def _clean_ratings(ratings: Mapping[str, int] | None) -> dict[str, int]:
    errors = {}
    ratings = ratings or {}
    for name in DIMENSIONS:
        value = ratings.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[f"ratings.{name}"] = _("Give a whole number of stars from 1 to 5.")
    unknown = sorted(set(ratings) - set(DIMENSIONS))
    if unknown:
        errors["ratings"] = _("Unknown rating: %(names)s.") % {"names": ", ".join(unknown)}
    if errors:
        raise ValidationFailed(errors)
    return {name: ratings[name] for name in DIMENSIONS}


def _clean_text(text: str | None, *, field: str, limit: int, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed({field: _("Write something.")})
    if len(text) > limit:
        raise ValidationFailed({field: _("At most %(n)d characters.") % {"n": limit}})
    return text


def _clean_tags(tags: Sequence[str] | None) -> list[str]:
    tags = list(dict.fromkeys(tags or []))  # keep the owner's order, drop repeats
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        raise ValidationFailed({"tags": _("Unknown tag: %(tags)s.") % {"tags": ", ".join(unknown)}})
    return tags


def overall_of(ratings: Mapping[str, int]) -> Decimal:
    """The mean of the five ratings, to the cent, half-up."""
    return (Decimal(sum(ratings.values())) / len(DIMENSIONS)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def completed_at(booking) -> dt.datetime | None:
    return (
        BookingEvent.objects.filter(booking=booking, to_status=BookingStatus.COMPLETED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


# --- moderation helpers ---------------------------------------------------------------------------------------------


def _record(
    review: Review,
    kind: str,
    *,
    by: User | None = None,
    reason: str = "",
    follow_up: bool = False,
    moved: tuple[str, str] = ("", ""),
    **details,
) -> ModerationAction:
    from_status, to_status = moved
    return ModerationAction.objects.create(
        review=review,
        kind=kind,
        by=by,
        reason=reason,
        follow_up=follow_up,
        from_status=from_status,
        to_status=to_status,
        details=details,
    )


def moderation_transition(
    *,
    review: Review,
    kind: str,
    item: FollowUp | Reply | None = None,
    by: User | None = None,
    reason: str = "",
    fields: tuple[str, ...] = (),
    **details,
) -> ModerationAction:
    """Make the moderation step ``kind`` on ``review``, or on ``item`` (its follow-up or the store's reply), both
    locked by the caller (``review_lock``, then ``review_part_lock``): check it against ``MODERATION_TRANSITIONS``,
    save the new status with the other ``fields`` the caller set, and append the ModerationAction row. Raises
    ModerationConflict, writing nothing, when the step does not apply to the current status."""
    target = review if item is None else item
    allowed, to = MODERATION_TRANSITIONS[kind]
    if target.status not in allowed:
        raise ModerationConflict(details={"status": target.status})
    if kind == ModerationKind.RESTORED and item is None and review.held_for:
        to = ReviewStatus.HELD
    before = target.status
    target.status = to
    target.save(update_fields=["status", *fields])
    follow_up = isinstance(item, FollowUp)
    return _record(review, kind, by=by, reason=reason, follow_up=follow_up, moved=(before, to), **details)


def _save_checked(obj, text: str, *, review: Review, part: str = "review") -> None:
    """Save a new review, follow-up or reply after the automatic check: held (and the hold recorded) when it finds
    anything, published otherwise."""
    obj.held_for = moderation.findings(text)
    obj.status = ReviewStatus.HELD if obj.held_for else ReviewStatus.PUBLISHED
    obj.save()
    if obj.held_for:
        details = {"part": part} if part == "reply" else {}
        moved = ("", ReviewStatus.HELD)
        _record(review, ModerationKind.HELD, follow_up=part == "follow_up", moved=moved, **details, **obj.held_for)


def _raise_qa_follow_up(review: Review) -> None:
    if review.overall <= LOW_RATING:
        QaFollowUp.objects.get_or_create(review=review, defaults={"store_id": review.store_id})


def _own_review(review_id: int, owner: User) -> Review:
    review = review_lock(review_id)
    if review.owner_id != owner.pk:
        raise NotFound()
    return review


# --- the owner's words --------------------------------------------------------------------------------------------


def review_create(
    *,
    booking_id: int,
    owner: User,
    ratings: Mapping[str, int],
    text: str = "",
    tags: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Review:
    """The owner's review of a completed, paid booking, within ``REVIEW_WINDOW_DAYS`` of completion: 404 for someone
    else's booking, 403 ``not_reviewable`` otherwise, 409 ``already_reviewed`` for a second one (also when two
    arrive at once: the database's unique booking decides). Held for QA when the text has contact details or blocked
    words; a low overall raises a QA follow-up."""
    now = now or timezone.now()
    clean = _clean_ratings(ratings)
    text = _clean_text(text, field="text", limit=TEXT_MAX)
    tags = _clean_tags(tags)
    try:
        with transaction.atomic():
            booking = booking_lock(booking_id)
            if booking.owner_id != owner.pk:
                raise NotFound()
            if Review.objects.filter(booking=booking).exists():
                raise AlreadyReviewed()
            _require_reviewable(booking, now)
            review = Review(
                booking=booking,
                store_id=booking.store_id,
                owner=owner,
                overall=overall_of(clean),
                text=text,
                tags=tags,
                created_at=now,
                **clean,
            )
            _save_checked(review, text, review=review)
            _raise_qa_follow_up(review)
            new = ReviewHeld if review.status == ReviewStatus.HELD else ReviewPublished
            emit(new(review_id=review.pk, store_id=review.store_id, new=True))
            return review
    except IntegrityError as error:
        if "booking_id" in str(error) or "reviews_review_booking_id_key" in str(error):
            raise AlreadyReviewed() from None
        raise


def _require_reviewable(booking, now: dt.datetime) -> None:
    """:func:`reviews.rules.review_deadline`, the rule the booking's ``reviewable_until`` shows, applied at ``now``."""
    own_store = owner_works_at_store(booking=booking)
    if now > review_deadline(booking=booking, own_store=own_store, completed_at=completed_at(booking)):
        raise too_late()


# What an edit writes besides the status.
_EDITED = (*DIMENSIONS, "overall", "text", "tags", "edited_at", "held_for")


@transaction.atomic
def review_edit(
    *,
    review_id: int,
    owner: User,
    ratings: Mapping[str, int] | None = None,
    text: str | None = None,
    tags: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """The owner changes their review within ``REVIEW_EDIT_HOURS`` (409 ``edit_window_closed`` after); what it said
    before is kept as a revision. The new text is checked again: held if it needs to be, published again if it was
    held only by the check and now passes. A review QA hid stays hidden."""
    now = now or timezone.now()
    review = _own_review(review_id, owner)
    if now > review.created_at + dt.timedelta(hours=settings.REVIEW_EDIT_HOURS):
        raise EditWindowClosed()
    clean = _clean_ratings(ratings) if ratings is not None else review.ratings
    new_text = _clean_text(text, field="text", limit=TEXT_MAX) if text is not None else review.text
    new_tags = _clean_tags(tags) if tags is not None else list(review.tags)
    ReviewRevision.objects.create(
        review=review,
        ratings=review.ratings,
        text=review.text,
        tags=list(review.tags),
        written_at=review.edited_at or review.created_at,
        replaced_at=now,
    )
    for name, value in clean.items():
        setattr(review, name, value)
    review.overall = overall_of(clean)
    review.text, review.tags, review.edited_at = new_text, new_tags, now
    found = moderation.findings(new_text)
    step = {}
    if review.status == ReviewStatus.HELD and not found:  # only the automatic check holds reviews
        step = {"kind": ModerationKind.CLEARED, "reason": "edited: passes the automatic check"}
    elif found and review.status == ReviewStatus.PUBLISHED:
        step = {"kind": ModerationKind.HELD, **found}
    elif found and found != review.held_for:
        # Recorded whatever the status: a hidden review that QA later restores goes to the held queue, not public.
        _record(review, ModerationKind.HELD, **found)
    review.held_for = found
    if step:
        moderation_transition(review=review, fields=_EDITED, **step)
    else:
        review.save(update_fields=_EDITED)
    _raise_qa_follow_up(review)
    emit(ReviewEdited(review_id=review.pk, store_id=review.store_id))
    return review


@transaction.atomic
def follow_up_add(*, review_id: int, owner: User, text: str, now: dt.datetime | None = None) -> FollowUp:
    """The owner's one follow-up (追评), within ``REVIEW_FOLLOW_UP_DAYS`` of the review; checked like the review."""
    now = now or timezone.now()
    text = _clean_text(text, field="text", limit=FOLLOW_UP_MAX, required=True)
    review = _own_review(review_id, owner)
    if FollowUp.objects.filter(review=review).exists():
        raise AlreadyFollowedUp()
    if now > review.created_at + dt.timedelta(days=settings.REVIEW_FOLLOW_UP_DAYS):
        raise FollowUpWindowClosed()
    follow_up = FollowUp(review=review, text=text, created_at=now)
    _save_checked(follow_up, text, review=review, part="follow_up")
    return follow_up


def photo_add(*, review_id: int, owner: User, upload: File, now: dt.datetime | None = None) -> ReviewPhoto:
    """A photo on the owner's review, within the edit window, at most ``MAX_PHOTOS`` (422 on ``photo``); re-encoded
    without its metadata first (``chefu.images``), outside the transaction."""
    now = now or timezone.now()
    clean = image_clean(upload)
    with transaction.atomic():
        review = _own_review(review_id, owner)
        if now > review.created_at + dt.timedelta(hours=settings.REVIEW_EDIT_HOURS):
            raise EditWindowClosed()
        if ReviewPhoto.objects.filter(review=review).count() >= MAX_PHOTOS:
            raise ValidationFailed({"photo": _("A review has at most %(n)d photos.") % {"n": MAX_PHOTOS}})
        photo = ReviewPhoto(review=review, width=clean.width, height=clean.height, size=clean.size)
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.save()
    return photo


# --- the store's side -----------------------------------------------------------------------------------------------


def _store_staff_review(review_id: int, user: User) -> Review:
    """The review, locked, for the staff of its store: ``NotFound`` when missing or another store's, in the same one
    query (access is checked against the review's store as a subquery, before the row is read or locked)."""
    store_access_check(user=user, store_id=Subquery(Review.objects.filter(pk=review_id).values("store_id")))
    return review_lock(review_id)


@transaction.atomic
def reply_add(*, review_id: int, by: User, text: str) -> Reply:
    """The store's one reply (staff of the review's store; 409 ``already_replied`` for a second). Held for QA like a
    review when it carries contact details or blocked words."""
    text = _clean_text(text, field="text", limit=REPLY_MAX, required=True)
    review = _store_staff_review(review_id, by)
    if Reply.objects.filter(review=review).exists():
        raise AlreadyReplied()
    reply = Reply(review=review, author=by, text=text)
    _save_checked(reply, text, review=review, part="reply")
    return reply


@transaction.atomic
def report_add(*, review_id: int, by: User, reason: str) -> ReviewReport:
    """The store asks QA to look at a review (it cannot hide it). One open report per review (409)."""
    reason = _clean_text(reason, field="reason", limit=500, required=True)
    review = _store_staff_review(review_id, by)
    if ReviewReport.objects.filter(review=review, status=ReportStatus.OPEN).exists():
        raise AlreadyReported()
    report = ReviewReport.objects.create(review=review, by=by, reason=reason)
    _record(review, ModerationKind.REPORTED, by=by, reason=reason, report=report.pk)
    return report


# --- QA -------------------------------------------------------------------------------------------------------------


def _qa_review(review_id: int, by: User) -> Review:
    require_role(by, "qa")
    return review_lock(review_id)


def _close_reports(review: Review, by: User, reason: str) -> None:
    now = timezone.now()
    for report in ReviewReport.objects.filter(review=review, status=ReportStatus.OPEN):
        report.status, report.closed_at = ReportStatus.CLOSED, now
        report.save(update_fields=["status", "closed_at"])
        _record(review, ModerationKind.REPORT_CLOSED, by=by, reason=reason, report=report.pk)


def _moderate(*, review_id: int, by: User, reason: str, kind: str) -> Review:
    reason = _clean_text(reason, field="reason", limit=500, required=True)
    review = _qa_review(review_id, by)
    action = moderation_transition(review=review, kind=kind, by=by, reason=reason)
    _close_reports(review, by, reason)
    to = review.status
    if to == ReviewStatus.HIDDEN:
        emit(ReviewHidden(review_id=review.pk, store_id=review.store_id))
    else:
        changed = ReviewHeld if to == ReviewStatus.HELD else ReviewPublished
        emit(changed(review_id=review.pk, store_id=review.store_id, new=False))
    emit(ReviewModerated(review_id=review.pk, moderation_id=action.pk, part="review"))
    return review


@transaction.atomic
def review_hide(*, review_id: int, by: User, reason: str) -> Review:
    """QA hides a published or held review, with a reason (recorded; the store page counts hidden reviews)."""
    return _moderate(
        review_id=review_id,
        by=by,
        reason=reason,
        kind=ModerationKind.HIDDEN,
    )


@transaction.atomic
def review_restore(*, review_id: int, by: User, reason: str) -> Review:
    """QA shows a hidden review again, with a reason."""
    return _moderate(
        review_id=review_id,
        by=by,
        reason=reason,
        kind=ModerationKind.RESTORED,
    )


@transaction.atomic
def review_publish(*, review_id: int, by: User, reason: str) -> Review:
    """QA publishes a review the automatic check held, with a reason (e.g. "the number is the store's hotline")."""
    return _moderate(
        review_id=review_id,
        by=by,
        reason=reason,
        kind=ModerationKind.PUBLISHED,
    )


@transaction.atomic
def part_moderate(*, review_id: int, part: str, by: User, reason: str, publish: bool):
    """QA publishes (``publish``) or hides a review's follow-up (``part`` "follow_up") or the store's reply
    ("reply"), with a reason; recorded, and the follow-up's author is told, as for reviews."""
    reason = _clean_text(reason, field="reason", limit=500, required=True)
    review = _qa_review(review_id, by)
    obj = review_part_lock(review=review, part=part)
    if obj is None:
        raise NotFound()
    if publish:
        kind = ModerationKind.RESTORED if obj.status == ReviewStatus.HIDDEN else ModerationKind.PUBLISHED
    else:
        kind = ModerationKind.HIDDEN
    action = moderation_transition(review=review, item=obj, kind=kind, by=by, reason=reason, part=part)
    emit(ReviewModerated(review_id=review.pk, moderation_id=action.pk, part=part))
    return obj


@transaction.atomic
def qa_follow_up_close(*, follow_up_id: int, by: User, note: str) -> QaFollowUp:
    require_role(by, "qa")
    item = qa_follow_up_lock(follow_up_id)
    if item.status == QaFollowUpStatus.CLOSED:
        return item  # closed already (a second click): who closed it, when and why stay
    item.status, item.closed_at, item.closed_by = QaFollowUpStatus.CLOSED, timezone.now(), by
    item.note = note.strip()
    item.save(update_fields=["status", "closed_at", "closed_by", "note"])
    return item
