"""The compiled page query answers exactly what the ORM queryset answers, for every filter shape."""

import datetime as dt
import itertools
import random
import zoneinfo
from decimal import Decimal

import pytest
from geopy.distance import geodesic

from stores.models import Closure, Store
from stores.selectors import _nearby_page, store_nearby, store_nearby_page
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

ORIGIN = (31.2304, 121.4737)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SHAPES = list(
    itertools.product([None, "washing"], [False, True], [None, 3.5], ["distance", "rating"]),
)


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
    closed = Store.objects.order_by("id")[3]
    Closure.objects.create(
        store=closed,
        starts_at=dt.datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI),
        reason="装修",
    )


@pytest.mark.parametrize(("category", "open_now", "min_rating", "sort"), SHAPES)
def test_page_matches_the_queryset_for_every_shape(neighbourhood, category, open_now, min_rating, sort):
    at = dt.datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI) if open_now else None
    for at_ in [at, dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)] if open_now else [None]:
        kwargs = dict(lat=ORIGIN[0], lng=ORIGIN[1], radius_m=5000, category=category, open_now=open_now)
        kwargs.update(min_rating=min_rating, at=at_, sort=sort)

        expected = list(store_nearby(**kwargs))
        page = store_nearby_page(**kwargs, limit=100)

        assert page.count == len(expected)
        assert [row["id"] for row in page.items] == [s.id for s in expected]
        for row, store in zip(page.items, expected, strict=True):
            assert row["distance_m"] == pytest.approx(store.distance.m, abs=1e-6)
            assert (row["lat"], row["lng"]) == pytest.approx((store.location.y, store.location.x), abs=1e-9)
            assert row["category_codes"] == sorted(c.code for c in store.categories.all())


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
    template = _nearby_page.template((False, False, False, "distance"))
    assert "-1001.25" not in template.sql and "5000" not in template.sql
    assert {"lat", "lng", "radius_m"} <= set(template.slots)
