"""GET /api/v1/stores/{id}: the public page of one store."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stores.coords import wgs84_to_bd09, wgs84_to_gcj02
from stores.models import Bay, Closure, Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

WGS = (31.2250, 121.4800)
LUNCH_BREAK_MON_SAT = [
    *((d, dt.time(8, 30), dt.time(12, 0)) for d in range(6)),
    *((d, dt.time(13, 30), dt.time(18, 30)) for d in range(6)),
]


def _url(store_id: int) -> str:
    return f"/api/v1/stores/{store_id}"


def _assert_not_found(response):
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "not_found"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)


def test_detail_shape(api):
    # given a store with two active bays, one retired bay, a lunch break and a rating
    store = StoreFactory(
        name="静安养护店",
        lat=WGS[0],
        lng=WGS[1],
        categories=["maintenance", "washing"],
        hours=[*LUNCH_BREAK_MON_SAT, (5, dt.time(20, 0), dt.time(2, 0))],
        status="probation",
    )
    first_bay = store.bays.get()
    wash_bay = Bay.objects.create(store=store, name="洗车位")
    wash_bay.categories.set(["washing"])
    Bay.objects.create(store=store, name="旧工位", is_active=False).categories.set(["maintenance"])
    Store.objects.filter(pk=store.pk).update(rating=Decimal("4.25"), review_count=12)

    # when
    response = api.get(_url(store.id))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == store.id
    assert body["name"] == "静安养护店"
    assert body["address"] == store.address
    assert body["city"] == "上海"
    assert body["lat"] == pytest.approx(WGS[0], abs=1e-7)
    assert body["lng"] == pytest.approx(WGS[1], abs=1e-7)
    assert body["phone"] == "021-63210000"
    assert body["status"] == "probation"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["rating"] == 4.25
    assert body["review_count"] == 12
    assert "rating_breakdown" in body
    assert sorted(c["code"] for c in body["categories"]) == ["maintenance", "washing"]
    assert all(c["name"] for c in body["categories"])
    bays = [{**bay, "categories": sorted(bay["categories"])} for bay in body["bays"]]
    assert bays == [
        {"id": first_bay.id, "name": "1号工位", "categories": ["maintenance", "washing"]},
        {"id": wash_bay.id, "name": "洗车位", "categories": ["washing"]},
    ]
    expected_hours = []
    for d in range(6):
        expected_hours += [
            {"weekday": d, "opens": "08:30", "closes": "12:00"},
            {"weekday": d, "opens": "13:30", "closes": "18:30"},
        ]
    expected_hours.insert(12, {"weekday": 5, "opens": "20:00", "closes": "02:00"})
    assert body["opening_hours"] == expected_hours
    assert set(body["quality"]) >= {"badge", "last_audit_score"}


def test_unrated_store(api, store):
    body = api.get(_url(store.id)).json()

    assert body["rating"] is None
    assert body["review_count"] == 0
    assert body["quality"] == {
        "badge": None,
        "last_audit_score": None,
        "last_audit": None,
        "sanctions": [],
        "complaints_12m": {"received": 0, "upheld": 0},
    }


def test_unknown_store_is_404(api):
    _assert_not_found(api.get(_url(999_999_999)))


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_hidden_store_is_404(api, status):
    store = StoreFactory(status=status)

    _assert_not_found(api.get(_url(store.id)))


@pytest.mark.parametrize(("coord", "transform"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_coordinates_in_the_clients_system(api, coord, transform):
    store = StoreFactory(lat=WGS[0], lng=WGS[1])
    expected = transform(*WGS)

    body = api.get(_url(store.id), {"coord": coord}).json()

    assert body["lat"] == pytest.approx(expected[0], abs=1e-6)
    assert body["lng"] == pytest.approx(expected[1], abs=1e-6)
    assert abs(body["lat"] - WGS[0]) + abs(body["lng"] - WGS[1]) > 1e-4


def test_unknown_coordinate_system_is_422(api, store):
    response = api.get(_url(store.id), {"coord": "mars"})

    assert response.status_code == 422
    assert "coord" in response.json()["error"]["details"]["fields"]


def test_open_now_and_closures(api):
    all_day = [(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)]
    open_store = StoreFactory(hours=all_day)
    closed_today = StoreFactory(hours=all_day)
    never_open = StoreFactory(hours=[])
    now = timezone.now()
    Closure.objects.create(
        store=closed_today, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1), reason="盘点"
    )

    assert api.get(_url(open_store.id)).json()["open_now"] is True
    assert api.get(_url(closed_today.id)).json()["open_now"] is False
    assert api.get(_url(never_open.id)).json()["open_now"] is False


def _queries_for(api, store_id: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(_url(store_id))
    assert response.status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_bays_and_hours(api):
    small = StoreFactory(categories=["washing"], hours=[(0, dt.time(9, 0), dt.time(17, 0))])
    big = StoreFactory(categories=["maintenance", "washing", "parts_install"], hours=LUNCH_BREAK_MON_SAT)
    for k in range(8):
        Bay.objects.create(store=big, name=f"{k + 2}号工位").categories.set(["maintenance", "parts_install"])

    assert len(api.get(_url(big.id)).json()["bays"]) == 9
    assert _queries_for(api, small.id) == _queries_for(api, big.id)
    # the store with its categories, bays (with theirs), hours, status trail and whether it is open now; the quality
    # record's latest audit and complaints of the last 12 months (each statement compiled once: chefu.prepared)
    assert _queries_for(api, big.id) == 2
