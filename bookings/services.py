"""Every write to a booking: create, the state machine, cancel, reschedule, expiry.

Locks: a function that changes a booking takes its row first (:func:`bookings.lock_objects.booking_lock`), and no
function locks two bookings. Overlap on a bay is refused by PostgreSQL's exclusion constraint, never by a
check-then-insert here: two requests for the last bay both pass the availability check, and the database lets
exactly one of them in.
"""

import datetime as dt
import random
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, Vehicle
from bookings import events
from bookings.checklists import checklist_missing_codes
from bookings.engine import Job, StoreCalendar, calendar_for_day
from bookings.exceptions import (
    ChecklistIncomplete,
    InvalidTransition,
    PaymentDue,
    QuoteChanged,
    SlotUnavailable,
    StoreUnavailable,
    TooEarlyToCheckIn,
)
from bookings.lock_objects import booking_lock, booking_policy_lock, store_key_share_get, store_share_lock
from bookings.models import (
    ALLOWED_TRANSITIONS,
    ActorRole,
    Booking,
    BookingEvent,
    BookingPolicy,
    BookingStatus,
    EventAction,
    Supplement,
    SupplementStatus,
)
from bookings.selectors import amount_due, booking_access_check, check_in_opens_at, service_offered
from catalog import kinds
from catalog.fitment import VehicleFacts, vehicle_facts, vehicle_facts_get
from catalog.models import OfferingVersion, Service
from catalog.quotes import quote_build
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.money import money
from chefu.prefetch import relation_given
from chefu.queue import send_on_commit
from stores.models import VISIBLE_STATUSES, Store

# PostgreSQL's SQLSTATE for an exclusion-constraint violation.
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"


def _is_overlap(error: IntegrityError) -> bool:
    return getattr(error.__cause__, "pgcode", None) == EXCLUSION_VIOLATION


def _record(
    booking: Booking,
    *,
    from_status: str,
    to_status: str,
    by: User | None,
    by_role: str,
    reason: str = "",
    action: str = EventAction.STATUS,
    details: dict | None = None,
    at: dt.datetime | None = None,
) -> BookingEvent:
    return BookingEvent.objects.create(
        booking=booking,
        at=at or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        by=by,
        by_role=by_role,
        reason=reason,
        details=details or {},
    )


def _store_takes_bookings(store: Store) -> None:
    """Take the store's row ``FOR SHARE`` until the transaction ends and raise StoreUnavailable unless it is active
    or on probation: a suspension committed before is seen, and one in progress is waited for and seen, so no booking
    is made or moved at a store after its suspension commits."""
    status = store_share_lock(store.pk)
    if status not in VISIBLE_STATUSES:
        raise StoreUnavailable(status=status)


def _checklist_snapshot(service: Service) -> list[dict]:
    from catalog import checklists

    return checklists.checklist_snapshot(service=service)


def _job(service: Service, duration_min: int) -> Job:
    return Job(category=service.category_id, duration=dt.timedelta(minutes=duration_min))


def _pick_bay_and_hold(
    booking: Booking, *, calendar: StoreCalendar, job: Job, start: dt.datetime, now: dt.datetime, prefer: int | None
) -> Booking:
    """Put ``booking`` (new or rescheduled) on a free bay at ``start``; 422 when the store does not offer that start,
    409 ``slot_unavailable`` when every bay that could take it is taken, here or by a concurrent request."""
    offered, free = calendar.check(start=start, job=job, now=now)
    if not offered:
        raise ValidationFailed({"start": _("The store does not offer this start time for this service.")})
    if prefer in free:
        free = [prefer, *(b for b in free if b != prefer)]
    tz = calendar.tz
    booking.start = start.astimezone(tz)
    booking.end = booking.start + job.duration
    booking.blocks_until = booking.end + calendar.rules.buffer
    for bay_id in free:
        booking.bay_id = bay_id
        if _hold(booking):
            return booking
    raise SlotUnavailable()


