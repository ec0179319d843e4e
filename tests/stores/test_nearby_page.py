"""The compiled page query answers exactly what the ORM queryset answers, for every filter shape."""

import datetime as dt
import itertools
import random
import zoneinfo
from decimal import Decimal

import pytest
from geopy.distance import geodesic

from stores.models import Closure, Store
from stores.selectors import _nearby_page, nearby_shape, store_nearby, store_nearby_page
from tests.factories import StoreFactory
from tests.stores.test_api_nearby_price import price

pytestmark = pytest.mark.django_db

ORIGIN = (31.2304, 121.4737)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# (service, sort): a price sort needs a service.
SERVICE_SORTS = [(None, "distance"), (None, "rating"), ("standard_wash", "distance"), ("standard_wash", "rating")]
SERVICE_SORTS += [("standard_wash", "price")]
SHAPES = [
    (category, open_now, min_rating, service, sort)
    for category, open_now, min_rating, (service, sort) in itertools.product(
        [None, "washing"], [False, True], [None, 3.5], SERVICE_SORTS
    )
]


@pytest.fixture
def neighbourhood():
    rng = random.Random(7)
    statuses = ["active"] * 6 + ["probation", "suspended"]
    for i in range(40):
        point = geodesic(meters=rng.uniform(50, 6000)).destination(ORIGIN, rng.uniform(0, 360))
        lunch = [(d, dt.time(8, 30), dt.time(12, 0)) for d in range(7)] + [
            (d, dt.time(13, 30), dt.time(18, 30)) for d in range(7)
        ]
        StoreFactory(
            lat=point.latitude,
            lng=point.longitude,
            status=rng.choice(statuses),
            rating=Decimal(str(round(rng.uniform(1, 5), 2))) if i % 3 else None,
            review_count=rng.randint(0, 50),
            categories=rng.choice([["washing"], ["maintenance"], ["maintenance", "washing"]]),
            hours=lunch if i % 2 else None,
        )
    # Washes at a few price points, so the price sort has ties to break by distance; some stores
    # price only the waxing, some had their wash price deactivated.
    for i, store in enumerate(Store.objects.order_by("id")):
        if i % 5 != 4:
            price(store, "standard_wash", rng.choice(["35", "45", "45", "58.50"]), active=i % 7 != 6)
        if i % 3 == 0:
            price(store, "waxing", "180")
    closed = Store.objects.order_by("id")[3]
    Closure.objects.create(
        store=closed,
        starts_at=dt.datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI),
        reason="装修",
    )


@pytest.mark.parametrize(("category", "open_now", "min_rating", "service", "sort"), SHAPES)
def test_page_matches_the_queryset_for_every_shape(neighbourhood, category, open_now, min_rating, service, sort):
    at = dt.datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI) if open_now else None
    for at_ in [at, dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)] if open_now else [None]:
        kwargs = dict(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=5000, category=category, open_now=open_now)
        kwargs.update(min_rating=min_rating, at=at_, service=service, sort=sort)

        expected = list(store_nearby(**kwargs))
        page = store_nearby_page(**kwargs, limit=100)

        assert page.count == len(expected)
        assert [row["id"] for row in page.items] == [s.id for s in expected]
        for row, store in zip(page.items, expected, strict=True):
            assert row["distance_m"] == pytest.approx(store.distance.m, abs=1e-6)
            assert (row["lat"], row["lng"]) == pytest.approx((store.location.y, store.location.x), abs=1e-9)
            assert row["category_codes"] == sorted(c.code for c in store.categories.all())
            assert row["price_total"] == (store.price_total if service else None)
        if service:
            assert page.count > 0


def test_pages_slice_the_same_order(neighbourhood):
    everything = store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=5000, limit=100).items
    pages = [store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=5000, limit=7, offset=o) for o in range(0, 50, 7)]
    assert [row["id"] for p in pages for row in p.items] == [row["id"] for row in everything]
    assert {p.count for p in pages} == {len(everything)}


def test_values_are_bound_not_baked_in(neighbourhood):
    # given the template for one shape, compiled with the first call
    near = store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=1000)
    # when the same shape is asked with other values
    wide = store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=6000)
    far_away = store_nearby_page(lat=39.9, lng=116.4, radius_m=6000)
    # then each call answered for its own values
    assert near.count < wide.count
    assert far_away.count == 0
    template = _nearby_page.template(
        nearby_shape(category=None, open_now=False, min_rating=None, service=None, sort="distance")
    )
    assert "-1001.25" not in template.sql and "5000" not in template.sql
    assert {"lat", "lng", "radius_m"} <= set(template.slots)


def test_the_service_is_bound_not_baked_in(neighbourhood):
    # given the price-sorted template, compiled for the wash
    wash = store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=6000, service="standard_wash", sort="price")
    # when the same shape is asked for another service
    wax = store_nearby_page(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=6000, service="waxing", sort="price")
    # then each answered for its own service
    assert wash.count > wax.count > 0
    assert {row["price_total"] for row in wax.items} == {Decimal("180.00")}
    template = _nearby_page.template(
        nearby_shape(category=None, open_now=False, min_rating=None, service="waxing", sort="price")
    )
    assert "standard_wash" not in template.sql and "marker" not in template.sql
    assert template.slots.count("service") == 1 and template.count_slots.count("service") == 1
