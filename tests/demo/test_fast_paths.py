"""The demo's fast paths write what the services would: stores as an approved application (then a status change)
makes them, price lists as ``offering_set_price`` makes them; and what they write answers like real data (prices
current and valid, quotes priceable, availability answerable, ratings consistent with the reviews)."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Vehicle
from bookings.engine import Job, calendar_for_day
from catalog.models import Offering, OfferingVersion, ReferencePrice
from catalog.quotes import quote_list_for_vehicle
from chefu.money import money
from demo.prices import REFERENCE_CAR, demo_load_prices
from demo.services import demo_load
from demo.stores import StorePlan, demo_store_plans, stores_bulk_create
from reviews.models import Review, ReviewStatus, StoreReputation
from reviews.reputation import bayesian, platform_mean
from stores.models import VISIBLE_STATUSES, Store, StoreStatus
from stores.services import application_approve, application_submit, store_status_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEED = 7
TODAY = dt.date(2026, 3, 2)


def store_snapshot(stores) -> list[tuple]:
    """What a store is, as search and booking see it (ids, timestamps and who-did-it aside)."""
    return [
        (
            s.name,
            s.address,
            s.city,
            (round(s.location.x, 6), round(s.location.y, 6)),
            s.phone,
            s.timezone,
            s.status,
            sorted(c.code for c in s.categories.all()),
            sorted((b.name, b.is_active, sorted(c.code for c in b.categories.all())) for b in s.bays.all()),
            sorted((h.weekday, h.opens, h.closes) for h in s.opening_hours.all()),
        )
        for s in Store.objects.filter(pk__in=[s.pk for s in stores])
        .order_by("id")
        .prefetch_related("categories", "bays__categories", "opening_hours")
    ]


def _through_services(plan: StorePlan, qa) -> Store:
    """The store as a partner would get it: an application approved, then moved to the plan's status by QA."""
    application = application_submit(
        applicant=UserFactory(roles=["owner"]),
        name=plan.name,
        address=plan.address,
        city="上海市",
        lat=plan.lat,
        lng=plan.lng,
        phone=plan.phone,
        categories=list(plan.categories),
        bays=[{"name": b.name, "categories": list(b.categories)} for b in plan.bays],
        opening_hours=list(plan.hours),
    )
    store = application_approve(application=application, by=qa).store
    if plan.status != StoreStatus.ACTIVE:
        store_status_transition(store=store, to_status=plan.status, by=qa, reason="demo")
    return store


def _rolled_back(write):
    """What ``write()`` leaves in the database, read inside a savepoint that is then rolled back."""
    with transaction.atomic():
        result = write()
        transaction.set_rollback(True)
    return result


def test_the_stores_fast_path_writes_what_an_approved_application_makes():
    plans = demo_store_plans(count=40, seed=SEED, today=TODAY)
    assert {p.status for p in plans} == set(StoreStatus.values)  # every status is reached once at least
    qa = UserFactory(roles=["qa"])

    fast = _rolled_back(lambda: store_snapshot(stores_bulk_create(plans)))
    served = _rolled_back(lambda: store_snapshot([_through_services(p, qa) for p in plans]))

    assert fast == served


def price_snapshot() -> list[tuple]:
    """Every price, as the price list and quotes read it (ids, dates and authors aside), and the reference bands."""
    offerings = Offering.objects.select_related("store", "current").prefetch_related("versions__lines__part")
    prices = sorted(
        (
            o.store.name,
            o.service_id,
            o.is_active,
            o.total,
            o.current.number,
            [
                (
                    v.number,
                    v.labour,
                    v.total,
                    v.duration_min,
                    [(x.position, x.part.sku, x.qty, x.unit_price, x.amount) for x in v.lines.all()],
                )
                for v in o.versions.all()
            ],
        )
        for o in offerings
    )
    bands = sorted(ReferencePrice.objects.values_list("service_id", "city", "p25", "median", "p75", "sample_size"))
    return [prices, bands]


def test_the_prices_fast_path_writes_what_the_pricing_service_makes():
    plans = demo_store_plans(count=12, seed=SEED, today=TODAY)

    def priced(fast: bool):
        def write():
            stores = stores_bulk_create(plans)
            demo_load_prices(stores=stores, plans=plans, seed=SEED, today=TODAY, fast=fast)
            return price_snapshot()

        return write

    fast = _rolled_back(priced(True))
    served = _rolled_back(priced(False))

    assert fast[0] and fast[1]  # offerings, and bands to compare
    assert fast == served


def test_fast_path_prices_are_current_valid_quotable_and_bookable():
    # given the demo, prices by the fast path
    result = demo_load(count=12, seed=SEED, quality=False)

    # then every offering is in force at its last version, and a version's total is labour plus its exact lines
    for offering in Offering.objects.select_related("current").prefetch_related("versions"):
        versions = sorted(offering.versions.all(), key=lambda v: v.number)
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        assert offering.is_active and offering.current == versions[-1] and offering.total == offering.current.total
        assert all(a.created_at < b.created_at for a, b in itertools.pairwise(versions))
    for version in OfferingVersion.objects.prefetch_related("lines"):
        lines = list(version.lines.all())
        assert all(x.amount == money(x.qty * x.unit_price) for x in lines)
        assert version.total == version.labour + sum((x.amount for x in lines), Decimal("0.00"))
    # the posted price is the reference car's quote, and every store quotes every offering for it
    reference_car = Vehicle(**REFERENCE_CAR)
    for store in Store.objects.all():
        quotes = quote_list_for_vehicle(store=store, vehicle=reference_car)
        assert len(quotes) == store.offerings.filter(is_active=True).count()
        posted = dict(store.offerings.values_list("service_id", "total"))
        assert all(q.quote is not None and q.quote.total == posted[q.service.code] for q in quotes), store.name
    # and a visible store answers availability for what it offers, in the week ahead
    now = timezone.now()
    for store in Store.objects.filter(status__in=VISIBLE_STATUSES):
        today = now.astimezone(ZoneInfo(store.timezone)).date()
        week = [today + dt.timedelta(days=n) for n in range(1, 8)]
        for offering in store.offerings.select_related("service", "current"):
            job = Job(
                category=offering.service.category_id, duration=dt.timedelta(minutes=offering.current.duration_min)
            )
            slots = [calendar_for_day(store=store, day=day).slots(day=day, job=job, now=now) for day in week]
            assert any(slots), (store.name, offering.service_id)
    assert result.manager_store.offerings.count() >= 5


@pytest.mark.usefixtures("committing")  # the ratings are set by reviews' subscriber, after each review commits
def test_demo_ratings_are_consistent_with_the_reviews():
    demo_load(count=8, seed=SEED, quality=False)

    mean = platform_mean()
    assert mean is not None
    for store in Store.objects.all():
        published = Review.objects.filter(store=store, status=ReviewStatus.PUBLISHED)
        total = sum((r.overall for r in published), Decimal("0.00"))
        assert store.review_count == published.count(), store.name
        assert store.rating == bayesian(total=total, count=published.count(), mean=mean), store.name
        reputation = StoreReputation.objects.filter(store=store).first()
        assert reputation is None or (reputation.count, reputation.overall_sum) == (published.count(), total)