def _hold(booking: Booking, attempts: int = 3) -> bool:
    """Save ``booking`` on its bay in a savepoint: True if the database took it, False if a live booking there
    overlaps it. Two transactions inserting overlapping rows at the same moment each wait for the other's
    exclusion check, and PostgreSQL breaks the tie by failing one with a deadlock error; that one tries again
    and then sees the other's row (or takes the bay if the other rolled back)."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                booking.save()
            return True
        except IntegrityError as error:
            if _is_overlap(error):
                return False
            raise
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    return False  # still contended after every attempt: the caller tries the next bay


@transaction.atomic
def booking_create(
    *,
    owner: User,
    store: Store,
    service: Service,
    vehicle: Vehicle,
    start: dt.datetime,
    now: dt.datetime | None = None,
    expected_total: Decimal | None = None,
    offering_version: OfferingVersion | None = None,
) -> Booking:
    """Hold a free bay for ``service`` on ``vehicle`` at ``start`` until ``pay_before``, with the itemized quote and
    the price version it came from. ``vehicle`` must be the owner's (NotFound otherwise).

    Takes the store's row ``FOR KEY SHARE`` first and raises StoreUnavailable unless the store is active or on
    probation (``bookings.lock_objects``): a booking and a suspension racing, the booking commits before the
    suspension or is refused.

    The quote is ``catalog.quotes.quote_build``'s for this car (what ``GET /stores/{id}/quote`` shows): a service
    that does not apply to the car raises ServiceNotApplicable. ``expected_total``: the total the owner was shown;
    when the quote's differs (the store changed its price meanwhile) QuoteChanged is raised and nothing is booked.
    ``offering_version``: the store's version of ``service`` in force, when the caller has just read it; read here
    when None. :func:`booking_book` is the same from ids, each row read once.
    """
    _store_takes_bookings(store)
    if vehicle.owner_id != owner.pk:
        raise NotFound()
    return _booking_make(
        owner=owner,
        store=store,
        service=service,
        facts=vehicle_facts(vehicle),
        version=offering_version,
        start=start,
        now=now,
        expected_total=expected_total,
    )


@transaction.atomic
def booking_book(
    *,
    owner: User,
    store_id: int,
    service_code: str,
    vehicle_id: int,
    start: dt.datetime,
    expected_total: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """:func:`booking_create` from what ``POST /bookings`` is given, each row read once, in the order its errors are
    answered: the store's (under its ``FOR KEY SHARE`` lock; NotFound, StoreUnavailable), the store's offering of
    the service with the service's checklist (422 on ``service_code``), the owner's vehicle with its spec
    (NotFound). The booking comes back with its first event given (``booking.events``), for
    :func:`bookings.selectors.booking_as_created`."""
    store = store_key_share_get(store_id)
    if store.status not in VISIBLE_STATUSES:
        raise StoreUnavailable(status=store.status)
    service, version = service_offered(store=store, code=service_code, field="service_code", with_checklist=True)
    return _booking_make(
        owner=owner,
        store=store,
        service=service,
        facts=vehicle_facts_get(owner=owner, vehicle_id=vehicle_id),
        version=version,
        start=start,
        now=now,
        expected_total=expected_total,
    )


def _booking_make(
    *,
    owner: User,
    store: Store,
    service: Service,
    facts: VehicleFacts,
    version: OfferingVersion | None,
    start: dt.datetime,
    now: dt.datetime | None,
    expected_total: Decimal | None,
    free_reason: str | None = None,
) -> Booking:
    """The booking, once the store's row is locked and the vehicle known to be the owner's. ``free_reason``: the
    booking costs nothing (:func:`booking_create_free`); the quote's value is kept beside its zero total."""
    now = now or timezone.now()
    vehicle = facts.vehicle
    kinds.for_service(service).validate_booking(
        service=service, store=store, vehicle=vehicle, by_platform=free_reason is not None
    )
    try:
        quote = quote_build(store=store, service=service, vehicle=vehicle, version=version, facts=facts)
    except NotFound:
        raise ValidationFailed({"service_code": _("This store does not offer this service.")}) from None
    if expected_total is not None and expected_total != quote.total:
        raise QuoteChanged(total=quote.total)
    if start.tzinfo is None:
        raise ValidationFailed({"start": _("Give the time with its UTC offset.")})
    job = _job(service, quote.version.duration_min)
    calendar = calendar_for_day(store=store, day=start.astimezone(ZoneInfo(store.timezone)).date())
    rules = calendar.rules
    record = {k: v for k, v in quote.as_record().items() if k not in ("service", "version")}
    total = quote.total
    if free_reason is not None:
        record |= {"total": "0.00", "free_of_charge": {"value": f"{quote.total:.2f}", "reason": free_reason}}
        total = Decimal("0.00")
    booking = Booking(
        owner=owner,
        store=store,
        service=service,
        vehicle=vehicle,
        offering_version=quote.version,
        status=BookingStatus.PENDING_PAYMENT,
        quote=record,
        quote_total=total,
        checklist=_checklist_snapshot(service),
        pay_before=min(now + rules.pay_window, start),
        cancel_free_until=start - rules.free_cancel,
        cancel_fee_pct=rules.cancel_fee_pct,
        created_at=now,
    )
    _pick_bay_and_hold(booking, calendar=calendar, job=job, start=start, now=now, prefer=None)
    booking.bay = calendar.bay(booking.bay_id)
    event = _record(
        booking, from_status="", to_status=BookingStatus.PENDING_PAYMENT, by=owner, by_role=ActorRole.OWNER, at=now
    )
    relation_given(booking, "events", [event])
    # Sent only if pay_before is minutes away (chefu.queue); the beat sweep (bookings_expire_due) expires the rest.
    send_on_commit(
        "bookings.tasks.booking_expire_task",
        [((booking.pk,), {"eta": booking.pay_before})],
        what=f"expiry of booking {booking.pk}",
    )
    emit(
        events.BookingCreated(
            booking_id=booking.pk,
            store_id=store.pk,
            owner_id=owner.pk,
            kind=service.kind,
            start=booking.start,
            pay_before=booking.pay_before,
        )
    )
    return booking


