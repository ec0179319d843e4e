"""Each KPI formula of quality/kpis.py on a small hand-made history, the minimum samples, the risk score."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog.models import ReferencePrice
from quality.kpis import RISK, kpis_compute
from quality.models import Audit, CorrectiveAction, Standard, StandardItem, StoreKpi
from reviews.models import StoreReputation
from tests.factories import VehicleFactory
from tests.quality.history import History, at, complaint, review, supplement, yesterday

pytestmark = pytest.mark.django_db

D = Decimal


def _standard() -> Standard:
    standard = Standard.objects.create(code="kpi_test", category="facility", version=1, title_zh="设施", title_en="F")
    StandardItem.objects.create(standard=standard, code="lift", text_zh="举升机", text_en="Lift", weight=10)
    return standard


def _kpi(store, window, day) -> StoreKpi:
    return StoreKpi.objects.get(store=store, window_days=window, day=day)


@pytest.fixture
def busy():
    """A store with 10 completed jobs in the last 30 days and 3 more 60 days back, and everything a KPI counts."""
    day = yesterday()
    history = History()
    car = VehicleFactory()
    done = history.completed(day, range(1, 9))  # 8 on time
    done.append(history.booking(at(day, 12), late_min=30))  # started 30 min after check-in: late
    done.append(history.booking(at(day, 9), vehicle=car, late_min=14))  # 14 min: on time
    done.append(history.booking(at(day, 10), vehicle=car, late_min=None))  # same car again: 9 is rework; no timeline
    older = history.completed(day, range(60, 63))
    history.booking(at(day, 3, 14), "cancelled", by_store=True)
    history.booking(at(day, 4, 14), "cancelled", by_store=True)
    history.booking(at(day, 5, 14), "cancelled")  # by the owner
    history.booking(at(day, 6, 14), "no_show")
    history.booking(at(day, 7, 14), "expired")  # never due
    history.booking(at(day, 0, 12, 30) + dt.timedelta(days=1), "completed")  # after the day: not counted
    supplement(done[0], "60.00")
    supplement(done[1], "40.00", status="rejected")
    for booking, stars in zip(done[:5], (5, 5, 4, 2, 1), strict=True):
        review(booking, stars)
    review(done[5], 1, status="hidden")
    complaint(done[0], upheld=True)
    complaint(done[1], upheld=False)
    complaint(older[0], upheld=True)
    standard = _standard()
    audit = Audit.objects.create(
        store=history.store,
        standard=standard,
        kind="scheduled",
        status="finalized",
        scheduled_for=day - dt.timedelta(days=20),
        score=D("72.50"),
        passed=False,
        finalized_at=at(day, 20, 15),
    )
    for due_before, status in ((3, "open"), (1, "open"), (-5, "open"), (9, "accepted"), (2, "submitted")):
        item = StandardItem.objects.create(
            standard=standard, code=f"i{due_before}", text_zh="项", text_en="Item", weight=1
        )
        CorrectiveAction.objects.create(
            audit=audit, store=history.store, item=item, status=status, due=day - dt.timedelta(days=due_before)
        )
    ReferencePrice.objects.update_or_create(
        service_id="minor_service",
        city=history.store.city,
        defaults={"p25": D("200"), "median": D("230.00"), "p75": D("260"), "sample_size": 5},
    )
    # Another store's reviews move the platform mean the prior uses.
    StoreReputation.objects.create(store=History().store, count=10, overall_sum=D("45.00"))
    return day, history


def test_every_kpi_on_a_small_history(busy):
    day, history = busy
    # when
    written = kpis_compute(day=day)
    # then
    kpi = _kpi(history.store, 30, day)
    assert written >= 4
    assert (kpi.completed, kpi.booked, kpi.reviews) == (11, 15, 5)
    mean = D("4.5")  # the platform mean: the other store's reputation (this one's reviews were not counted in)
    assert kpi.rating == ((10 * mean + 17) / 15).quantize(D("0.01"))
    assert kpi.low_rating_share == D("40.00")  # 2 of 5 published (the hidden one is not counted)
    assert kpi.complaint_rate == D("18.18")  # 2 / 11
    assert kpi.upheld_complaint_rate == D("9.09")  # 1 / 11
    assert kpi.store_cancel_rate == D("13.33")  # 2 / 15 due
    assert kpi.no_show_rate == D("6.67")
    assert kpi.on_time_rate == D("90.00")  # 9 of the 10 with a timeline
    assert kpi.supplement_rate == D("18.18")  # extra work proposed on 2 of 11, whatever became of it
    assert kpi.upsell_ratio == (D("60") / (11 * history.template.quote_total)).quantize(D("0.0001"))
    assert kpi.rework_rate == D("9.09")  # the car came back for the same category within 30 days
    assert kpi.price_deviation == D("30.00")  # 299 against a median of 230
    assert (kpi.last_audit_score, kpi.last_audit_age_days) == (D("72.50"), 20)
    assert kpi.overdue_actions == 2  # open and past due; not the submitted, accepted or not yet due ones

    ninety = _kpi(history.store, 90, day)
    assert (ninety.completed, ninety.booked) == (14, 18)
    assert ninety.upheld_complaint_rate == D("14.29")  # 2 / 14
    assert ninety.risk_score > 0


def test_below_the_minimum_sample_a_kpi_has_no_value(busy, settings):
    day, history = busy
    settings.QUALITY_KPI_MIN_SAMPLE = 12
    settings.QUALITY_KPI_MIN_REVIEWS = 6
    kpis_compute(day=day)
    kpi = _kpi(history.store, 30, day)
    assert kpi.completed == 11
    for name in ("rating", "low_rating_share", "complaint_rate", "on_time_rate", "upsell_ratio", "rework_rate"):
        assert getattr(kpi, name) is None, name
    assert kpi.store_cancel_rate == D("13.33")  # 15 due bookings are enough
    assert _kpi(history.store, 90, day).complaint_rate == D("21.43")  # 3 / 14


def test_a_store_with_no_history_risks_only_its_missing_audit_and_overdue_actions():
    day = yesterday()
    quiet = History()
    kpis_compute(day=day)
    kpi = _kpi(quiet.store, 90, day)
    assert (kpi.completed, kpi.rating, kpi.complaint_rate, kpi.last_audit_age_days) == (0, None, None, None)
    assert kpi.risk_score == RISK["last_audit_age_days"].weight


def test_recomputing_a_day_replaces_its_rows(busy):
    day, history = busy
    kpis_compute(day=day)
    complaint(history.booking(at(day, 2, 16)), upheld=True)
    kpis_compute(day=day)
    assert StoreKpi.objects.filter(store=history.store, day=day).count() == 2
    assert _kpi(history.store, 30, day).completed == 12
