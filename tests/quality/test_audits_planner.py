"""The audit planner: every active or probation store within 180 days, riskiest first, within weekly capacity."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from quality.models import Audit, AuditStatus, StoreKpi
from quality.planner import audit_plan
from quality.standards import standard_in_force
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def audited(store, days_ago: int, code="facility"):
    at = timezone.now() - dt.timedelta(days=days_ago)
    return Audit.objects.create(
        store=store,
        standard=standard_in_force(code=code),
        kind="scheduled",
        status=AuditStatus.FINALIZED,
        scheduled_for=timezone.localdate(at),
        score=Decimal("90"),
        passed=True,
        finalized_at=at,
    )


def risk(store, value: str):
    StoreKpi.objects.create(store=store, day=timezone.localdate(), window_days=90, risk_score=Decimal(value))
    StoreKpi.objects.create(
        store=store, day=timezone.localdate() - dt.timedelta(days=1), window_days=90, risk_score=Decimal("99")
    )


@pytest.fixture
def fleet(settings):
    settings.QUALITY_AUDITS_PER_WEEK = 2
    qa = [UserFactory(roles=["qa"]), UserFactory(roles=["qa"])]
    UserFactory(roles=["owner"])
    stores = {
        "risky": StoreFactory(),
        "riskier": StoreFactory(status="probation"),
        "calm": StoreFactory(),
        "due_soon": StoreFactory(),  # 170 days since its audit: due within the plan
        "fresh": StoreFactory(),  # audited 10 days ago: not due
        "suspended": StoreFactory(status="suspended"),
        "planned": StoreFactory(),  # has an audit planned already
        **{f"never{n}": StoreFactory() for n in range(6)},
    }
    risk(stores["risky"], "60")
    risk(stores["riskier"], "80")
    risk(stores["calm"], "5")
    audited(stores["due_soon"], 170)
    audited(stores["fresh"], 10)
    audited(stores["calm"], 400, code="facility")
    Audit.objects.create(
        store=stores["planned"],
        standard=standard_in_force(code="tools"),
        kind="scheduled",
        scheduled_for=timezone.localdate() + dt.timedelta(days=2),
        assignee=qa[0],
    )
    return qa, stores


def test_the_plan_covers_due_stores_riskiest_first_within_capacity(fleet, django_assert_max_num_queries):
    qa, stores = fleet
    start = timezone.localdate()
    with django_assert_max_num_queries(6):
        plan = audit_plan(start=start, weeks=2)

    planned_ids = [p.store_id for p in plan.planned]
    names = {s.pk: name for name, s in stores.items()}
    # 2 QA users x 2 a week x 2 weeks, less the one audit qa[0] already has in week 0
    assert len(plan.planned) == 7
    assert [names[i] for i in planned_ids[:3]] == ["riskier", "risky", "calm"]
    due = {"riskier", "risky", "calm", "due_soon", *(f"never{n}" for n in range(6))}
    assert {names[i] for i in planned_ids} | {names[u.store_id] for u in plan.unplanned} == due
    assert not {"fresh", "suspended", "planned"} & {names[i] for i in planned_ids}
    load = Counter((p.assignee_id, p.week) for p in plan.planned)
    load[(qa[0].pk, 0)] += 1  # the audit planned before
    assert max(load.values()) <= 2
    assert all(start <= p.scheduled_for < start + dt.timedelta(days=14) for p in plan.planned)
    # never-audited stores come before one audited 170 days ago at equal (no) risk; no room is left for the last
    assert [names[u.store_id] for u in plan.unplanned] == ["never4", "never5", "due_soon"]
    calm = next(p for p in plan.planned if p.store_id == stores["calm"].pk)
    assert calm.standard_code != "facility"  # its facility audit is the most recent: another category first
    assert not Audit.objects.filter(status=AuditStatus.PLANNED).exclude(store=stores["planned"]).exists()


def test_making_the_plan_creates_the_audits_once(fleet, qa_client):
    response = qa_client.post("qa/audit-plan", {"weeks": 2})
    assert response.status_code == 201, response.content
    made = response.json()["planned"]
    assert made and all(p["audit_id"] for p in made)
    assert Audit.objects.filter(status=AuditStatus.PLANNED, kind="scheduled").count() == len(made) + 1
    again = qa_client.post("qa/audit-plan", {"weeks": 2}).json()
    assert not {p["store_id"] for p in again["planned"]} & {p["store_id"] for p in made}
    proposal = qa_client.get("qa/audit-plan", {"weeks": 4})
    assert proposal.status_code == 200
    assert qa_client.get("qa/audit-plan", {"weeks": 0}).status_code == 422


def test_the_plan_is_for_qa_only(owner_client):
    assert owner_client.get("qa/audit-plan").status_code == 403
    assert owner_client.post("qa/audit-plan", {"weeks": 1}).status_code == 403
