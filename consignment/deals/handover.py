"""The handover: a free 30-minute ``consignment_handover`` booking for the seller's car at the store that inspected
it, made when the deal is paid; completing it (the store's staff answer its checklist and complete it like any
booking) hands the car over.

The booking is the seller's (the inspection booking's car and owner), free of charge
(``bookings.services.booking_create_free``), at the first start the store offers from ``HANDOVER_FROM`` (09:00, the
store's time) the next day: the dealer needs a day's notice to come. The store must price ``consignment_handover``
(as it prices the inspection). When it cannot be booked (the store no longer offers it or takes bookings, nothing
is free within its horizon) the deal stays paid without one, ``HandoverNotBooked`` is emitted (quality raises an
alert for QA) and :func:`handovers_book_missing` (a beat task) tries again; it also books again a handover the store
cancelled or the seller missed.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine import Job, calendar_load
from bookings.events import BookingCompleted
from bookings.exceptions import SlotUnavailable
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.selectors import service_offered
from bookings.services import booking_create_free
from catalog.models import OfferingVersion, Service
from chefu.errors import ApplicationError
from chefu.events import emit
from consignment.deals import notices
from consignment.deals.lock_objects import deal_lock
from consignment.deals.services import Step, deal_step, deal_transition
from consignment.events import HandoverNotBooked
from consignment.kinds import CONSIGNMENT, HANDOVER_SERVICE
from consignment.models import Deal, DealStatus, Listing
from stores.models import Store

logger = logging.getLogger(__name__)

HANDOVER_FROM = dt.time(9, 0)
# How far ahead the calendar is read for a free start (the store's horizon, 30 days by default, ends it sooner).
SEARCH_DAYS = 60
ATTEMPTS = 3
# A handover booking in one of these will not take place: the deal needs another.
_LOST = (BookingStatus.CANCELLED, BookingStatus.NO_SHOW, BookingStatus.EXPIRED)


def handover_first_start(
    *, store: Store, service: Service, version: OfferingVersion, now: dt.datetime
) -> dt.datetime | None:
    """The first start, from ``HANDOVER_FROM`` on the store's next day, at which a bay serving the handover's category
    is free for its duration, within the store's horizon (``bookings.engine``: what the store's availability list
    offers); None when there is none."""
    tz = ZoneInfo(store.timezone)
    first_day = now.astimezone(tz).date() + dt.timedelta(days=1)
    earliest = dt.datetime.combine(first_day, HANDOVER_FROM, tzinfo=tz)
    calendar = calendar_load(store=store, start=earliest, end=earliest + dt.timedelta(days=SEARCH_DAYS))
    job = Job(category=service.category_id, duration=dt.timedelta(minutes=version.duration_min))
    last_day = (now + calendar.rules.horizon).astimezone(tz).date()
    day = first_day
    while day <= last_day:
        for slot in calendar.slots(day=day, job=job, now=now):
            if slot.start >= earliest:
                return slot.start
        day += dt.timedelta(days=1)
    return None


def handover_book(*, deal: Deal, now: dt.datetime) -> Booking | None:
    """Book the handover of ``deal`` (paid, without a handover; its row locked by the caller) and tell both sides;
    the booking, or None when it could not be made (logged; nothing written: the sweep tries again). A start taken
    by someone else meanwhile is followed by the next free one."""
    if deal.status != DealStatus.PAID or deal.handover_booking_id is not None:
        return None
    listing = Listing.objects.select_related("report__booking__vehicle", "report__store").get(pk=deal.listing_id)
    report = listing.report
    store = report.store
    try:
        service, version = service_offered(store=store, code=HANDOVER_SERVICE, field="service_code")
    except ApplicationError as refused:
        logger.warning("Deal %s: %s does not offer the handover: %s", deal.pk, store.pk, refused.details)
        return _not_booked(deal, store, "not_offered")
    reason = _("Handover of consignment deal %(id)s.") % {"id": deal.pk}
    booking = None
    for _attempt in range(ATTEMPTS):
        start = handover_first_start(store=store, service=service, version=version, now=now)
        if start is None:
            logger.warning("Deal %s: no free handover start at store %s", deal.pk, store.pk)
            return _not_booked(deal, store, "no_free_start")
        try:
            with transaction.atomic():
                booking = booking_create_free(
                    owner=deal.seller,
                    store=store,
                    service=service,
                    vehicle=report.booking.vehicle,
                    start=start,
                    by=None,
                    reason=reason,
                    now=now,
                )
            break
        except SlotUnavailable:
            continue  # taken meanwhile: the next free start
        except ApplicationError as refused:
            logger.warning("Deal %s: the handover could not be booked: %s %s", deal.pk, refused.code, refused.details)
            return _not_booked(deal, store, refused.code)
    if booking is None:
        return _not_booked(deal, store, "slots_taken")
    deal.handover_booking = booking
    deal.save(update_fields=["handover_booking"])
    deal_step(deal=deal, step=Step.HANDOVER_BOOKED, at=now, booking_id=booking.pk, start=booking.start.isoformat())
    notices.handover_booked(_for_notice(deal.pk), Booking.objects.select_related("store").get(pk=booking.pk))
    return booking


def _not_booked(deal: Deal, store: Store, reason: str) -> None:
    """Say so (QA is alerted: ``quality``); the sweep tries again."""
    emit(HandoverNotBooked(deal_id=deal.pk, store_id=store.pk, reason=reason))


def _for_notice(deal_id: int) -> Deal:
    return Deal.objects.select_related("listing", "seller", "dealer__user").get(pk=deal_id)


def handovers_book_missing(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Book the handover of every paid deal that has none, or whose handover booking was cancelled, missed or
    expired (recorded as a ``handover_lost`` step first). One transaction per deal; returns how many were booked."""
    now = now or timezone.now()
    ids = list(
        Deal.objects.filter(status=DealStatus.PAID)
        .filter(Q(handover_booking__isnull=True) | Q(handover_booking__status__in=_LOST))
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    booked = 0
    for deal_id in ids:
        with transaction.atomic():
            deal = deal_lock(deal_id)
            if deal is None or deal.status != DealStatus.PAID:
                continue
            if deal.handover_booking_id is not None:
                lost = Booking.objects.filter(pk=deal.handover_booking_id, status__in=_LOST).first()
                if lost is None:
                    continue
                deal_step(deal=deal, step=Step.HANDOVER_LOST, at=now, booking_id=lost.pk, booking_status=lost.status)
                deal.handover_booking = None
                deal.save(update_fields=["handover_booking"])
            booked += handover_book(deal=deal, now=now) is not None
    return booked


def of_this_kind(event: BookingCompleted) -> bool:
    """``when`` of the subscription to ``BookingCompleted``: the consignment kind's bookings only."""
    return event.kind == CONSIGNMENT.code


def _first_move(booking_id: int, status: str, *, last: bool = False) -> dt.datetime | None:
    order = ("-at", "-id") if last else ("at", "id")
    return (
        BookingEvent.objects.filter(booking_id=booking_id, to_status=status)
        .order_by(*order)
        .values_list("at", flat=True)
        .first()
    )


def handover_completed(event: BookingCompleted) -> None:
    """A completed consignment booking that is a deal's handover: the deal is handed over, with the time its
    inspection began (the inspection booking's check-in, else its booked start) and the handover's completion, and
    the seller is told when they will be paid. Subscribed durably to ``BookingCompleted``; a repeat changes
    nothing."""
    deal_id = Deal.objects.filter(handover_booking_id=event.booking_id).values_list("pk", flat=True).first()
    if deal_id is None:
        return  # an inspection, or a handover a deal no longer counts on
    with transaction.atomic():
        deal = deal_lock(deal_id)
        if deal is None or deal.status != DealStatus.PAID or deal.handover_booking_id != event.booking_id:
            return
        now = timezone.now()
        inspection = Listing.objects.select_related("report__booking").get(pk=deal.listing_id).report.booking
        deal.handed_over_at = _first_move(event.booking_id, BookingStatus.COMPLETED, last=True) or now
        deal.inspection_started_at = _first_move(inspection.pk, BookingStatus.CHECKED_IN) or inspection.start
        minutes = int((deal.handed_over_at - deal.inspection_started_at).total_seconds() // 60)
        deal_transition(
            deal=deal,
            to=DealStatus.HANDED_OVER,
            reason="handover completed",
            details={"booking_id": event.booking_id, "inspection_to_handover_min": minutes},
            fields=("handed_over_at", "inspection_started_at"),
            at=deal.handed_over_at,
        )
        notices.handed_over(_for_notice(deal.pk))
