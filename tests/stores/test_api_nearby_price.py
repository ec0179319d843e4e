"""GET /api/v1/stores/nearby with ``service=`` and ``sort=price``: stores with an active price, cheapest first."""

import datetime as dt
import random
import re
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from geopy.distance import geodesic

from catalog.models import Offering, OfferingVersion
from stores.models import Store
from stores.selectors import store_nearby, store_nearby_page
from tests.factories import StoreFactory

URL = "/api/v1/stores/nearby"
SHANGHAI = (31.23, 121.47)
WASH, WAX, MINOR = "standard_wash", "waxing", "minor_service"

pytestmark = pytest.mark.django_db


def price(store: Store, service: str, total: str | Decimal, *, active: bool = True) -> Offering:
    """A labour-only offering of ``service`` at ``store`` with version 1 in force; ``active=False`` is one
    that was priced and then deactivated (the denormalized total is left behind, as a stale value would be)."""
    total = Decimal(total)
    offering = Offering.objects.create(store=store, service_id=service, is_active=False)
    version = OfferingVersion.objects.create(offering=offering, number=1, labour=total, total=total, duration_min=60)
    offering.current, offering.total, offering.is_active = version, total, True
    offering.save()
    if not active:
        offering.current, offering.is_active = None, False
        offering.save()
    return offering


def _store_at(meters, bearing=0.0, **kwargs):
    point = geodesic(meters=meters).destination(SHANGHAI, bearing)
    return StoreFactory(lat=point.latitude, lng=point.longitude, **kwargs)


