"""Sanctions: a store's move to probation, suspension or back to active, with its effects in the same transaction.

Every move goes through :func:`store_sanction`: the nightly run's rules, a failed critical audit item, a probation
not cleared in time, a passed re-audit, and QA's own decision (``POST /qa/stores/{id}/status``). The move is
``stores.services.store_status_transition`` (the store's row ``FOR UPDATE``: a booking being made at the store, which
holds the row ``FOR KEY SHARE``, commits first or is refused after), with the reason category and the evidence the
store's public record and QA see. A suspension (or termination), in the same transaction:

- the store leaves search and its page at once (both show only active and probation stores) and ``POST /bookings``
  answers 409 ``store_unavailable`` (bookings checks the status under the row lock);
- its bookings not yet started (awaiting payment or confirmed, start still ahead) are cancelled as the store's
  cancellations: a full refund (payments reacts to ``BookingCancelled``) and the owner told (bookings' messages);
- :class:`quality.events.StoreSuspended` names them, and after commit each owner is offered the three nearest active
  stores that offer the same service with a free start within two hours of the original time
  (:func:`alternatives_for_booking`, :func:`suspended_bookings_offer_alternatives`).
"""

import datetime as dt
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.engine import Job, calendars_load
from bookings.models import Booking, BookingStatus
from bookings.services import booking_cancel
from catalog.models import Offering
from chefu.events import emit
from notifications.services import notify
from quality.events import AuditFinalized
from quality.events_sanctions import StoreSuspended
from stores.models import StatusReason, Store, StoreStatus
from stores.services import store_status_transition

# The alternatives offered to an owner whose booking a suspension cancelled.
ALTERNATIVES = 3
ALTERNATIVE_WINDOW = dt.timedelta(hours=2)
# Candidates looked at, nearest first, and how far: a store farther than this is no alternative to a booked visit.
ALTERNATIVE_CANDIDATES = 20
ALTERNATIVE_RADIUS_KM = 30

# Bookings a suspension calls off: not started yet.
_NOT_STARTED = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED)
_REMOVED = (StoreStatus.SUSPENDED, StoreStatus.TERMINATED)
DEADLOCK_DETECTED = "40P01"


