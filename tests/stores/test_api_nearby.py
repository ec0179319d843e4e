"""GET /api/v1/stores/nearby and the ``store_nearby`` selector behind it.

Store positions are computed with geopy's geodesic (Karney, WGS-84 ellipsoid), independently of
PostGIS, so a radius or distance computed on the sphere, or in degrees, shows up as a failure.
"""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from geopy.distance import geodesic

from stores.coords import wgs84_to_bd09, wgs84_to_gcj02
from stores.models import Closure, Store
from stores.selectors import store_nearby
from stores.services import application_submit
from tests.factories import StoreFactory

URL = "/api/v1/stores/nearby"
SHANGHAI = (31.23, 121.47)
# Far enough north that a degree of longitude is ~78 km instead of Shanghai's ~95 km.
HARBIN = (45.75, 126.63)
SH = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def _destination(origin, meters, bearing):
    point = geodesic(meters=meters).destination(origin, bearing)
    return point.latitude, point.longitude


def _store_at(origin, meters, bearing=0.0, **kwargs):
    lat, lng = _destination(origin, meters, bearing)
    return StoreFactory(lat=lat, lng=lng, **kwargs)


def _nearby(api, origin, **params):
    response = api.get(URL, {"lat": origin[0], "lng": origin[1], **params})
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def _fields(response) -> dict:
    body = response.json()
    assert body["error"]["code"] == "validation_error", body
    return body["error"]["details"]["fields"]


# --- radius and distances --------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [SHANGHAI, HARBIN], ids=["shanghai", "harbin"])
@pytest.mark.parametrize("bearing", [0, 90, 225])
# 10 m is the contract; 2 m also catches a radius measured on the sphere (off by up to ~9 m at 3 km).
@pytest.mark.parametrize("margin", [10, 2])
def test_radius_boundary_is_measured_in_metres_on_the_ellipsoid(api, origin, bearing, margin):
    # given one store just inside and one just outside a 3 km circle
    inside = _store_at(origin, 3000 - margin, bearing)
    _store_at(origin, 3000 + margin, bearing)

    # when
    body = _nearby(api, origin, radius_km=3)

    # then
    assert _ids(body) == [inside.id]
    assert body["count"] == 1
    assert abs(body["items"][0]["distance_m"] - (3000 - margin)) <= 1


def test_distance_m_matches_the_geodesic_distance(api):
    expected = {}
    for meters, bearing in [(100, 30), (1000, 120), (4900, 200), (20_000, 300)]:
        store = _store_at(SHANGHAI, meters, bearing)
        expected[store.id] = geodesic(SHANGHAI, (store.location.y, store.location.x)).meters

    body = _nearby(api, SHANGHAI, radius_km=50)

    got = {item["id"]: item["distance_m"] for item in body["items"]}
    assert got.keys() == expected.keys()
    for store_id, exact in expected.items():
        assert isinstance(got[store_id], int)
        # 0.1% of the distance, plus the half metre lost by answering integer metres.
        assert abs(got[store_id] - exact) <= 0.001 * exact + 0.5, (got[store_id], exact)
        assert abs(got[store_id] - exact) <= 1, (got[store_id], exact)


def test_default_radius_is_5_km(api):
    inside = _store_at(SHANGHAI, 4950, 45)
    _store_at(SHANGHAI, 5050, 45)

    assert _ids(_nearby(api, SHANGHAI)) == [inside.id]


# --- ordering and pagination ----------------------------------------------------------------------


def test_nearest_first(api):
    by_distance = {}
    for meters, bearing in [(4000, 10), (500, 200), (2500, 90), (1500, 300), (3200, 150)]:
        by_distance[meters] = _store_at(SHANGHAI, meters, bearing).id

    body = _nearby(api, SHANGHAI)

    assert _ids(body) == [by_distance[m] for m in sorted(by_distance)]
    distances = [item["distance_m"] for item in body["items"]]
    assert distances == sorted(distances)
    assert abs(distances[0] - 500) <= 1