def _nearby(api, **params):
    response = api.get(URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], **params})
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def _fields(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "validation_error", body
    return body["error"]["details"]["fields"]


# --- who appears ------------------------------------------------------------------------------------


def test_service_keeps_only_visible_stores_with_an_active_price_for_it(api):
    # given
    priced = _store_at(100)
    deactivated = _store_at(200)
    other_service = _store_at(300)
    unpriced = _store_at(400)
    suspended = _store_at(500, status="suspended")
    both = _store_at(600)
    price(priced, WASH, "45")
    price(deactivated, WASH, "40", active=False)
    price(other_service, WAX, "180")
    price(suspended, WASH, "30")
    price(both, WASH, "55")
    price(both, WAX, "200")

    # when
    wash = _nearby(api, service=WASH)
    wax = _nearby(api, service=WAX)
    everything = _nearby(api)

    # then
    assert _ids(wash) == [priced.id, both.id]
    assert wash["count"] == 2
    assert _ids(wax) == [other_service.id, both.id]
    assert _ids(everything) == [priced.id, deactivated.id, other_service.id, unpriced.id, both.id]


def test_price_carries_the_service_and_the_total_as_a_money_string(api):
    store = _store_at(100)
    cheap = _store_at(200)
    price(store, MINOR, "199")
    price(cheap, MINOR, "88.5")

    body = _nearby(api, service=MINOR)

    assert [item["price"] for item in body["items"]] == [
        {"service": MINOR, "total": "199.00"},
        {"service": MINOR, "total": "88.50"},
    ]
    assert all(item.get("price") is None for item in _nearby(api)["items"])


def test_the_price_follows_the_current_version(api):
    # given a price that was raised: version 2 is in force
    store = _store_at(100)
    offering = price(store, WASH, "40")
    raised = OfferingVersion.objects.create(
        offering=offering, number=2, labour=Decimal("48"), total=Decimal("48"), duration_min=30
    )
    Offering.objects.filter(pk=offering.pk).update(current=raised, total=raised.total)

    (item,) = _nearby(api, service=WASH)["items"]

    assert item["price"] == {"service": WASH, "total": "48.00"}


def test_the_selector_answers_money_as_decimal():
    price(_store_at(100), WASH, "35.50")

    (row,) = store_nearby_page(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000, service=WASH).items
    (store,) = store_nearby(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000, service=WASH)

    assert row["price_total"] == store.price_total == Decimal("35.50")
    assert isinstance(row["price_total"], Decimal)
    assert store_nearby_page(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000).items[0]["price_total"] is None


# --- sort=price ------------------------------------------------------------------------------------


def test_sort_by_price_cheapest_first_and_ties_nearest_first(api):
    # given (total, metres)
    stores = {}
    for total, meters, bearing in [("80", 900, 10), ("60", 1500, 100), ("80", 300, 200), ("120", 100, 300)]:
        stores[(total, meters)] = _store_at(meters, bearing)
        price(stores[(total, meters)], WASH, total)
    price(_store_at(50), WAX, "10")  # cheapest of all, for another service

    # when
    body = _nearby(api, service=WASH, sort="price")

    # then
    assert _ids(body) == [stores[k].id for k in [("60", 1500), ("80", 300), ("80", 900), ("120", 100)]]
    assert [item["price"]["total"] for item in body["items"]] == ["60.00", "80.00", "80.00", "120.00"]
    # and by distance the same stores come nearest first
    assert _ids(_nearby(api, service=WASH)) == [
        stores[k].id for k in [("120", 100), ("80", 300), ("80", 900), ("60", 1500)]
    ]


def test_sort_by_price_compares_amounts_not_strings(api):
    ten = _store_at(100)
    nine = _store_at(200)
    hundred = _store_at(300)
    price(ten, WASH, "10.00")
    price(nine, WASH, "9.99")
    price(hundred, WASH, "100.00")

    assert _ids(_nearby(api, service=WASH, sort="price")) == [nine.id, ten.id, hundred.id]


def test_pages_of_a_price_sort_slice_one_order_and_share_the_count(api):
    rng = random.Random(5)
    for k in range(11):
        store = _store_at(rng.uniform(50, 4900), rng.uniform(0, 360))
        if k < 9:
            price(store, WASH, rng.choice(["35", "45", "45", "58"]))

    whole = _nearby(api, service=WASH, sort="price", limit=100)
    pages = [_nearby(api, service=WASH, sort="price", limit=4, offset=offset) for offset in (0, 4, 8, 12)]

    assert whole["count"] == 9
    assert [page["count"] for page in pages] == [9, 9, 9, 9]
    assert [i for page in pages for i in _ids(page)] == _ids(whole)
    assert [len(page["items"]) for page in pages] == [4, 4, 1, 0]
    totals = [Decimal(item["price"]["total"]) for item in whole["items"]]
    assert totals == sorted(totals)


def test_service_combines_with_category_open_now_and_min_rating(api):
    # given stores that all price the wash, each failing one other filter but the first
    all_day = [(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)]
    good = _store_at(100, categories=["washing"], hours=all_day)
    wrong_category = _store_at(200, categories=["maintenance"], hours=all_day)
    closed = _store_at(300, categories=["washing"], hours=[])
    low_rated = _store_at(400, categories=["washing"], hours=all_day)
    cheaper_good = _store_at(500, categories=["washing", "maintenance"], hours=all_day)
    for store, total in [(good, "50"), (wrong_category, "30"), (closed, "30"), (low_rated, "30"), (cheaper_good, "40")]:
        price(store, WASH, total)
    Store.objects.exclude(pk=low_rated.pk).update(rating=Decimal("4.60"))
    Store.objects.filter(pk=low_rated.pk).update(rating=Decimal("3.10"))

    # when
    params = {"service": WASH, "category": "washing", "open_now": "true", "min_rating": 4}
    by_distance = _nearby(api, **params)
    by_price = _nearby(api, **params, sort="price")
    by_rating = _nearby(api, **params, sort="rating")

    # then
    assert _ids(by_distance) == [good.id, cheaper_good.id]
    assert _ids(by_price) == [cheaper_good.id, good.id]
    assert _ids(by_rating) == [good.id, cheaper_good.id]
    assert by_price["count"] == 2
    assert by_price["items"][0]["price"] == {"service": WASH, "total": "40.00"}


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service": "oil_change"}, "service"),
        ({"service": "oil_change", "sort": "price"}, "service"),
        ({"sort": "price"}, "sort"),
        ({"sort": "soonest"}, "sort"),
        ({"service": "oil_change", "sort": "soonest"}, "service"),
        ({"service": "x" * 61}, "service"),
    ],
)
def test_refusals(api, params, field):
    price(_store_at(100), WASH, "45")

    response = api.get(URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], **params})

    assert field in _fields(response)


