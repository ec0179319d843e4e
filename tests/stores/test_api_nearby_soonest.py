"""GET /api/v1/stores/nearby: ``next_slot`` and ``sort=soonest``, answered by the booking engine.

The clock is frozen at the real time the test starts (``now``), so a slot cannot slip past the notice period
between two requests; the scenarios hold whatever the time of day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from geopy.distance import geodesic

from bookings import services
from bookings.exceptions import SlotUnavailable
from bookings.models import BookingPolicy
from catalog.models import Service
from chefu.errors import ValidationFailed
from search import selectors as search_selectors
from stores.models import Closure, Store
from tests.catalog.factories import set_price
from tests.factories import StoreFactory, UserFactory, VehicleFactory

URL = "/api/v1/stores/nearby"
CENTRE = (31.23, 121.47)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MINOR = "minor_service"  # maintenance, priced here at 60 minutes
DAY = dt.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch) -> dt.datetime:
    frozen = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def shop(meters: float, bearing: float = 0.0, **kwargs) -> Store:
    """A priced store ``meters`` from the centre: one bay, 08:30-19:00 every day unless ``hours`` says otherwise."""
    point = geodesic(meters=meters).destination(CENTRE, bearing)
    store = StoreFactory(lat=point.latitude, lng=point.longitude, **kwargs)
    set_price(store, MINOR, "299.00", duration_min=60)
    return store


def close_bay(store: Store, *, start: dt.datetime, end: dt.datetime) -> None:
    Closure.objects.create(store=store, bay=store.bays.get(), starts_at=start, ends_at=end, reason="举升机维修")


def book_if_offered(store: Store, start: dt.datetime, now: dt.datetime) -> bool:
    owner = UserFactory(roles=["owner"])
    try:
        services.booking_create(
            owner=owner,
            store=store,
            service=Service.objects.get(code=MINOR),
            vehicle=VehicleFactory(owner=owner),
            start=start,
            now=now,
        )
    except (ValidationFailed, SlotUnavailable):
        return False  # already past, inside the notice period, or the bay is closed
    return True


def nearby(api, **params) -> dict:
    response = api.get(URL, {"lat": CENTRE[0], "lng": CENTRE[1], "radius_km": 10, **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


def slot_of(item: dict) -> dt.datetime | None:
    return dt.datetime.fromisoformat(item["next_slot"]) if item.get("next_slot") else None


def assert_soonest_order(items: list[dict]) -> None:
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    keys = [(slot_of(i) is None, slot_of(i) or never, i["distance_m"], i["id"]) for i in items]
    assert keys == sorted(keys)


@pytest.fixture
def town(now):
    """Five stores; the farthest is the one that can take a car soonest, the nearest never can."""
    nothing = shop(200)  # closed longer than it takes bookings ahead
    BookingPolicy.objects.create(store=nothing, horizon_days=1)
    Closure.objects.create(store=nothing, starts_at=now - dt.timedelta(hours=1), ends_at=now + 3 * DAY, reason="装修")

    bay_closed = shop(500, 90)  # its only bay is under repair for two days
    close_bay(bay_closed, start=now - dt.timedelta(hours=1), end=now + 2 * DAY)

    booked = shop(1000, 180, hours=[(d, dt.time(10), dt.time(11)) for d in range(7)])  # one slot a day, all taken
    for k in range(3):
        book_if_offered(booked, dt.datetime.combine(today(now) + k * DAY, dt.time(10), tzinfo=SHANGHAI), now)

    later_weekday = (today(now) + 2 * DAY).weekday()  # closed today and tomorrow
    closed_today = shop(1500, 270, hours=[(later_weekday, dt.time(8, 30), dt.time(19))])

    far = shop(3000, 45)  # free, every day
    return {"nothing": nothing, "bay_closed": bay_closed, "booked": booked, "closed_today": closed_today, "far": far}


# --- ordering ---------------------------------------------------------------------------------------


def test_soonest_puts_a_farther_store_with_an_earlier_slot_first_and_one_without_slots_last(api, town):
    # when
    by_distance = nearby(api, service=MINOR)
    body = nearby(api, service=MINOR, sort="soonest")

    # then
    assert ids(by_distance)[0] == town["nothing"].id
    assert ids(body)[0] == town["far"].id
    assert ids(body)[-1] == town["nothing"].id
    assert body["items"][-1]["next_slot"] is None
    assert all(item["next_slot"] for item in body["items"][:-1])
    assert_soonest_order(body["items"])
    assert body["count"] == 5
    # the other sorts show the same next slot for each store
    assert {i["id"]: i["next_slot"] for i in by_distance["items"]} == {i["id"]: i["next_slot"] for i in body["items"]}
    assert body["items"][0]["price"] == {"service": MINOR, "total": "299.00"}


def test_each_next_slot_is_the_first_start_of_the_availability_list_and_can_be_booked(api, town, now, make_client):
    # given
    owner = UserFactory(roles=["owner"])
    client = make_client(owner)
    items = [item for item in nearby(api, service=MINOR, sort="soonest")["items"] if item["next_slot"]]
    assert len(items) == 4

    for item in items:
        next_slot = slot_of(item)
        # when
        days = {}
        day = today(now)
        while day <= next_slot.date():
            response = api.get(f"/api/v1/stores/{item['id']}/availability", {"service": MINOR, "date": day})
            assert response.status_code == 200, response.content
            days[day] = [dt.datetime.fromisoformat(s["start"]) for s in response.json()["slots"]]
            day += DAY
        booked = client.post(
            "bookings",
            {
                "store_id": item["id"],
                "service_code": MINOR,
                "vehicle_id": VehicleFactory(owner=owner).id,
                "start": item["next_slot"],
            },
        )

        # then: nothing earlier on any day, and it is the first start of its own day
        assert all(not starts for d, starts in days.items() if d < next_slot.date()), item
        assert days[next_slot.date()][0] == next_slot
        assert booked.status_code == 201, booked.content
        assert dt.datetime.fromisoformat(booked.json()["start"]) == next_slot

    # and with each one-bay store's first slot taken, every next slot moved later
    after = {i["id"]: slot_of(i) for i in nearby(api, service=MINOR, sort="soonest")["items"]}
    assert all(after[i["id"]] is None or after[i["id"]] > slot_of(i) for i in items)


def test_equal_slots_go_nearest_first(api, now):
    stores = [shop(m, 30 * k) for k, m in enumerate((2400, 800, 1600))]

    body = nearby(api, service=MINOR, sort="soonest")

    assert len({item["next_slot"] for item in body["items"]}) == 1
    assert ids(body) == [stores[1].id, stores[2].id, stores[0].id]


def test_next_slot_is_null_without_a_service_and_filled_for_the_other_sorts(api, town):
    plain = nearby(api)
    by_price = nearby(api, service=MINOR, sort="price")
    by_rating = nearby(api, service=MINOR, sort="rating")

    assert all(item.get("next_slot") is None for item in plain["items"])
    soonest_slots = {i["id"]: i["next_slot"] for i in nearby(api, service=MINOR, sort="soonest")["items"]}
    for body in (by_price, by_rating):
        assert {i["id"]: i["next_slot"] for i in body["items"]} == soonest_slots


def test_a_store_that_does_not_price_the_service_is_not_a_candidate(api, now):
    priced = shop(900)
    unpriced = StoreFactory(lat=CENTRE[0], lng=CENTRE[1])

    body = nearby(api, service=MINOR, sort="soonest")

    assert ids(body) == [priced.id]
    assert unpriced.id not in ids(body)


def test_the_other_filters_still_apply(api, town):
    body = nearby(api, service=MINOR, sort="soonest", radius_km=2)

    assert set(ids(body)) == {town[k].id for k in ("nothing", "bay_closed", "booked", "closed_today")}
    assert body["count"] == 4


# --- pages and the candidate cap --------------------------------------------------------------------


def test_pages_follow_the_ranking_and_count_every_store(api, now):
    # given seven stores, the nearer ones closed for longer
    stores = [shop(300 * (k + 1), 50 * k) for k in range(7)]
    for k, store in enumerate(stores):
        close_bay(store, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=9 * (7 - k)))

    # when
    full = nearby(api, service=MINOR, sort="soonest", limit=100)
    pages = [nearby(api, service=MINOR, sort="soonest", limit=3, offset=offset) for offset in (0, 3, 6, 9)]

    # then
    assert_soonest_order(full["items"])
    assert ids(full)[0] != stores[0].id  # closed 54 hours longer than the farthest
    assert [ids(p) for p in pages] == [ids(full)[0:3], ids(full)[3:6], ids(full)[6:7], []]
    assert [p["count"] for p in pages] == [7, 7, 7, 7]


def test_beyond_the_candidates_stores_follow_by_distance(api, now, monkeypatch):
    # given five stores where the two farthest are free soonest, and only three candidates
    monkeypatch.setattr(search_selectors, "RANKED_CANDIDATES", 3)
    stores = [shop(400 * (k + 1), 60 * k) for k in range(5)]
    for store in stores[:3]:
        close_bay(store, start=now - dt.timedelta(hours=1), end=now + 2 * DAY)
    close_bay(stores[1], start=now - dt.timedelta(hours=1), end=now + 3 * DAY)

    # when
    full = nearby(api, service=MINOR, sort="soonest")
    straddling = nearby(api, service=MINOR, sort="soonest", limit=2, offset=2)
    tail = nearby(api, service=MINOR, sort="soonest", limit=2, offset=3)

    # then the three nearest are ranked, the rest come after them nearest first
    assert ids(full) == [stores[0].id, stores[2].id, stores[1].id, stores[3].id, stores[4].id]
    assert full["count"] == 5
    assert ids(straddling) == [stores[1].id, stores[3].id]
    assert ids(tail) == [stores[3].id, stores[4].id]
    assert all(item["next_slot"] for item in full["items"])
    assert [p["count"] for p in (straddling, tail)] == [5, 5]


# --- refusals and cost ------------------------------------------------------------------------------


def _fields(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "validation_error", body
    return body["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "soonest"}, "sort"), ({"sort": "soonest", "service": "oil_change"}, "service")],
)
def test_soonest_needs_a_known_service(api, now, params, field):
    shop(100)

    response = api.get(URL, {"lat": CENTRE[0], "lng": CENTRE[1], **params})

    assert field in _fields(response)


def test_nobody_near_is_an_empty_page(api, now):
    shop(100)

    assert nearby(api, lat=39.9, lng=116.4, service=MINOR, sort="soonest") == {"items": [], "count": 0}


def _queries(api, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        body = nearby(api, limit=100, **params)
    return len(captured), body["count"]


@pytest.mark.parametrize("sort", ["soonest", "distance"])
def test_query_count_does_not_grow_with_the_stores(api, now, sort, django_assert_max_num_queries):
    def add(n: int, first: int) -> None:
        for k in range(first, first + n):
            store = shop(150 * (k + 1), 37 * k)
            if k % 3 == 0:
                close_bay(store, start=now, end=now + dt.timedelta(hours=k + 1))
            if k % 4 == 1:
                BookingPolicy.objects.create(store=store, horizon_days=7 + k, buffer_min=10)
            book_if_offered(store, dt.datetime.combine(today(now) + DAY, dt.time(9), tzinfo=SHANGHAI), now)

    add(3, 0)
    three, count = _queries(api, service=MINOR, sort=sort)
    assert count == 3
    add(9, 3)

    with django_assert_max_num_queries(three):
        body = nearby(api, limit=100, service=MINOR, sort=sort)
    twelve, count = _queries(api, service=MINOR, sort=sort)

    assert count == 12 and len(body["items"]) == 12
    assert twelve == three