@transaction.atomic
def booking_create_free(
    *,
    owner: User,
    store: Store,
    service: Service,
    vehicle: Vehicle,
    start: dt.datetime,
    by: User | None,
    reason: str,
    now: dt.datetime | None = None,
) -> Booking:
    """A booking that costs the owner nothing (the free rework of an upheld complaint), confirmed at once by the
    platform: made as :func:`booking_create` makes one (the same checks: the store takes bookings, the start is
    offered, a bay is free), with a quote total of 0.00 and the quote's value kept in ``quote["free_of_charge"]``
    with the ``reason``. Who pays the store for it is the caller's business (``payments.services.rework_charge``)."""
    _store_takes_bookings(store)
    if vehicle.owner_id != owner.pk:
        raise NotFound()
    booking = _booking_make(
        owner=owner,
        store=store,
        service=service,
        facts=vehicle_facts(vehicle),
        version=None,
        start=start,
        now=now,
        expected_total=None,
        free_reason=reason,
    )
    booking_transition(booking=booking, to=BookingStatus.CONFIRMED, by=by, by_role=ActorRole.PLATFORM, reason=reason)
    emit(events.BookingConfirmed(booking_id=booking.pk, kind=service.kind))
    return booking


def booking_transition(
    *,
    booking: Booking,
    to: str,
    by: User | None,
    by_role: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Move a booking ``booking`` (already locked by the caller: ``booking_lock``) to ``to`` and append the
    timeline row; 409 ``invalid_transition`` for a move ``ALLOWED_TRANSITIONS`` does not list."""
    if to not in ALLOWED_TRANSITIONS[booking.status]:
        raise InvalidTransition(from_status=booking.status, to_status=to)
    before = booking.status
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])
    _record(booking, from_status=before, to_status=to, by=by, by_role=by_role, reason=reason, at=now)
    return booking


def booking_payment_applied(*, booking: Booking, amount: Decimal, reason: str = "") -> Booking:
    """Record money that settles part of what the booking costs (the payments app calls this in its transaction,
    with the booking already locked by ``booking_lock``). A booking awaiting payment is confirmed by it."""
    booking.amount_paid += amount  # the row is locked: no one else changes it meanwhile
    booking.updated_at = timezone.now()
    booking.save(update_fields=["amount_paid", "updated_at"])
    if booking.status == BookingStatus.PENDING_PAYMENT:
        booking_transition(
            booking=booking, to=BookingStatus.CONFIRMED, by=None, by_role=ActorRole.SYSTEM, reason=reason
        )
        emit(events.BookingConfirmed(booking_id=booking.pk, kind=booking.service.kind))
    return booking


def booking_payment_unapplied(*, booking: Booking, amount: Decimal) -> Booking:
    """Record money that arrived for the booking but settles nothing (its slice was already paid, or the booking can
    no longer be paid): the payments app refunds it in full, in its transaction, with the booking locked by
    ``booking_lock``. It counts in what the owner is shown as paid, never in what settles the booking's cost."""
    Booking.objects.filter(pk=booking.pk).update(
        amount_unapplied=F("amount_unapplied") + amount, updated_at=timezone.now()
    )
    booking.refresh_from_db(fields=["amount_unapplied", "updated_at"])
    return booking


@transaction.atomic
def booking_confirm(*, booking_id: int, by: User | None = None, reason: str = "") -> Booking:
    """Paid: the bay is the owner's. Called by the payments app when a payment succeeds."""
    booking = booking_transition(
        booking=booking_lock(booking_id), to=BookingStatus.CONFIRMED, by=by, by_role=ActorRole.SYSTEM, reason=reason
    )
    emit(events.BookingConfirmed(booking_id=booking.pk, kind=booking.service.kind))
    return booking


@transaction.atomic
def booking_expire(*, booking_id: int, now: dt.datetime | None = None) -> Booking | None:
    """Expire an unpaid booking whose ``pay_before`` has passed, freeing its bay. Harmless to call again or too
    early (returns None and changes nothing): the expiry task and the beat sweep may both run it."""
    now = now or timezone.now()
    booking = booking_lock(booking_id)
    if booking.status != BookingStatus.PENDING_PAYMENT or booking.pay_before > now:
        return None
    booking_transition(
        booking=booking,
        to=BookingStatus.EXPIRED,
        by=None,
        by_role=ActorRole.SYSTEM,
        reason=_("Not paid in time."),
        now=now,
    )
    emit(events.BookingExpired(booking_id=booking.pk))
    return booking


def bookings_expire_due(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """The beat's safety net behind the per-booking expiry task. One transaction per booking."""
    now = now or timezone.now()
    ids = list(
        Booking.objects.filter(status=BookingStatus.PENDING_PAYMENT, pay_before__lte=now)
        .order_by("pay_before")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(booking_expire(booking_id=pk, now=now) is not None for pk in ids)


def cancellation_terms(*, booking: Booking, by_store: bool, now: dt.datetime) -> tuple[Decimal, Decimal]:
    """``(fee, refund)`` for cancelling now: a store's cancellation is always refunded in full; an owner's is free
    until the booking's ``cancel_free_until``, then ``cancel_fee_pct`` of what was paid (the store's terms when the
    booking was made: a later change of policy does not reach bookings already made)."""
    paid = booking.amount_paid
    if by_store:
        return Decimal("0.00"), money(paid)
    late = now >= booking.cancel_free_until
    fee = money(paid * booking.cancel_fee_pct / 100) if late else Decimal("0.00")
    return fee, money(paid - fee)


@transaction.atomic
def booking_cancel(
    *, booking_id: int, by: User | None, reason: str, by_store: bool = False, now: dt.datetime | None = None
) -> Booking:
    """Cancel and record the fee and the refund due (the payments app executes the refund).

    ``by`` is the booking's owner, or with ``by_store`` staff of its store (an admin, or None for the platform's own
    code: :func:`bookings.selectors.booking_access_check`); ``NotFound`` for anyone else, as for a missing booking.
    Owners may cancel until the car is checked in; the store may cancel until the job starts."""
    now = now or timezone.now()
    role = booking_access_check(user=by, booking_id=booking_id) if by_store else ActorRole.OWNER
    booking = booking_lock(booking_id)
    if not by_store and (by is None or booking.owner_id != by.pk):
        raise NotFound()
    if not by_store and booking.status == BookingStatus.CHECKED_IN:
        raise InvalidTransition(
            from_status=booking.status,
            to_status=BookingStatus.CANCELLED,
            message=_("The car is already at the store: ask the store to cancel."),
        )
    if not by_store and booking.status == BookingStatus.CONFIRMED and now >= booking.start:
        # From the start on, a booking the owner did not come to is the store's to mark as a no-show.
        raise InvalidTransition(
            from_status=booking.status,
            to_status=BookingStatus.CANCELLED,
            message=_("The booking has started: it can no longer be cancelled."),
            starts_at=booking.start.isoformat(),
        )
    fee, refund = cancellation_terms(booking=booking, by_store=by_store, now=now)
    booking_transition(booking=booking, to=BookingStatus.CANCELLED, by=by, by_role=role, reason=reason, now=now)
    booking.cancelled_by_store = by_store
    booking.cancel_reason = reason
    booking.cancellation_fee = fee
    booking.refund_due = refund
    booking.save(update_fields=["cancelled_by_store", "cancel_reason", "cancellation_fee", "refund_due", "updated_at"])
    _lapse_proposed_supplements(booking, _("The booking was cancelled."))
    emit(events.BookingCancelled(booking_id=booking.pk, by_store=by_store, cancellation_fee=fee, refund_due=refund))
    return booking


@transaction.atomic
def booking_reschedule(*, booking_id: int, by: User, start: dt.datetime, now: dt.datetime | None = None) -> Booking:
    """Move a booking that has not started to ``start``. The new slot is taken before the old one is released, in
    one UPDATE: if no bay is free at ``start`` the booking keeps its old slot (409 ``slot_unavailable``). The new
    slot may overlap the old one (the booking itself is left out of the calendar). The same bay is preferred.
    ``NotFound`` unless ``by`` is the booking's owner. Locks the booking, then its store's row ``FOR SHARE``:
    StoreUnavailable when the store is not active or on probation (its bookings are not moved, even at a
    suspension committing meanwhile)."""
    now = now or timezone.now()
    booking = booking_lock(booking_id)
    if booking.owner_id != by.pk:
        raise NotFound()
    if booking.status not in (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED):
        raise InvalidTransition(
            from_status=booking.status,
            to_status=booking.status,
            message=_("Only a booking that is awaiting payment or confirmed can be rescheduled."),
        )
    if start.tzinfo is None:
        raise ValidationFailed({"start": _("Give the time with its UTC offset.")})
    store = booking.store
    _store_takes_bookings(store)
    job = _job(booking.service, booking.offering_version.duration_min)
    calendar = calendar_for_day(
        store=store, day=start.astimezone(ZoneInfo(store.timezone)).date(), exclude_booking_id=booking.pk
    )
    old_start, old_bay = booking.start, booking.bay_id
    if now < booking.cancel_free_until:
        # The free-cancellation window moves with the booking until it has closed: a reschedule never reopens it.
        booking.cancel_free_until = start - (old_start - booking.cancel_free_until)
    if booking.status == BookingStatus.PENDING_PAYMENT:
        booking.pay_before = min(booking.pay_before, start)
    _pick_bay_and_hold(booking, calendar=calendar, job=job, start=start, now=now, prefer=old_bay)
    _record(
        booking,
        from_status=booking.status,
        to_status=booking.status,
        by=by,
        by_role=ActorRole.OWNER,
        action=EventAction.RESCHEDULE,
        details={
            "from_start": old_start.astimezone(calendar.tz).isoformat(),
            "to_start": booking.start.astimezone(calendar.tz).isoformat(),
            "from_bay": old_bay,
            "to_bay": booking.bay_id,
        },
        at=now,
    )
    emit(
        events.BookingRescheduled(
            booking_id=booking.pk,
            from_start=old_start,
            to_start=booking.start,
            generation=BookingEvent.objects.filter(booking=booking, action=EventAction.RESCHEDULE).count(),
        )
    )
    return booking


def _lapse_proposed_supplements(booking: Booking, note: str) -> None:
    """Extra work still awaiting the owner when the booking ends is declined: it can never be charged."""
    Supplement.objects.filter(booking=booking, status=SupplementStatus.PROPOSED).update(
        status=SupplementStatus.REJECTED, decided_at=timezone.now(), decision_note=note
    )


# --- Store policy ---------------------------------------------------------------------------------------

POLICY_FIELDS = (
    "slot_step_min",
    "min_notice_min",
    "horizon_days",
    "buffer_min",
    "pay_window_min",
    "free_cancel_hours",
    "cancel_fee_pct",
)


@transaction.atomic
def booking_policy_set(*, store: Store, **values) -> BookingPolicy:
    """Change the store's booking rules (the fields in ``POLICY_FIELDS``; others are a programming error). Bookings
    already made keep their slot and their hold; a new cleaning buffer applies to new bookings."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Not booking-policy fields: {sorted(unknown)}")
    policy = booking_policy_lock(store.pk)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean(exclude=["store"])
    policy.save()
    return policy


# --- Shop floor -------------------------------------------------------------------------------------


def _store_side_lock(booking_id: int, by: User | None) -> tuple[Booking, str]:
    """The booking, locked, for ``by`` acting from its store's side, and the ``ActorRole`` that records it: access is
    checked first (:func:`bookings.selectors.booking_access_check`: ``NotFound`` for anyone but the store's staff, an
    admin or the platform's own code), so a refused caller never holds the row."""
    role = booking_access_check(user=by, booking_id=booking_id)
    return booking_lock(booking_id), role


def _store_transition(booking_id: int, to: str, by: User | None, **kwargs) -> Booking:
    booking, role = _store_side_lock(booking_id, by)
    return booking_transition(booking=booking, to=to, by=by, by_role=role, **kwargs)


@transaction.atomic
def booking_check_in(*, booking_id: int, by: User | None, now: dt.datetime | None = None) -> Booking:
    """The car has arrived. ``by``: staff of the booking's store, an admin, or None for the platform's own code;
    ``NotFound`` for anyone else, as for a missing booking (so for every shop-floor service below). ``now`` (the
    timeline row's time; the clock when None) is for the platform's own code, such as the demo's past days.

    ``TooEarlyToCheckIn`` before :func:`bookings.selectors.check_in_opens_at` (``now`` or the clock), for everyone:
    a car is never checked in a day early. Locks the booking (``booking_lock``)."""
    now = now or timezone.now()
    booking, role = _store_side_lock(booking_id, by)
    if booking.status == BookingStatus.CONFIRMED and now < (opens_at := check_in_opens_at(booking)):
        raise TooEarlyToCheckIn(opens_at=opens_at, starts_at=booking.start)
    booking_transition(booking=booking, to=BookingStatus.CHECKED_IN, by=by, by_role=role, now=now)
    emit(events.BookingCheckedIn(booking_id=booking.pk))
    return booking


@transaction.atomic
def booking_start(*, booking_id: int, by: User | None, now: dt.datetime | None = None) -> Booking:
    return _store_transition(booking_id, BookingStatus.IN_SERVICE, by, now=now)


def _extra_work_owed(booking: Booking) -> Decimal:
    """What approved extra work still owes: what was paid beyond the quote (which confirming the booking settled)
    counts against it."""
    extra = amount_due(booking) - booking.quote_total
    return max(Decimal("0.00"), extra - max(Decimal("0.00"), booking.amount_paid - booking.quote_total))


@transaction.atomic
def booking_complete(*, booking_id: int, by: User | None, now: dt.datetime | None = None) -> Booking:
    """Finish the job: every required checklist item must be answered (409 ``checklist_incomplete``), whatever the
    service's kind needs done (``ServiceKind.validate_completion``) and approved extra work paid (409 ``payment_due``:
    the owner pays it as a second payment on the booking)."""
    booking, role = _store_side_lock(booking_id, by)
    if booking.status == BookingStatus.IN_SERVICE and (missing := checklist_missing_codes(booking)):
        raise ChecklistIncomplete(missing=missing)
    if booking.status == BookingStatus.IN_SERVICE:
        kinds.for_service(booking.service).validate_completion(booking=booking)
    if (
        booking.status in (BookingStatus.CHECKED_IN, BookingStatus.IN_SERVICE)
        and (owed := _extra_work_owed(booking)) > 0
    ):
        raise PaymentDue(owed=owed)
    booking_transition(booking=booking, to=BookingStatus.COMPLETED, by=by, by_role=role, now=now)
    _lapse_proposed_supplements(booking, _("The job was completed before this extra work was approved."))
    emit(events.BookingCompleted(booking_id=booking.pk, kind=booking.service.kind))
    return booking


@transaction.atomic
def booking_no_show(*, booking_id: int, by: User | None, now: dt.datetime | None = None) -> Booking:
    """The owner did not come. Only once the start time has passed. What was paid is settled as a late
    cancellation: the store's fee is kept and earned, the rest refunded."""
    now = now or timezone.now()
    booking, role = _store_side_lock(booking_id, by)
    if booking.status == BookingStatus.CONFIRMED and now < booking.start:
        raise InvalidTransition(
            from_status=booking.status,
            to_status=BookingStatus.NO_SHOW,
            message=_("A booking can be marked as a no-show only after its start time."),
            starts_at=booking.start.isoformat(),
        )
    booking_transition(booking=booking, to=BookingStatus.NO_SHOW, by=by, by_role=role, now=now)
    # Like a cancellation after the free window: the store keeps the late fee, the rest goes back to the owner.
    booking.cancellation_fee, booking.refund_due = cancellation_terms(booking=booking, by_store=False, now=now)
    booking.save(update_fields=["cancellation_fee", "refund_due", "updated_at"])
    emit(
        events.BookingNoShow(
            booking_id=booking.pk, cancellation_fee=booking.cancellation_fee, refund_due=booking.refund_due
        )
    )
    return booking