def test_pagination_with_limit_and_offset(api):
    ids = [_store_at(SHANGHAI, 300 * (k + 1), 40 * k).id for k in range(7)]

    pages = [_nearby(api, SHANGHAI, limit=3, offset=offset) for offset in (0, 3, 6, 10)]

    assert [_ids(page) for page in pages] == [ids[0:3], ids[3:6], ids[6:7], []]
    assert [page["count"] for page in pages] == [7, 7, 7, 7]


def test_item_shape(api):
    store = _store_at(SHANGHAI, 800, 0, categories=["washing"], status="probation")
    Store.objects.filter(pk=store.pk).update(rating=Decimal("4.60"), review_count=31)

    (item,) = _nearby(api, SHANGHAI)["items"]

    assert item["id"] == store.id
    assert item["name"] == store.name
    assert item["address"] == store.address
    assert item["lat"] == pytest.approx(store.location.y, abs=1e-7)
    assert item["lng"] == pytest.approx(store.location.x, abs=1e-7)
    assert item["rating"] == 4.6
    assert item["review_count"] == 31
    assert item["status"] == "probation"
    assert item["categories"] == ["washing"]
    assert item.get("price") is None
    assert item.get("next_slot") is None


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"radius_km": 51}, "radius_km"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": -1}, "radius_km"),
        ({"lat": 91}, "lat"),
        ({"lat": -90.5}, "lat"),
        ({"lng": 181}, "lng"),
        ({"lng": -180.01}, "lng"),
        ({"min_rating": 6}, "min_rating"),
        ({"sort": "nonsense"}, "sort"),
        ({"coord": "osgb36"}, "coord"),
    ],
)
def test_out_of_range_parameters_are_422(api, params, field):
    response = api.get(URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], **params})

    assert response.status_code == 422
    assert field in _fields(response)


@pytest.mark.parametrize("missing", ["lat", "lng"])
def test_missing_coordinate_is_422(api, missing):
    params = {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}
    del params[missing]

    response = api.get(URL, params)

    assert response.status_code == 422
    assert missing in _fields(response)


def test_limit_100_and_radius_50_are_allowed(api):
    store = _store_at(SHANGHAI, 49_000, 180)

    assert _ids(_nearby(api, SHANGHAI, limit=100, radius_km=50)) == [store.id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service": "oil_change"}, "service"),  # not a catalogue service
        ({"sort": "price"}, "sort"),  # needs a service
        ({"sort": "soonest"}, "sort"),  # needs a service
        ({"service": "oil_change", "sort": "soonest"}, "service"),
        ({"service": "oil_change", "sort": "price"}, "service"),
    ],
)
def test_unknown_service_price_without_service_and_soonest_are_refused(api, params, field):
    _store_at(SHANGHAI, 100)

    response = api.get(URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], **params})

    assert response.status_code == 422
    assert field in _fields(response)


# --- who appears ------------------------------------------------------------------------------------


def test_only_active_and_probation_stores_appear(api):
    active = _store_at(SHANGHAI, 100, 0, status="active")
    probation = _store_at(SHANGHAI, 200, 0, status="probation")
    _store_at(SHANGHAI, 300, 0, status="suspended")
    _store_at(SHANGHAI, 400, 0, status="terminated")

    body = _nearby(api, SHANGHAI)

    assert [(i["id"], i["status"]) for i in body["items"]] == [(active.id, "active"), (probation.id, "probation")]
    assert body["count"] == 2


def test_a_pending_application_is_not_a_store(api, applicant, application_payload):
    # given an application for a shop right at the query point, not yet approved
    payload = {**application_payload, "lat": SHANGHAI[0], "lng": SHANGHAI[1]}
    timezone_name = payload.pop("timezone")
    application_submit(applicant=applicant, timezone_name=timezone_name, **payload)

    body = _nearby(api, SHANGHAI)

    assert body == {"items": [], "count": 0}
    assert not Store.objects.exists()