def store_sanction(
    *,
    store_id: int,
    to_status: str,
    reason: str,
    reason_category: str = StatusReason.MANUAL,
    evidence: dict | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Store:
    """Move the store to ``to_status`` with its effects (module docstring), in one transaction. Raises as
    ``store_status_transition`` does (422 without a reason, 409 ``invalid_transition``).

    A reschedule at the store locks its booking and then the store's row; a suspension locks the row and then the
    bookings. The two can deadlock: PostgreSQL then aborts one of them, and when it is the suspension it is tried
    again (a few times) here."""
    for attempt in range(3):
        try:
            return _sanction(
                store_id=store_id,
                to_status=to_status,
                reason=reason,
                reason_category=reason_category,
                evidence=evidence,
                by=by,
                now=now,
            )
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED or attempt == 2:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@transaction.atomic
def _sanction(*, store_id, to_status, reason, reason_category, evidence, by, now) -> Store:
    now = now or timezone.now()
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise Store.DoesNotExist()
    store = store_status_transition(
        store=store, to_status=to_status, by=by, reason=reason, reason_category=reason_category, evidence=evidence
    )
    if to_status in _REMOVED:
        cancelled = []
        for booking_id in (
            Booking.objects.filter(store_id=store_id, status__in=_NOT_STARTED, start__gt=now)
            .order_by("start", "id")
            .values_list("pk", flat=True)
        ):
            booking_cancel(
                booking_id=booking_id,
                by=None,
                by_store=True,
                reason=_("The store is suspended from Chefu."),
                now=now,
            )
            cancelled.append(booking_id)
        emit(StoreSuspended(store_id=store_id, to_status=to_status, booking_ids=tuple(cancelled)))
    return store


@dataclass(frozen=True)
class Alternative:
    store_id: int
    name: str
    address: str
    distance_m: int
    start: dt.datetime


def alternatives_for_booking(*, booking: Booking, now: dt.datetime | None = None) -> list[Alternative]:
    """The :data:`ALTERNATIVES` nearest active stores (to the booking's store, within :data:`ALTERNATIVE_RADIUS_KM`)
    that price the booking's service and have a free start within :data:`ALTERNATIVE_WINDOW` of its start: for each,
    the free start closest to the original time. Three queries: the candidates with their durations, their calendars
    (``bookings.engine.calendars_load``, one query for all), nothing per store."""
    now = now or timezone.now()
    origin = booking.store.location
    offerings = list(
        Offering.objects.filter(
            service_id=booking.service_id,
            is_active=True,
            current__isnull=False,
            store__status=StoreStatus.ACTIVE,
            store__location__distance_lte=(origin, D(km=ALTERNATIVE_RADIUS_KM)),
        )
        .exclude(store_id=booking.store_id)
        .annotate(distance=Distance("store__location", origin))
        .select_related("store", "current")
        .order_by("distance", "store_id")[:ALTERNATIVE_CANDIDATES]
    )
    if not offerings:
        return []
    lo, hi = booking.start - ALTERNATIVE_WINDOW, booking.start + ALTERNATIVE_WINDOW
    calendars = calendars_load(stores=[o.store for o in offerings], start=lo, end=hi)
    found = []
    for offering in offerings:
        calendar = calendars[offering.store_id]
        job = Job(category=booking.service.category_id, duration=dt.timedelta(minutes=offering.current.duration_min))
        days = {lo.astimezone(calendar.tz).date(), hi.astimezone(calendar.tz).date()}
        starts = [
            slot.start
            for day in sorted(days)
            for slot in calendar.slots(day=day, job=job, now=now)
            if lo <= slot.start <= hi
        ]
        if starts:
            best = min(starts, key=lambda start: (abs(start - booking.start), start))
            found.append(
                Alternative(
                    store_id=offering.store_id,
                    name=offering.store.name,
                    address=offering.store.address,
                    distance_m=round(offering.distance.m),
                    start=best,
                )
            )
            if len(found) == ALTERNATIVES:
                break
    return found


def suspended_bookings_offer_alternatives(event: StoreSuspended) -> None:
    """After a suspension commits: tell each owner whose booking it cancelled where else the job can be done near
    the same time (nothing when no store qualifies: the cancellation message has told them already)."""
    bookings = Booking.objects.filter(pk__in=event.booking_ids).select_related("store", "service", "owner")
    for booking in bookings:
        found = alternatives_for_booking(booking=booking)
        if not found:
            continue
        lines = "; ".join(
            _("%(name)s (%(km).1f km, %(start)s)")
            % {
                "name": a.name,
                "km": a.distance_m / 1000,
                "start": timezone.localtime(a.start, ZoneInfo(booking.store.timezone)).strftime("%m-%d %H:%M"),
            }
            for a in found
        )
        notify(
            recipient=booking.owner,
            template="booking_alternatives",
            params={"booking_id": str(booking.pk), "service_name": booking.service.name, "stores": lines},
            ref=f"booking:{booking.pk}",
            dedupe_key=f"booking:{booking.pk}:alternatives",
        )


def audit_finalized_enforce(event: AuditFinalized) -> None:
    """After an audit is finalized: a failed critical item suspends the store at once (reason ``critical_failure``,
    the audit as evidence); a passed re-audit of a store on probation or suspended reinstates it (``reinstated``).
    A store already where the audit would put it (or terminated) is left as it is."""
    status = Store.objects.filter(pk=event.store_id).values_list("status", flat=True).first()
    evidence = {"audit_id": event.audit_id, "kind": event.kind, "reaudit_of": event.reaudit_of_id}
    if event.critical_failed and status in (StoreStatus.ACTIVE, StoreStatus.PROBATION):
        store_sanction(
            store_id=event.store_id,
            to_status=StoreStatus.SUSPENDED,
            reason=_("A critical item of the standard failed in an audit."),
            reason_category=StatusReason.CRITICAL_FAILURE,
            evidence=evidence,
        )
    elif event.passed and event.reaudit_of_id and status in (StoreStatus.PROBATION, StoreStatus.SUSPENDED):
        store_sanction(
            store_id=event.store_id,
            to_status=StoreStatus.ACTIVE,
            reason=_("Passed the re-audit."),
            reason_category=StatusReason.REINSTATED,
            evidence=evidence,
        )