def test_unknown_service_is_refused_even_where_there_are_no_stores(api):
    response = api.get(URL, {"lat": 39.9, "lng": 116.4, "service": "oil_change"})

    assert set(_fields(response)) == {"service"}


def test_a_known_service_nobody_prices_nearby_is_an_empty_list(api):
    _store_at(100)

    assert _nearby(api, service="battery_replacement", sort="price") == {"items": [], "count": 0}


def test_the_queryset_refuses_a_price_sort_without_a_service():
    with pytest.raises(ValueError, match="service"):
        store_nearby(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000, sort="price")


# --- performance ------------------------------------------------------------------------------------


def _queries(api, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        body = _nearby(api, limit=100, **params)
    return len(captured), body["count"]


@pytest.mark.parametrize("sort", ["distance", "price"])
def test_query_count_does_not_grow_with_the_page(api, sort):
    for k in range(5):
        price(_store_at(100 + 50 * k, 72 * k), WASH, str(40 + k))
    five, count = _queries(api, service=WASH, sort=sort)
    assert count == 5
    for k in range(15):
        store = _store_at(500 + 50 * k, 24 * k, categories=["maintenance", "washing", "parts_install"])
        price(store, WASH, str(30 + k))
        price(store, WAX, "200")
    twenty, count = _queries(api, service=WASH, sort=sort)
    assert count == 20
    empty, count = _queries(api, service="battery_replacement", sort=sort)
    assert count == 0

    # The count and the page, then the service, the stores' durations and their calendars for next_slot (constant in
    # the number of stores); an empty answer stops after the count.
    assert five == twenty and empty == 2


def test_price_search_uses_the_spatial_index_and_the_offering_index():
    # given ~2000 stores over eastern China with five prices each, and fresh statistics
    rng = random.Random(20261124)
    stores = Store.objects.bulk_create(
        Store(
            name=f"批量门店{i}",
            address="测试地址",
            city="测试",
            location=Point(rng.uniform(105, 125), rng.uniform(20, 42), srid=4326),
            phone="021-63210000",
        )
        for i in range(2000)
    )
    services = [WASH, WAX, MINOR, "major_service", "brake_pads", "battery_replacement", "ac_service"]
    offerings = Offering.objects.bulk_create(
        Offering(store=s, service_id=code, is_active=False) for s in stores for code in rng.sample(services, 5)
    )
    versions = OfferingVersion.objects.bulk_create(
        OfferingVersion(offering=o, number=1, labour=Decimal(t), total=Decimal(t), duration_min=60)
        for o, t in zip(offerings, (rng.randrange(30, 900) for _ in offerings), strict=True)
    )
    with connection.cursor() as cursor:
        # One statement: bulk_update's CASE over 10,000 rows took minutes.
        cursor.execute(
            "UPDATE catalog_offering o SET current_id = v.id, total = v.total, is_active = true"
            " FROM catalog_offeringversion v WHERE v.offering_id = o.id AND v.id = ANY(%s)",
            [[v.pk for v in versions]],
        )
        cursor.execute("ANALYZE stores_store")
        cursor.execute("ANALYZE catalog_offering")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'stores_store' AND indexdef ILIKE %s",
            ["%USING gist%(location)%"],
        )
        (gist,) = (row[0] for row in cursor.fetchall())

        # when
        queryset = store_nearby(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=5000, service=WASH, sort="price")
        sql, params = queryset[:20].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then
    assert gist in plan, plan
    # Each store's price is one probe of an index on (service, store): the partial offering_active_idx or
    # the unique (store, service) one, whichever the planner costs lower; they answer the same probe.
    assert re.search(r"Index (Only )?Scan using (offering_active_idx|offering_unique_per_store_service)", plan), plan
    assert "Seq Scan" not in plan, plan
