"""Reads of bookings and their photos, with their permission-scoped getters, and what a booking costs."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.engine import local_day_bounds
from bookings.models import (
    LIVE_STATUSES,
    ActorRole,
    Booking,
    BookingStatus,
    ChecklistAnswer,
    Photo,
    Supplement,
    SupplementStatus,
)
from bookings.parts import BookingPart, booking_parts
from catalog import selectors as catalog_selectors
from catalog.models import Offering, OfferingVersion, Service
from chefu.errors import NotFound, PermissionDenied, ValidationFailed
from chefu.prefetch import relation_given
from chefu.prepared import PreparedQuery
from stores.models import VISIBLE_STATUSES, Store
from stores.selectors import STAFF_ROLES, store_access_check, store_role_subquery

# How long before its booked start a car may be checked in (the shop floor's board shows the same window).
CHECK_IN_LEAD = dt.timedelta(hours=2)


def check_in_opens_at(booking: Booking) -> dt.datetime:
    """The earliest time ``booking`` may be checked in."""
    return booking.start - CHECK_IN_LEAD


@dataclass(frozen=True)
class Bookable:
    """What the availability list needs to know about a store's service, from one query."""

    store: Store  # only ``id`` and ``timezone`` loaded
    category: str
    duration_min: int


def _bookable_query(shape: None, *, store_id: int, service_code: str) -> QuerySet:
    return (
        Offering.objects.filter(
            store_id=store_id,
            store__status__in=VISIBLE_STATUSES,
            service_id=service_code,
            service__is_active=True,
            is_active=True,
            current__isnull=False,
        )
        .values(timezone=F("store__timezone"), category=F("service__category_id"), duration=F("current__duration_min"))
        .order_by()
    )


# Every availability list asks it: compiled once (chefu/prepared.py), not built again per request.
_BOOKABLE = PreparedQuery(_bookable_query, {"store_id": -7_000_001, "service_code": "~bookable-service-marker~"})


def bookable_get(*, store_id: int, service_code: str) -> Bookable | None:
    """The service at the store if an owner can book it there (visible store, active service, active price); None
    otherwise, and the caller finds out why (:func:`stores.selectors.store_get_visible` and the catalog's getters)."""
    rows = _BOOKABLE.rows(None, {"store_id": store_id, "service_code": service_code}, limit=1)
    if not rows:
        return None
    row = rows[0]
    store = Store.from_db(None, ("id", "timezone"), (store_id, row["timezone"]))
    return Bookable(store=store, category=row["category"], duration_min=row["duration"])


def service_offered(
    *, store: Store, code: str, field: str, with_checklist: bool = False
) -> tuple[Service, OfferingVersion]:
    """The service ``code`` and the store's version of it in force, in one query (with the service's checklist
    items: ``catalog.selectors.offering_get_current``); 422 on ``field`` when the service is unknown or the store does
    not offer it (a second query tells which)."""
    offering = catalog_selectors.offering_get_current(store=store, service_code=code, with_checklist=with_checklist)
    if offering is not None:
        return offering.service, offering.current
    if catalog_selectors.service_get_active(code=code) is None:
        raise ValidationFailed({field: _("Unknown service.")})
    raise ValidationFailed({field: _("This store does not offer this service.")})


def _approved_total() -> Coalesce:
    approved = (
        Supplement.objects.filter(booking=OuterRef("pk"), status=SupplementStatus.APPROVED)
        .order_by()
        .values("booking")
        .annotate(total=Sum("total"))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(approved, output_field=money), Value(Decimal("0.00")), output_field=money)