def test_category_filter(api):
    maintenance = _store_at(SHANGHAI, 100, 0, categories=["maintenance"])
    washing = _store_at(SHANGHAI, 200, 0, categories=["washing"])
    both = _store_at(SHANGHAI, 300, 0, categories=["maintenance", "washing"])

    washing_body = _nearby(api, SHANGHAI, category="washing")
    maintenance_body = _nearby(api, SHANGHAI, category="maintenance")
    consignment_body = _nearby(api, SHANGHAI, category="consignment")

    assert _ids(washing_body) == [washing.id, both.id]
    assert washing_body["count"] == 2
    assert _ids(maintenance_body) == [maintenance.id, both.id]
    assert consignment_body == {"items": [], "count": 0}
    assert sorted(washing_body["items"][1]["categories"]) == ["maintenance", "washing"]


def _rated(meters, rating, review_count=0):
    store = _store_at(SHANGHAI, meters, 90)
    Store.objects.filter(pk=store.pk).update(
        rating=None if rating is None else Decimal(rating), review_count=review_count
    )
    return store.id


def test_min_rating_keeps_rated_stores_at_or_above_it(api):
    unrated = _rated(100, None)
    high = _rated(200, "4.80", 10)
    exact = _rated(300, "4.50", 3)
    low = _rated(400, "3.90", 7)

    body = _nearby(api, SHANGHAI, min_rating=4.5)

    assert _ids(body) == [high, exact]
    assert body["count"] == 2
    assert [item["rating"] for item in body["items"]] == [4.8, 4.5]
    # without the filter, unrated stores are listed like any other
    assert _ids(_nearby(api, SHANGHAI)) == [unrated, high, exact, low]


def test_sort_by_rating_puts_rated_stores_first_best_first(api):
    unrated = _rated(100, None)
    low = _rated(200, "3.90", 7)
    high = _rated(300, "4.80", 10)
    middle = _rated(400, "4.50", 3)

    body = _nearby(api, SHANGHAI, sort="rating")

    assert _ids(body) == [high, middle, low, unrated]
    assert [item["rating"] for item in body["items"]] == [4.8, 4.5, 3.9, None]


# --- open now ---------------------------------------------------------------------------------------


def _open_ids(at: dt.datetime, origin=SHANGHAI) -> set[int]:
    queryset = store_nearby(lat=origin[0], lng=origin[1], radius_m=5000, open_now=True, at=at)
    return set(queryset.values_list("id", flat=True))


