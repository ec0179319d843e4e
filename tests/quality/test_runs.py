"""The nightly run: rules raise alerts once, sanctions carry their evidence, probation expires, monitors alert, the
beat entry and a real worker run it."""

import datetime as dt
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import ReferencePrice
from quality.models import Alert, Audit, CorrectiveAction, QualityRun, Rule, Standard, StandardItem, StoreKpi
from quality.rules import DEFAULT_RULES
from quality.runs import quality_run
from reviews.models import QaFollowUp
from stores.models import StatusReason, StoreStatusEvent
from stores.services import store_status_transition
from tests.quality.history import History, at, complaint, review, supplement, yesterday

D = Decimal


def _complained_about(day, *, upheld: int = 2, jobs: int = 20) -> History:
    """A store with ``jobs`` completed bookings over the last 90 days, ``upheld`` of them upheld complaints."""
    history = History()
    done = history.completed(day, range(1, jobs + 1))
    for booking in done[:upheld]:
        complaint(booking, upheld=True)
    return history


@pytest.mark.django_db
def test_a_store_whose_upheld_complaints_cross_the_threshold_is_on_probation_with_its_evidence():
    day = yesterday()
    bad = _complained_about(day)  # 2 upheld of 20: 10 per 100 > 5
    fine = _complained_about(day, upheld=1)  # 5 per 100: not more than 5
    # when
    run = quality_run(day=day)
    # then
    bad.store.refresh_from_db()
    fine.store.refresh_from_db()
    assert (bad.store.status, fine.store.status) == ("probation", "active")
    event = StoreStatusEvent.objects.get(store=bad.store)
    rule = Rule.objects.get(metric="upheld_complaint_rate", action="probation")
    assert event.reason_category == StatusReason.COMPLAINTS
    assert event.evidence == {
        "rules": [
            {
                "rule_id": rule.pk,
                "metric": "upheld_complaint_rate",
                "window_days": 90,
                "comparator": "gt",
                "value": "10.00",
                "threshold": "5.00",
                "sample": 20,
            }
        ]
    }
    assert run.status_changes == [{"store_id": bad.store.pk, "from": "active", "to": "probation"}]
    assert run.stores_evaluated == StoreKpi.objects.filter(day=day, window_days=90).count()
    assert run.finished_at is not None
    assert Alert.objects.filter(key=f"rule:{rule.pk}:store:{bad.store.pk}", status="open").count() == 1
    assert not Alert.objects.filter(store=fine.store).exists()


@pytest.mark.django_db
def test_a_second_run_raises_no_alert_again_and_moves_no_store_again():
    day = yesterday()
    bad = _complained_about(day, upheld=4)  # 20 per 100, on too few jobs (20) for the suspend rule (30)
    first = quality_run(day=day)
    alerts = list(Alert.objects.values_list("key", flat=True).order_by("key"))
    second = quality_run(day=day)
    assert first.alerts_raised == len(alerts) >= 2  # the probation rule and complaint_rate's alert
    assert second.alerts_raised == 0 and second.status_changes == []
    assert list(Alert.objects.values_list("key", flat=True).order_by("key")) == alerts
    assert StoreStatusEvent.objects.filter(store=bad.store).count() == 1  # probation: the suspend rule needs 30 jobs
    # Acknowledged, a condition that still holds stays quiet for QUALITY_ALERT_QUIET_DAYS, then is raised again.
    Alert.objects.update(status="acknowledged", acked_at=timezone.now())
    assert quality_run(day=day).alerts_raised == 0
    Alert.objects.update(acked_at=timezone.now() - dt.timedelta(days=settings.QUALITY_ALERT_QUIET_DAYS, minutes=1))
    assert quality_run(day=day).alerts_raised == len(alerts)


@pytest.mark.django_db
def test_the_suspend_rule_wins_over_probation():
    day = yesterday()
    bad = _complained_about(day, upheld=6, jobs=30)  # 20 per 100 on 30 jobs
    run = quality_run(day=day)
    bad.store.refresh_from_db()
    assert bad.store.status == "suspended"
    assert [r["threshold"] for r in StoreStatusEvent.objects.get(store=bad.store).evidence["rules"]] == [
        "5.00",
        "15.00",
    ]
    assert run.status_changes == [{"store_id": bad.store.pk, "from": "active", "to": "suspended"}]


@pytest.mark.django_db
def test_a_disabled_rule_or_one_below_its_minimum_sample_does_nothing():
    day = yesterday()
    small = _complained_about(day, upheld=3, jobs=15)  # 20 per 100, but on 15 jobs (< 20)
    big = _complained_about(day)
    Rule.objects.filter(metric="upheld_complaint_rate").update(enabled=False)
    quality_run(day=day)
    assert not StoreStatusEvent.objects.filter(store__in=[small.store, big.store]).exists()