def with_amounts(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate ``approved_supplements``: the total of the approved supplements (what may be added to the quote)."""
    return queryset.annotate(approved_supplements=_approved_total())


def amount_due(booking: Booking) -> Decimal:
    """What the booking costs: the quote plus the approved supplements, and nothing else."""
    approved = getattr(booking, "approved_supplements", None)
    if approved is None:
        approved = (
            Supplement.objects.filter(booking=booking, status=SupplementStatus.APPROVED).aggregate(t=Sum("total"))["t"]
            or 0
        )
    return booking.quote_total + approved


def amount_owed(booking: Booking) -> Decimal:
    """What ``POST /bookings/{id}/pay`` would charge before a coupon: :func:`amount_due` less what succeeded payments
    settled (``amount_paid``), never below 0.00; 0.00 once the booking has ended (expired, cancelled, no-show,
    completed), when it can no longer be paid. Uses the ``approved_supplements`` annotation when present."""
    if booking.status not in LIVE_STATUSES:
        return Decimal("0.00")
    return max(Decimal("0.00"), amount_due(booking) - booking.amount_paid)


_DETAIL_JOINS = ("store", "service", "vehicle", "bay", "owner")


def _with_parts(queryset: QuerySet[Booking], parts: tuple[BookingPart, ...]) -> QuerySet[Booking]:
    """The detail's joins, with those and the annotations the higher apps' parts ask for (:mod:`bookings.parts`)."""
    annotations = {name: value for part in parts for name, value in part.annotations().items()}
    joins = [name for part in parts for name in part.select_related]
    return queryset.select_related(*_DETAIL_JOINS, *joins).annotate(**annotations)


def _detailed(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    parts = booking_parts()
    return with_amounts(
        _with_parts(queryset, parts).prefetch_related(
            "events",
            *(lookup for part in parts for lookup in part.prefetch_related),
            Prefetch("supplements", queryset=Supplement.objects.prefetch_related("lines", "photos")),
            Prefetch("checklist_answers", queryset=ChecklistAnswer.objects.select_related("photo")),
        )
    )


def _relation(lookup: str | Prefetch) -> str:
    return (lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup).split("__")[0]


def booking_as_created(booking: Booking) -> Booking:
    """The booking :func:`bookings.services.booking_book` has just made and returned, made ready for the detail's
    answer without reading it again: it has its first event (given by the service) and nothing else yet, so its
    supplements, checklist answers and the parts' ``empty_when_new`` relations are given empty, and the parts'
    annotations their values for a booking just made (:meth:`bookings.parts.BookingPart.when_new`). Its datetimes
    are given in UTC, as the database gives them back."""
    for field in Booking._meta.concrete_fields:
        value = getattr(booking, field.attname)
        if isinstance(value, dt.datetime):
            setattr(booking, field.attname, value.astimezone(dt.UTC))
    booking.approved_supplements = Decimal("0.00")
    relation_given(booking, "supplements", [])
    relation_given(booking, "checklist_answers", [])
    for part in booking_parts():
        for name in part.empty_when_new:
            relation_given(booking, name, [])
        for name in part.select_related:  # a reverse one-to-one: no row yet
            Booking._meta.get_field(name).set_cached_value(booking, None)
        for name, value in part.when_new().items():
            setattr(booking, name, value)
    return booking


def booking_list_for_owner(*, user: User, status: str | None = None) -> QuerySet[Booking]:
    """The owner's bookings, the latest start first."""
    queryset = _detailed(Booking.objects.filter(owner=user)).order_by("-start", "-id")
    return queryset.filter(status=status) if status else queryset


def booking_get_for_qa(*, user: User, booking_id: int) -> Booking:
    """Any booking, with everything the detail shows, for QA (and admins). ``PermissionDenied`` for anyone else,
    as on every QA endpoint, before anything is read; ``NotFound`` when it does not exist."""
    if Role.QA not in user.roles and Role.ADMIN not in user.roles:
        raise PermissionDenied()
    booking = _detailed(Booking.objects.filter(pk=booking_id)).first()
    if booking is None:
        raise NotFound()
    return booking


def booking_get_for_owner(*, user: User, booking_id: int) -> Booking:
    """The owner's booking with everything the detail shows; NotFound when missing or someone else's."""
    booking = _detailed(Booking.objects.filter(pk=booking_id, owner=user)).first()
    if booking is None:
        raise NotFound()
    return booking


def booking_access_check(*, user: User | None, booking_id: int, roles: tuple[str, ...] = STAFF_ROLES) -> str:
    """Let ``user`` act on the booking from its store's side, and say how that is recorded (``ActorRole``): STORE
    for the store's own staff, PLATFORM for an admin, SYSTEM for ``user=None`` (the platform's own code: tasks,
    demo data; never a request's user, which is always a User).

    ``NotFound`` alike for a missing booking and for one of a store ``user`` has no tie to, in the same one query
    (the booking's store is a subquery: :func:`stores.selectors.store_access_check`); ``PermissionDenied`` only for
    the store's own staff whose role is not in ``roles``. The booking itself is not read: an admin learns whether it
    exists from whatever loads or locks it next."""
    if user is None:
        return ActorRole.SYSTEM
    store_id = Subquery(Booking.objects.filter(pk=booking_id).values("store_id"))
    role = store_access_check(user=user, store_id=store_id, roles=roles)
    return ActorRole.PLATFORM if role is None else ActorRole.STORE


def booking_get_for_staff(*, user: User, booking_id: int, roles: tuple[str, ...] = STAFF_ROLES) -> Booking:
    """A booking of a store ``user`` works at (with one of ``roles``), with everything the detail shows.

    ``NotFound`` both when it does not exist and when it is another store's, at the same cost (the access is checked
    before anything of the booking is loaded: :func:`booking_access_check`); ``PermissionDenied`` only for the
    store's own staff whose role is not in ``roles``.
    """
    booking_access_check(user=user, booking_id=booking_id, roles=roles)
    booking = _detailed(Booking.objects.filter(pk=booking_id)).first()
    if booking is None:
        raise NotFound()
    return booking


def photo_get_for_viewer(*, user: User | None, name: str) -> Photo:
    """The booking photo stored as ``name``, if ``user`` may see it: the booking's owner, staff of the booking's
    store (any staff role), QA and admins. NotFound alike for a missing photo and for anyone else (nobody signed in
    included), in the same one query: who may see it is read with the photo."""
    if user is None or not user.is_active:
        raise NotFound()
    photo = (
        Photo.objects.select_related("booking")
        .filter(image=name)
        .annotate(viewer_role=store_role_subquery(user=user, store_id=OuterRef("booking__store_id")))
        .first()
    )
    if photo is None:
        raise NotFound()
    if photo.booking.owner_id == user.pk or photo.viewer_role is not None:
        return photo
    if Role.QA in user.roles or Role.ADMIN in user.roles:
        return photo
    raise NotFound()


# The schedule shows what occupies (or occupied) a bay that day; expired and cancelled bookings never came.
SCHEDULE_STATUSES = tuple(s for s in BookingStatus.values if s not in (BookingStatus.EXPIRED, BookingStatus.CANCELLED))


def schedule_bookings(*, store_id: int, day: dt.date, tz: ZoneInfo) -> QuerySet[Booking]:
    """The store's bookings starting on local ``day``, by start, with the owner and vehicle for the shop floor."""
    lo, hi = local_day_bounds(day, tz)
    return with_amounts(
        Booking.objects.filter(store_id=store_id, start__gte=lo, start__lt=hi, status__in=SCHEDULE_STATUSES)
        .select_related("owner", "vehicle", "service")
        .order_by("start", "id")
    )


@dataclass(frozen=True)
class CancellationTerms:
    """What calling off a booking would cost its owner, as :func:`booking_cancellation_terms_for_owner` reads it."""

    start: dt.datetime  # the start the terms are for: the booking's own, or the one a reschedule would move it to
    cancellable: bool  # whether the owner may cancel it now (bookings.services.booking_cancel)
    reschedulable: bool  # whether the owner may move it now (bookings.services.booking_reschedule)
    amount_paid: Decimal
    fee_pct: Decimal
    free_until: dt.datetime  # cancelling before this is free
    fee: Decimal  # what the store keeps if cancelled now
    refund: Decimal  # what goes back if cancelled now, a coupon's part included


# The owner's own moves (bookings.services.booking_cancel, booking_reschedule): cancel or move until the car is at
# the store; a confirmed booking whose start has passed is the store's to mark as a no-show.
_OWNER_MAY_CHANGE = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)