def _local(zone: ZoneInfo, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


# 2026-11-23 is a Monday.


@pytest.mark.parametrize(
    ("hour", "minute", "is_open"),
    [
        (8, 29, False),
        (8, 30, True),
        (11, 59, True),
        (12, 0, False),
        (12, 30, False),
        (13, 29, False),
        (13, 30, True),
        (18, 29, True),
        (18, 30, False),
    ],
)
def test_open_now_respects_a_lunch_break(hour, minute, is_open):
    hours = [(d, dt.time(8, 30), dt.time(12, 0)) for d in range(7)]
    hours += [(d, dt.time(13, 30), dt.time(18, 30)) for d in range(7)]
    store = _store_at(SHANGHAI, 100, hours=hours)

    assert _open_ids(_local(SH, 2026, 11, 23, hour, minute)) == ({store.id} if is_open else set())


@pytest.mark.parametrize(
    ("day", "hour", "minute", "is_open"),
    [
        (23, 19, 59, False),  # Monday, before it opens
        (23, 20, 0, True),
        (23, 23, 0, True),
        (24, 0, 0, True),  # Tuesday: the Monday range is still running
        (24, 1, 30, True),
        (24, 1, 59, True),
        (24, 2, 0, False),
        (24, 23, 0, False),  # nothing on Tuesday evening
        (23, 1, 30, False),  # Monday early morning: Sunday has no hours
    ],
)
def test_open_now_with_an_overnight_range(day, hour, minute, is_open):
    store = _store_at(SHANGHAI, 100, hours=[(0, dt.time(20, 0), dt.time(2, 0))])

    assert _open_ids(_local(SH, 2026, 11, day, hour, minute)) == ({store.id} if is_open else set())


def test_open_now_with_an_overnight_range_from_sunday_into_monday():
    store = _store_at(SHANGHAI, 100, hours=[(6, dt.time(22, 0), dt.time(3, 0))])

    assert _open_ids(_local(SH, 2026, 11, 29, 23, 0)) == {store.id}  # Sunday night
    assert _open_ids(_local(SH, 2026, 11, 30, 2, 59)) == {store.id}  # Monday morning
    assert _open_ids(_local(SH, 2026, 11, 30, 3, 0)) == set()
    assert _open_ids(_local(SH, 2026, 11, 29, 2, 0)) == set()  # Sunday morning: Saturday has no hours


def test_open_now_on_a_closed_weekday():
    store = _store_at(SHANGHAI, 100, hours=[(d, dt.time(8, 30), dt.time(18, 30)) for d in range(6)])

    assert _open_ids(_local(SH, 2026, 11, 28, 10, 0)) == {store.id}  # Saturday
    assert _open_ids(_local(SH, 2026, 11, 29, 10, 0)) == set()  # Sunday


def test_whole_store_closure_closes_it_but_a_bay_closure_does_not():
    hours = [(d, dt.time(8, 30), dt.time(18, 30)) for d in range(7)]
    closed = _store_at(SHANGHAI, 100, hours=hours)
    bay_closed = _store_at(SHANGHAI, 200, hours=hours)
    starts, ends = _local(SH, 2026, 11, 23, 9, 0), _local(SH, 2026, 11, 23, 15, 0)
    Closure.objects.create(store=closed, starts_at=starts, ends_at=ends, reason="停电")
    Closure.objects.create(store=bay_closed, bay=bay_closed.bays.get(), starts_at=starts, ends_at=ends, reason="维修")

    assert _open_ids(_local(SH, 2026, 11, 23, 8, 59)) == {closed.id, bay_closed.id}
    assert _open_ids(starts) == {bay_closed.id}
    assert _open_ids(_local(SH, 2026, 11, 23, 12, 0)) == {bay_closed.id}
    assert _open_ids(ends) == {closed.id, bay_closed.id}


def test_another_stores_closure_does_not_close_this_one():
    hours = [(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)]
    store = _store_at(SHANGHAI, 100, hours=hours)
    other = _store_at(HARBIN, 100, hours=hours)
    at = _local(SH, 2026, 11, 23, 12, 0)
    Closure.objects.create(
        store=other, starts_at=at - dt.timedelta(hours=1), ends_at=at + dt.timedelta(hours=1), reason="x"
    )

    assert _open_ids(at) == {store.id}


@pytest.mark.parametrize("zone_name", ["Asia/Urumqi", "Europe/London"])
def test_open_now_is_judged_in_each_stores_own_time_zone(zone_name):
    hours = [(d, dt.time(8, 30), dt.time(18, 30)) for d in range(7)]
    shanghai = _store_at(SHANGHAI, 100, hours=hours)
    elsewhere = _store_at(SHANGHAI, 200, hours=hours, timezone=zone_name)
    zone = ZoneInfo(zone_name)

    # 08:45 in Shanghai is 06:45 in Urumqi and 00:45 in London
    morning = _local(SH, 2026, 11, 23, 8, 45)
    # 09:00 in the other zone is 11:00 (Urumqi) or 17:00 (London) in Shanghai
    their_morning = _local(zone, 2026, 11, 23, 9, 0)
    # 18:35 in Shanghai: Shanghai has closed, the other zone is still within its hours
    shanghai_evening = _local(SH, 2026, 11, 23, 18, 35)

    assert _open_ids(morning) == {shanghai.id}
    assert _open_ids(their_morning) == {shanghai.id, elsewhere.id}
    assert _open_ids(shanghai_evening) == {elsewhere.id}


def test_open_now_follows_daylight_saving_time():
    store = _store_at(
        SHANGHAI, 100, hours=[(d, dt.time(8, 30), dt.time(18, 30)) for d in range(7)], timezone="Europe/London"
    )

    # 08:00 UTC is 09:00 in London in July (BST) but 08:00 in January (GMT)
    assert _open_ids(dt.datetime(2026, 7, 6, 8, 0, tzinfo=dt.UTC)) == {store.id}
    assert _open_ids(dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)) == set()


