"""Demo bookings: a believable day at the demo manager's store, and the demo owner's own bookings.

Everything goes through the booking services (the same holds, timeline rows and outbox messages as real use).
Bookings earlier today are made as if booked yesterday evening, then moved along the shop floor.
"""

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User, Vehicle
from accounts.services import user_create, vehicle_create
from bookings import services
from bookings.checklists import checklist_answer
from bookings.engine import Job, calendar_for_day
from bookings.models import Booking, BookingStatus
from catalog.models import Offering
from catalog.quotes import service_applies
from notifications.models import Message
from stores.models import Store

# Customers of the demo store: removed (with their bookings) when the demo is reset.
CUSTOMERS = (
    ("13900000011", "陈女士", ("沪B6M218", "丰田", "凯美瑞", 2020, 52300)),
    ("13900000012", "刘先生", ("沪AF08871", "特斯拉", "Model 3", 2023, 21000)),
    ("13900000013", "周先生", ("沪C3Q907", "本田", "雅阁", 2017, 98400)),
    ("13900000014", "吴女士", ("沪D72K55", "大众", "朗逸", 2019, 67100)),
    ("13900000015", "郑先生", ("沪A9T612", "别克", "英朗", 2016, 121500)),
)
CUSTOMER_PHONES = tuple(phone for phone, _, _ in CUSTOMERS)
# What a booking that ended before now became on the shop floor: mostly completed, now and then a no-show.
ENDINGS = (BookingStatus.COMPLETED, BookingStatus.COMPLETED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class DemoBookings:
    store_bookings: int
    owner_bookings: int


def demo_bookings_reset() -> None:
    """Delete every booking (with its timeline, answers and photos), and the demo customers."""
    Booking.objects.all().delete()
    Message.objects.filter(ref__startswith="booking:").delete()
    User.objects.filter(phone__in=CUSTOMER_PHONES).delete()


def bookable_offerings(store: Store) -> list[Offering]:
    """The store's bookable standard offerings, with their service and version in force."""
    return list(
        Offering.objects.filter(store=store, is_active=True, service__is_active=True, service__kind="standard")
        .select_related("service", "current")
        .order_by("service__sort_order")
    )


def free_slots(store: Store, offering: Offering, day: dt.date, now: dt.datetime):
    """The starts ``store`` still takes for ``offering`` on ``day``, as the availability API answers them."""
    job = Job(category=offering.service.category_id, duration=dt.timedelta(minutes=offering.current.duration_min))
    return calendar_for_day(store=store, day=day).slots(day=day, job=job, now=now)


def checklist_pass(booking: Booking, staff: User | None) -> None:
    """Tick every item of the booking's checklist as passed (none to tick: nothing to answer)."""
    items = [{"code": item["code"], "result": "pass", "note": ""} for item in booking.checklist]
    if items:
        checklist_answer(booking_id=booking.pk, by=staff, items=items)


def _advance(booking: Booking, *, to: str, staff: User, now: dt.datetime) -> None:
    """Move a confirmed booking along the shop floor to ``to``."""
    if to == BookingStatus.NO_SHOW:
        services.booking_no_show(booking_id=booking.pk, by=staff, now=now)
        return
    # Taken in at its start (``_schedule_fill`` moves only bookings whose start has passed), started right after.
    services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    if to == BookingStatus.CHECKED_IN:
        return
    services.booking_start(booking_id=booking.pk, by=staff, now=booking.start + dt.timedelta(minutes=2))
    if to == BookingStatus.IN_SERVICE:
        return
    checklist_pass(booking, staff)
    services.booking_complete(booking_id=booking.pk, by=staff)


def _customers_create() -> list[tuple[User, Vehicle]]:
    customers = []
    for phone, name, vehicle in CUSTOMERS:
        # A password no one knows: these customers only fill the schedule (and "demo-<phone>" is refused now as too
        # like the phone).
        user = user_create(phone=phone, password=secrets.token_urlsafe(18), name=name, roles=["owner"])
        plate, make, model, year, mileage = vehicle
        car = vehicle_create(owner=user, plate=plate, make=make, model=model, year=year, mileage_km=mileage)
        customers.append((user, car))
    return customers


def _store_booking(store, offers, customer, *, day, booked_at, rng) -> Booking | None:
    """One customer's booking of ``store`` on ``day``, made at ``booked_at`` and confirmed; None when nothing fits."""
    user, vehicle = customer
    applicable = [o for o in offers if service_applies(service=o.service, vehicle=vehicle)]
    if not applicable:
        return None
    offering = rng.choice(applicable)
    slots = free_slots(store, offering, day, booked_at)
    if not slots:
        return None
    slot = rng.choice(slots)
    booking = services.booking_create(
        owner=user, store=store, service=offering.service, vehicle=vehicle, start=slot.start, now=booked_at
    )
    services.booking_confirm(booking_id=booking.pk, reason="demo")
    return booking


def _schedule_fill(store: Store, staff: User, offers: list[Offering], *, rng: random.Random, now: dt.datetime) -> int:
    """Today's and tomorrow's bookings of the demo customers at ``store``, the past ones moved along."""
    tz = ZoneInfo(store.timezone)
    today = now.astimezone(tz).date()
    customers = _customers_create()
    # As if booked yesterday evening, so that this morning's slots were still bookable then.
    booked_at = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(20, 0), tzinfo=tz)
    made = 0
    for day in (today, today + dt.timedelta(days=1)):
        for customer in customers:
            booking = _store_booking(store, offers, customer, day=day, booked_at=booked_at, rng=rng)
            if booking is None:
                continue
            made += 1
            if booking.end <= now:
                _advance(booking, to=rng.choice(ENDINGS), staff=staff, now=now)
            elif booking.start <= now:
                _advance(booking, to=BookingStatus.IN_SERVICE, staff=staff, now=now)
    return made


