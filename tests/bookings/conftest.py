"""Booking fixtures: a bookable shop (two bays, a lunch break), a priced service, an owner's car, and ``book``; a
shop priced for a 朗逸 and an owner's Camry, whose oil filter there is a catalogue substitute."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from catalog.models import Service
from catalog.pricing import offering_set_price
from stores.models import Bay, Store
from tests.catalog.factories import set_price
from tests.factories import StoreFactory, UserFactory, VehicleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = [(d, dt.time(9, 0), dt.time(12, 0)) for d in range(7)] + [(d, dt.time(13, 0), dt.time(18, 0)) for d in range(7)]


def local(day: dt.date, hh: int, mm: int = 0, tz: ZoneInfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=tz)


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def make_shop(*, bays: int = 2, price: str = "299.00", duration_min: int = 60, **kwargs) -> Store:
    """A maintenance and washing shop, 09:00-12:00 and 13:00-18:00 every day, with ``bays`` bays."""
    store = StoreFactory(hours=kwargs.pop("hours", HOURS), **kwargs)
    for n in range(2, bays + 1):
        bay = Bay.objects.create(store=store, name=f"{n}号工位")
        bay.categories.set(["maintenance", "washing"])
    set_price(store, "minor_service", price, duration_min=duration_min)
    return store


@pytest.fixture
def shop(db) -> Store:
    return make_shop()


@pytest.fixture
def car(owner):
    return VehicleFactory(owner=owner)


@pytest.fixture
def minor(db) -> Service:
    return Service.objects.get(code="minor_service")


def book(owner, store: Store, start: dt.datetime, *, vehicle=None, service: str = "minor_service", now=None) -> Booking:
    return services.booking_create(
        owner=owner,
        store=store,
        service=Service.objects.get(code=service),
        vehicle=vehicle or VehicleFactory(owner=owner),
        start=start,
        now=now,
    )


def another_owner():
    return UserFactory(roles=["owner"])


def confirmed(booking: Booking) -> Booking:
    """Confirmed as owners confirm a booking: by paying what it costs (through the sandbox)."""
    from tests.payments.paying import pay

    pay(booking)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def floor(db) -> Store:
    """The shop whose floor the shop-floor tests work on: two bays."""
    return make_shop()


@pytest.fixture
def tech(floor):
    from tests.bookings.floor_fixtures import staff_of

    return staff_of(floor)


@pytest.fixture
def tech_client(tech, make_client):
    return make_client(tech)


def manager_of(store: Store):
    from stores.services import membership_add

    user = UserFactory(roles=["owner"])
    membership_add(store=store, user=user, role="manager")
    return user


@pytest.fixture
def shop_manager(shop):
    return manager_of(shop)


# The minor service priced for the shop's reference car, a 朗逸: 4 L of oil and the EA211 filter.
LAVIDA_PARTS = [
    {"sku": "OIL-MOB1-0W20", "qty": Decimal("4"), "unit_price": Decimal("118.00")},
    {"sku": "OFL-MANN-EA211", "qty": Decimal("1"), "unit_price": Decimal("55.00")},
]


def price_the_minor_service(store: Store, *, labour: str = "120.00") -> None:
    offering_set_price(
        store=store,
        service=Service.objects.get(code="minor_service"),
        by=None,
        labour=Decimal(labour),
        parts=LAVIDA_PARTS,
        duration_min=60,
    )


@pytest.fixture
def lavida_shop(db) -> Store:
    """A shop whose minor service is priced for a 朗逸 (¥647 listed): a Camry takes 5 L and a catalogue filter."""
    store = make_shop()
    price_the_minor_service(store)
    return store


@pytest.fixture
def camry(owner):
    return VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)


def booking_body(store: Store, car, *, hour: int = 10, **extra) -> dict:
    """The body of POST /bookings: the minor service tomorrow at ``hour``, the store's time."""
    return {
        "store_id": store.pk,
        "service_code": "minor_service",
        "vehicle_id": car.pk,
        "start": local(tomorrow(), hour).isoformat(),
    } | extra