def test_open_now_through_the_api(api):
    all_day = _store_at(SHANGHAI, 100, hours=[(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)])
    no_hours = _store_at(SHANGHAI, 200, hours=[])

    assert _ids(_nearby(api, SHANGHAI, open_now="true")) == [all_day.id]
    assert _nearby(api, SHANGHAI, open_now="true")["count"] == 1
    assert _ids(_nearby(api, SHANGHAI, open_now="false")) == [all_day.id, no_hours.id]


# --- coordinate systems -----------------------------------------------------------------------------


@pytest.mark.parametrize(("coord", "transform"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_coordinates_in_and_out_in_the_clients_system(api, coord, transform):
    wgs = (31.2250, 121.4800)
    store = StoreFactory(lat=wgs[0], lng=wgs[1])
    shifted = transform(*wgs)

    body = _nearby(api, shifted, coord=coord, radius_km=1)

    (item,) = body["items"]
    assert item["id"] == store.id
    assert item["distance_m"] <= 1
    assert item["lat"] == pytest.approx(shifted[0], abs=1e-6)
    assert item["lng"] == pytest.approx(shifted[1], abs=1e-6)
    # the same numbers read as WGS-84 are hundreds of metres away: the conversion matters
    (as_wgs,) = _nearby(api, shifted, radius_km=5)["items"]
    assert as_wgs["distance_m"] > 100
    assert as_wgs["lat"] == pytest.approx(wgs[0], abs=1e-6)
    assert as_wgs["lng"] == pytest.approx(wgs[1], abs=1e-6)


# --- performance ------------------------------------------------------------------------------------


def _count_queries(api, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        body = _nearby(api, SHANGHAI, limit=100, **params)
    return len(captured), body["count"]


def test_query_count_does_not_grow_with_the_page(api, django_assert_max_num_queries):
    for k in range(5):
        _store_at(SHANGHAI, 100 + 50 * k, 72 * k)
    five, count = _count_queries(api)
    assert count == 5
    for k in range(15):
        _store_at(SHANGHAI, 500 + 50 * k, 24 * k, categories=["maintenance", "washing", "parts_install"])
    twenty, count = _count_queries(api)
    assert count == 20

    assert five == twenty
    with django_assert_max_num_queries(3):  # count, page, categories
        _nearby(api, SHANGHAI, limit=100, open_now="true", category="washing", min_rating=1)


def test_nearby_query_uses_the_spatial_index():
    # given ~2000 stores spread over eastern China, and fresh statistics
    rng = random.Random(20261123)
    Store.objects.bulk_create(
        Store(
            name=f"批量门店{i}",
            address="测试地址",
            city="测试",
            location=Point(rng.uniform(105, 125), rng.uniform(20, 42), srid=4326),
            phone="021-63210000",
        )
        for i in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stores_store")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'stores_store' AND indexdef ILIKE %s",
            ["%USING gist%(location)%"],
        )
        (index_name,) = (row[0] for row in cursor.fetchall())

        # when
        sql, params = store_nearby(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000)[:20].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then
    assert index_name in plan, plan
    assert "Seq Scan on stores_store" not in plan, plan
