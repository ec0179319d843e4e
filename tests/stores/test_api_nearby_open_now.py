"""GET /stores/nearby says of each store whether it is open now (``open_now``), whatever the filters and sort.

Judged as GET /stores/{id} judges it (the store's hours in its own zone, and whole-store closures), by the page
query itself: no query per store."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from geopy.distance import geodesic

from stores.models import Closure, Store
from tests.catalog.factories import set_price
from tests.factories import StoreFactory

URL = "/api/v1/stores/nearby"
CENTRE = (31.23, 121.47)
MINOR = "minor_service"
ALL_DAY = [(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch) -> dt.datetime:
    frozen = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


def shop(meters: float, bearing: float = 0.0, **kwargs) -> Store:
    point = geodesic(meters=meters).destination(CENTRE, bearing)
    store = StoreFactory(lat=point.latitude, lng=point.longitude, **kwargs)
    set_price(store, MINOR, "299.00", duration_min=60)
    return store


def nearby(api, **params) -> dict:
    response = api.get(URL, {"lat": CENTRE[0], "lng": CENTRE[1], "radius_km": 10, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def town(now):
    open_all_day = shop(100, hours=ALL_DAY)
    no_hours = shop(200, 90, hours=[])
    closed_for_works = shop(300, 180, hours=ALL_DAY)
    Closure.objects.create(
        store=closed_for_works,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        reason="停电",
    )
    bay_closed = shop(400, 270, hours=ALL_DAY)  # one bay under repair does not close the store
    Closure.objects.create(
        store=bay_closed,
        bay=bay_closed.bays.get(),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        reason="维修",
    )
    return {"open": open_all_day, "no_hours": no_hours, "closed": closed_for_works, "bay_closed": bay_closed}


def _open_by_id(body: dict) -> dict[int, bool]:
    return {item["id"]: item["open_now"] for item in body["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"service": MINOR},
        {"service": MINOR, "sort": "price"},
        {"sort": "rating"},
        {"service": MINOR, "sort": "soonest"},
    ],
    ids=["distance", "with-service", "price", "rating", "soonest"],
)
def test_each_result_says_whether_the_store_is_open_now(api, town, params):
    body = nearby(api, **params)

    assert _open_by_id(body) == {
        town["open"].id: True,
        town["no_hours"].id: False,
        town["closed"].id: False,
        town["bay_closed"].id: True,
    }


def test_open_now_agrees_with_the_store_page(api, town):
    for item in nearby(api)["items"]:
        page = api.get(f"/api/v1/stores/{item['id']}")
        assert page.json()["open_now"] is item["open_now"]


def test_the_open_now_filter_keeps_only_stores_said_to_be_open(api, town):
    body = nearby(api, open_now="true")

    assert _open_by_id(body) == {town["open"].id: True, town["bay_closed"].id: True}


def test_saying_open_now_costs_no_query_per_store(api, now):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            nearby(api, limit=100)
        return len(captured)

    for k in range(3):
        shop(100 + 50 * k, 120 * k, hours=ALL_DAY)
    few = count()
    for k in range(12):
        shop(600 + 50 * k, 30 * k, hours=ALL_DAY if k % 2 else [])

    assert count() == few