def _probation(store, days_ago: int):
    store_status_transition(store=store, to_status="probation", by=None, reason="测试")
    StoreStatusEvent.objects.filter(store=store).update(at=timezone.now() - dt.timedelta(days=days_ago))


def _audit(store, *, passed: bool, days_ago: int) -> Audit:
    standard, _ = Standard.objects.get_or_create(
        code="runs_test", version=1, defaults={"category": "facility", "title_zh": "设施", "title_en": "Facility"}
    )
    return Audit.objects.create(
        store=store,
        standard=standard,
        kind="scheduled",
        status="finalized",
        scheduled_for=timezone.localdate(),
        score=D("90") if passed else D("50"),
        passed=passed,
        finalized_at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.mark.django_db
def test_probation_not_cleared_in_30_days_becomes_suspension():
    day = yesterday()
    stale = History().store  # 40 days, no audit since
    cleared = History().store  # 40 days, passed a re-audit, no overdue action
    overdue = History().store  # 40 days, passed a re-audit but an action is overdue
    recent = History().store  # 10 days
    for store, days in ((stale, 40), (cleared, 40), (overdue, 40), (recent, 10)):
        _probation(store, days)
    _audit(cleared, passed=True, days_ago=5)
    audit = _audit(overdue, passed=True, days_ago=5)
    item = StandardItem.objects.create(standard=audit.standard, code="lift", text_zh="举升机", text_en="L", weight=1)
    CorrectiveAction.objects.create(audit=audit, store=overdue, item=item, due=day - dt.timedelta(days=3))
    # when
    run = quality_run(day=day)
    # then
    moved = {c["store_id"] for c in run.status_changes}
    assert moved == {stale.pk, overdue.pk}
    event = StoreStatusEvent.objects.filter(store=stale, to_status="suspended").get()
    assert event.reason_category == StatusReason.PROBATION_EXPIRED
    assert event.evidence["passed_audit_since"] is False
    assert StoreStatusEvent.objects.get(store=overdue, to_status="suspended").evidence["overdue_actions"] == [
        CorrectiveAction.objects.get(store=overdue).pk
    ]


@pytest.mark.django_db
def test_monitors_raise_one_alert_per_offering_follow_up_and_upsell_outlier(settings):
    settings.QUALITY_UPSELL_MIN_STORES = 3
    day = yesterday()
    shops = [History() for _ in range(4)]
    for n, shop in enumerate(shops):
        done = shop.completed(day, range(1, 11))
        supplement(done[0], "30.00" if n < 3 else "900.00")  # the fourth adds 900 in extra work
    pricey = shops[0].store.offerings.get()
    ReferencePrice.objects.update_or_create(
        service_id="minor_service",
        city=pricey.store.city,
        defaults={"p25": D("100"), "median": D("150.00"), "p75": D("190"), "sample_size": 4},
    )
    low = review(shops[1].booking(at(day, 3, 15)), 1)
    follow_up = QaFollowUp.objects.create(review=low, store=low.store)
    # when
    run = quality_run(day=day)
    # then: every shop charges 299 against a median of 150 (more than 1.5 times)
    keys = set(Alert.objects.values_list("key", flat=True))
    assert {f"price:offering:{s.store.offerings.get().pk}" for s in shops} <= keys
    assert f"review:follow-up:{follow_up.pk}" in keys
    assert f"upsell:store:{shops[3].store.pk}" in keys
    assert not {f"upsell:store:{s.store.pk}" for s in shops[:3]} & keys
    assert run.alerts_raised == len(keys)
    assert quality_run(day=day).alerts_raised == 0


def test_the_nightly_run_is_on_the_beat_at_three_in_shanghai():
    entry = settings.CELERY_BEAT_SCHEDULE["quality.nightly-run"]
    assert entry["task"] == "quality.tasks.quality_run_task"
    assert entry["schedule"] == crontab(hour=3, minute=0)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_the_default_rules_are_the_ones_seeded():
    from importlib import import_module

    seeded = import_module("quality.migrations.0005_kpis_default_rules").RULES
    assert [(m, w, str(c), t, n, str(a)) for m, w, c, t, n, a in DEFAULT_RULES] == list(seeded)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_through_a_real_worker(celery_worker):
    from chefu.queue import send_now

    day = yesterday()
    with transaction.atomic():
        bad = _complained_about(day)
    assert send_now("quality.tasks.quality_run_task", [((day.isoformat(),), {})], what="the quality run")
    celery_worker.wait_for_task("quality.tasks.quality_run_task", timeout=30)
    run = QualityRun.objects.get()
    assert run.finished_at is not None
    assert run.status_changes == [{"store_id": bad.store.pk, "from": "active", "to": "probation"}]