def booking_cancellation_terms_for_owner(
    *, user: User, booking_id: int, start: dt.datetime | None = None, now: dt.datetime | None = None
) -> CancellationTerms:
    """The store's cancellation terms for the owner's booking, before they decide: the fee and the refund of
    cancelling ``now``, by the terms the booking was made with (:func:`bookings.services.cancellation_terms`, the
    same function the cancellation uses). With ``start``, the terms once the booking is moved there: a reschedule
    moves the free-cancellation deadline with the booking while it has not passed, and never reopens it
    (:func:`bookings.services.booking_reschedule`), so an earlier start can end the free window. Whether ``start``
    is free is not checked here. Reads only, locks nothing; NotFound when missing or someone else's."""
    from bookings.services import cancellation_terms  # services builds on this module

    now = now or timezone.now()
    booking = Booking.objects.filter(pk=booking_id, owner=user).first()
    if booking is None:
        raise NotFound()
    if start is not None and start != booking.start:
        if now < booking.cancel_free_until:
            booking.cancel_free_until = start - (booking.start - booking.cancel_free_until)
        booking.start = start
    fee, refund = cancellation_terms(booking=booking, by_store=False, now=now)
    may_change = booking.status in _OWNER_MAY_CHANGE
    return CancellationTerms(
        start=booking.start,
        cancellable=may_change and not (booking.status == BookingStatus.CONFIRMED and now >= booking.start),
        reschedulable=may_change,
        amount_paid=booking.amount_paid,
        fee_pct=booking.cancel_fee_pct,
        free_until=booking.cancel_free_until,
        fee=fee,
        refund=refund,
    )
