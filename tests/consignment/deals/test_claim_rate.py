"""Claims feed the quality KPIs: ``claim_rate``, upheld claims per 100 consignment inspections a store published in
the window (the minimum sample as for the other rates), on QA's store page, in the API and open to rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from consignment.models import Claim, ClaimStatus, InspectionReport
from quality import rules
from quality.kpis import METRIC_SAMPLE, kpis_compute
from quality.models import StoreKpi
from quality.runs import breaches
from tests.bookings.conftest import book, local
from tests.consignment.deals.conftest import consignment_store, deal_awaiting_payment, inspected
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _day() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def _report(store, start: dt.datetime, inspector) -> InspectionReport:
    seller = UserFactory(roles=["owner"])
    booking = book(
        seller,
        store,
        start,
        vehicle=VehicleFactory(owner=seller),
        service="consignment_inspection",
        now=start - dt.timedelta(days=1),
    )
    return InspectionReport.objects.create(
        booking=booking,
        store=store,
        inspector=inspector,
        template_version="2026.1",
        vin="LSVAU2180J2183294",
        mileage_km=50000,
        first_registered=dt.date(2019, 1, 1),
        transfers=0,
        grade_computed="C",
        grade="C",
        published_at=start + dt.timedelta(minutes=30),
    )


def _claim(deal, status: str, at: dt.datetime) -> Claim:
    report = deal.listing.report
    return Claim.objects.create(
        deal=deal,
        dealer=deal.dealer,
        store=report.store,
        inspector=report.inspector,
        description="漏检",
        status=status,
        adjustment=D("500.00") if status == ClaimStatus.ADJUSTED else None,
        created_at=at,
        resolved_at=None if status == ClaimStatus.OPEN else at,
    )


@pytest.fixture
def inspecting(settings):
    """A test centre with 4 inspections published in the last 30 days and 1 more 60 days back; claims upheld: one
    in the last 30 days, one 60 days back; one rejected and one open in the last 30 days (not upheld)."""
    settings.QUALITY_KPI_MIN_SAMPLE = 3
    day = _day()
    store = consignment_store()
    report = inspected(store)  # yesterday, 10:00
    deal = deal_awaiting_payment(report=report)
    for hour in (11, 12, 13):
        _report(store, local(day, hour), report.inspector)
    _report(store, local(day - dt.timedelta(days=60), 10), report.inspector)
    _claim(deal, ClaimStatus.ADJUSTED, local(day, 15))
    _claim(deal, ClaimStatus.UNWOUND, local(day - dt.timedelta(days=60), 15))
    _claim(deal, ClaimStatus.REJECTED, local(day, 16))
    _claim(deal, ClaimStatus.OPEN, local(day, 17))
    _claim(deal, ClaimStatus.ADJUSTED, local(day + dt.timedelta(days=1), 9))  # after the day: not counted
    return store, day


def test_claim_rate_is_upheld_claims_per_100_inspections_of_the_window(inspecting):
    store, day = inspecting

    kpis_compute(day=day)

    thirty = StoreKpi.objects.get(store=store, day=day, window_days=30)
    ninety = StoreKpi.objects.get(store=store, day=day, window_days=90)
    assert (thirty.inspections, thirty.claim_rate) == (4, D("25.00"))
    assert (ninety.inspections, ninety.claim_rate) == (5, D("40.00"))
    # a store that inspects nothing has no claim rate; its other KPIs are as before
    other = StoreKpi.objects.exclude(store=store).filter(day=day, window_days=30).first()
    assert other is None or (other.inspections, other.claim_rate) == (0, None)


def test_below_the_minimum_sample_the_claim_rate_has_no_value(inspecting, settings):
    store, day = inspecting
    settings.QUALITY_KPI_MIN_SAMPLE = 5

    kpis_compute(day=day)

    assert StoreKpi.objects.get(store=store, day=day, window_days=30).claim_rate is None
    assert StoreKpi.objects.get(store=store, day=day, window_days=90).claim_rate == D("40.00")


def test_a_rule_may_watch_the_claim_rate_on_the_inspections_sample(inspecting):
    store, day = inspecting
    qa = UserFactory(roles=["qa"])
    assert METRIC_SAMPLE["claim_rate"] == "inspections"
    rule = rules.rule_create(
        by=qa,
        reason="检测漏检过多",
        metric="claim_rate",
        window_days=90,
        comparator="gt",
        threshold=D("30"),
        min_sample=5,
        action="alert",
    )
    kpis_compute(day=day)

    found = [b for b in breaches(day=day) if b.rule.pk == rule.pk]

    assert [(b.store_id, b.value, b.sample) for b in found] == [(store.pk, D("40.00"), 5)]


def test_qa_sees_the_claim_rate_on_the_store_page_and_in_the_api(inspecting, client, qa_client):
    store, day = inspecting
    kpis_compute(day=day)
    client.force_login(UserFactory(roles=["qa"]))

    page = client.get(f"/qa/stores/{store.pk}/").content.decode()

    assert "成立异议/百次检测" in page and "25.00" in page and "40.00" in page
    rows = qa_client.get("qa/stores", {"sort": "-claim_rate"}).json()["items"]
    assert rows[0]["store_id"] == store.pk and rows[0]["kpis"]["claim_rate"] == "40.00"
    assert rows[0]["kpis"]["inspections"] == 5
