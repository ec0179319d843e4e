"""Reference bands kept fresh by a real worker: price changes committed here are recomputed there."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from catalog.models import Offering, OfferingVersion, ReferencePrice
from catalog.reference import COALESCE_S, reference_prices_schedule
from catalog.tasks import reference_prices_nightly_task
from tests.catalog.factories import set_price as set_catalog_price
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)

SH = "上海"
BJ = "北京"
OIL = "minor_service"
WASH = "standard_wash"
RECOMPUTE = "catalog.tasks.reference_prices_recompute_task"
NIGHTLY = "catalog.tasks.reference_prices_nightly_task"


def set_price(store, service_code: str, total: str) -> Offering:
    """A new price, then the band's recompute queued on commit, as a price change does. Call it inside
    ``transaction.atomic()``."""
    offering = set_catalog_price(store, service_code, total)
    reference_prices_schedule(service_code=service_code, city=store.city)
    return offering


def band(service_code: str, city: str):
    row = ReferencePrice.objects.filter(service_id=service_code, city=city).first()
    return None if row is None else (row.p25, row.median, row.p75, row.sample_size)


def D(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def test_price_changes_are_recomputed_by_the_worker(celery_worker):
    # given: no band yet
    stores = [StoreFactory(city=SH) for _ in range(5)]

    # when: five stores price the service in one transaction
    with transaction.atomic():
        for store, total in zip(stores, ["100.00", "120.00", "150.00", "200.00", "400.00"], strict=True):
            set_price(store, OIL, total)
        assert band(OIL, SH) is None  # nothing computed it on the way

    # then: the worker computes it (this test never calls a recompute)
    expected = (*D("120.00", "150.00", "200.00"), 5)
    celery_worker.wait_for(lambda: band(OIL, SH) == expected)
    (run,) = celery_worker.wait_for_task(RECOMPUTE)  # the five changes cost one recompute
    assert (run.args, run.state) == ((OIL, SH), "SUCCESS")
    assert run.thread != "MainThread"


def test_a_later_change_moves_the_band_again(celery_worker):
    # given
    low, high = StoreFactory(city=SH), StoreFactory(city=SH)
    with transaction.atomic():
        set_price(low, OIL, "100.00")
        set_price(high, OIL, "200.00")
    celery_worker.wait_for(lambda: band(OIL, SH) == (*D("125.00", "150.00", "175.00"), 2))

    # when
    with transaction.atomic():
        set_price(high, OIL, "300.00")

    # then
    celery_worker.wait_for(lambda: band(OIL, SH) == (*D("150.00", "200.00", "250.00"), 2))
    assert [r.args for r in celery_worker.wait_for_task(RECOMPUTE, count=2)] == [(OIL, SH), (OIL, SH)]


def test_separate_commits_in_a_burst_are_coalesced(celery_worker):
    store = StoreFactory(city=SH)

    for total in ["100.00", "110.00", "120.00", "130.00", "140.00"]:
        with transaction.atomic():
            set_price(store, OIL, total)

    celery_worker.wait_for(lambda: band(OIL, SH) == (*D("140.00", "140.00", "140.00"), 1))
    # Long enough for a second, wrongly queued recompute to have come due and run.
    time.sleep(COALESCE_S + 1)
    assert len(celery_worker.ran(RECOMPUTE)) == 1


def test_a_rolled_back_change_queues_nothing(celery_worker):
    store = StoreFactory(city=SH)

    with pytest.raises(RuntimeError), transaction.atomic():
        set_price(store, OIL, "100.00")
        raise RuntimeError("the price change fails")

    # A later, committed change elsewhere proves the worker was listening all along.
    with transaction.atomic():
        set_price(StoreFactory(city=BJ), OIL, "80.00")
    celery_worker.wait_for_task(RECOMPUTE)
    assert [r.args for r in celery_worker.ran(RECOMPUTE)] == [(OIL, BJ)]
    assert band(OIL, SH) is None


def test_the_nightly_task_runs_on_the_worker(celery_worker):
    # given: prices written without scheduling anything, and a band whose stores are gone
    for city, service_code, total in [(SH, OIL, "100.00"), (SH, OIL, "200.00"), (BJ, WASH, "45.00")]:
        offering = Offering.objects.create(store=StoreFactory(city=city), service_id=service_code, is_active=False)
        version = OfferingVersion.objects.create(
            offering=offering, number=1, labour=Decimal(total), total=Decimal(total), duration_min=30
        )
        Offering.objects.filter(pk=offering.pk).update(current=version, total=version.total, is_active=True)
    ReferencePrice.objects.create(
        service_id=OIL, city="深圳", p25=Decimal(1), median=Decimal(2), p75=Decimal(3), sample_size=1
    )

    # when: no result backend, so the effect is awaited in the database
    reference_prices_nightly_task.delay()

    # then
    celery_worker.wait_for_task(NIGHTLY)
    assert [r.state for r in celery_worker.ran(NIGHTLY)] == ["SUCCESS"]
    assert band(OIL, SH) == (*D("125.00", "150.00", "175.00"), 2)
    assert band(WASH, BJ) == (*D("45.00", "45.00", "45.00"), 1)
    assert band(OIL, "深圳") is None