def _owner_booking(owner: User, vehicle: Vehicle, target: Store, *, day: dt.date, now: dt.datetime) -> Booking | None:
    """The owner's booking of the first offering at ``target`` that fits the car, mid-day on ``day``."""
    for offering in bookable_offerings(target):
        if not service_applies(service=offering.service, vehicle=vehicle):
            continue  # the owner's electric car gets no oil change
        slots = free_slots(target, offering, day, now)
        if slots:
            return services.booking_create(
                owner=owner,
                store=target,
                service=offering.service,
                vehicle=vehicle,
                start=slots[len(slots) // 2].start,
                now=now,
            )
    return None


def _owner_bookings(owner: User, store: Store, other_store: Store | None, *, now: dt.datetime) -> int:
    """One booking at the manager's store the day after tomorrow (confirmed), one elsewhere tomorrow (awaiting pay)."""
    tomorrow = now.astimezone(ZoneInfo(store.timezone)).date() + dt.timedelta(days=1)
    vehicles = list(owner.vehicles.order_by("id"))
    owners = 0
    for target, day, confirm in ((store, tomorrow + dt.timedelta(days=1), True), (other_store, tomorrow, False)):
        if target is None or not vehicles:
            continue
        booking = _owner_booking(owner, vehicles[owners % len(vehicles)], target, day=day, now=now)
        if booking is None:
            continue
        if confirm:
            services.booking_confirm(booking_id=booking.pk, reason="demo")
        owners += 1
    return owners


@transaction.atomic
def demo_bookings_load(
    *, store: Store, staff: User, owner: User, other_store: Store | None, seed: int, now: dt.datetime | None = None
) -> DemoBookings:
    """Fill today's and tomorrow's schedule of ``store`` and give ``owner`` a few bookings of their own."""
    rng = random.Random(seed)
    now = now or timezone.now()
    offers = bookable_offerings(store)
    if not offers:
        return DemoBookings(0, 0)
    made = _schedule_fill(store, staff, offers, rng=rng, now=now)
    return DemoBookings(made, _owner_bookings(owner, store, other_store, now=now))
