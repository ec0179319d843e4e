"""The KPI, rule, run and alert endpoints: QA only (403), the shop sees its own (404 otherwise), bad input is 422
with nothing written, rule edits are kept."""

import pytest

from quality.models import Alert, QualityRun, Rule, RuleChange, StoreKpi
from quality.runs import quality_run
from tests.bookings.floor_fixtures import staff_of
from tests.factories import UserFactory
from tests.quality.history import History, complaint, yesterday

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(make_client):
    return make_client(UserFactory(roles=["owner", "qa"]))


@pytest.fixture
def owner_api(make_client):
    return make_client(UserFactory(roles=["owner"]))


@pytest.fixture
def stores():
    """Three stores evaluated yesterday: one with upheld complaints (on probation after the run), one fine, one
    quiet in another city."""
    day = yesterday()
    bad, fine = History(), History()
    for history, upheld in ((bad, 3), (fine, 0)):
        done = history.completed(day, range(1, 21))
        for booking in done[:upheld]:
            complaint(booking, upheld=True)
    quiet = History(city="杭州")
    quality_run(day=day)
    return bad.store, fine.store, quiet.store


def test_the_risk_table_ranks_filters_and_sorts(qa, stores):
    bad, fine, quiet = stores
    answer = qa.get("qa/stores", {"sort": "risk"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["count"] == StoreKpi.objects.filter(day=yesterday(), window_days=90).count()
    first = body["items"][0]
    assert first["store_id"] == bad.pk and first["status"] == "probation"
    assert first["kpis"]["upheld_complaint_rate"] == "15.00"
    assert first["kpis"]["rating"] is None  # no reviews
    assert set(first["kpis"]) >= {
        "rating", "low_rating_share", "complaint_rate", "upheld_complaint_rate", "store_cancel_rate", "on_time_rate",
        "supplement_rate", "upsell_ratio", "rework_rate", "price_deviation", "last_audit_score", "overdue_actions",
    }  # fmt: skip
    scores = [float(row["risk_score"]) for row in body["items"]]
    assert scores == sorted(scores, reverse=True)

    ascending = qa.get("qa/stores", {"sort": "complaint_rate"}).json()["items"]
    assert [r["store_id"] for r in ascending[:2]] == [fine.pk, bad.pk]  # then the nulls
    assert qa.get("qa/stores", {"sort": "-complaint_rate"}).json()["items"][0]["store_id"] == bad.pk
    assert [r["store_id"] for r in qa.get("qa/stores", {"status": "probation"}).json()["items"]] == [bad.pk]
    assert [r["store_id"] for r in qa.get("qa/stores", {"city": "杭州"}).json()["items"]] == [quiet.pk]

    assert qa.get("qa/stores", {"window": 7}).status_code == 422
    refused = qa.get("qa/stores", {"sort": "name; drop table"})
    assert refused.status_code == 422 and "sort" in refused.json()["error"]["details"]["fields"]


def test_kpi_endpoints_are_for_qa_and_the_store_s_own_staff(qa, owner_api, make_client, stores):
    bad, fine, _ = stores
    for path in ("qa/stores", f"qa/stores/{bad.pk}/kpis", "qa/rules", "qa/alerts"):
        assert owner_api.get(path).status_code == 403, path
    series = qa.get(f"qa/stores/{bad.pk}/kpis", {"days": 30, "window": 30}).json()
    assert series["window_days"] == 30 and [d["day"] for d in series["items"]] == [yesterday().isoformat()]
    assert qa.get("qa/stores/999999/kpis").status_code == 404

    staff = make_client(staff_of(bad))
    own = staff.get(f"partner/stores/{bad.pk}/kpis").json()
    assert own["latest"]["kpis"]["upheld_complaint_rate"] == "15.00" and len(own["items"]) == 1
    # nothing that could date a mystery shop: the audit-based KPIs stay QA's
    assert not {"last_audit_score", "last_audit_age_days", "risk_score"} & set(own["latest"]["kpis"])
    assert staff.get(f"partner/stores/{fine.pk}/kpis").status_code == 404
    assert owner_api.get(f"partner/stores/{bad.pk}/kpis").status_code == 404


def test_a_rule_edit_is_kept_with_who_and_why(qa, owner_api):
    rule = Rule.objects.get(metric="complaint_rate")
    answer = qa.put(f"qa/rules/{rule.pk}", {"threshold": "8.50", "action": "probation", "reason": "投诉偏多"})
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["threshold"], answer.json()["action"], answer.json()["min_sample"]) == (
        "8.50",
        "probation",
        20,
    )
    change = RuleChange.objects.filter(rule=rule).latest("at")
    assert change.reason == "投诉偏多" and change.by.roles == ["owner", "qa"]
    assert (change.before["threshold"], change.after["threshold"]) == ("10.00", "8.50")
    assert (change.before["action"], change.after["action"]) == ("alert", "probation")
    listed = {r["id"]: r for r in qa.get("qa/rules").json()}
    assert listed[rule.pk]["threshold"] == "8.50"


@pytest.mark.parametrize(
    "body",
    [
        {"threshold": "-1", "reason": "x"},
        {"threshold": "1e30", "reason": "x"},
        {"min_sample": -3, "reason": "x"},
        {"action": "close_forever", "reason": "x"},
        {"threshold": "5"},
        {"threshold": "5", "reason": "  "},
        {"threshold": "5", "reason": "a\x00b"},
    ],
)
def test_a_bad_rule_edit_is_422_and_changes_nothing(qa, body):
    rule = Rule.objects.get(metric="complaint_rate")
    answer = qa.put(f"qa/rules/{rule.pk}", body)
    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"]["code"] == "validation_error"
    rule.refresh_from_db()
    assert str(rule.threshold) == "10.00" and not RuleChange.objects.filter(rule=rule, by__isnull=False).exists()


def test_rules_are_added_with_a_known_metric_and_comparator_only(qa, owner_api):
    rule = {"metric": "rework_rate", "window_days": 30, "comparator": "gte", "threshold": "12", "min_sample": 15}
    created = qa.post("qa/rules", {**rule, "action": "alert", "reason": "返工"})
    assert created.status_code == 201, created.json()
    assert RuleChange.objects.get(rule_id=created.json()["id"]).before == {}
    assert qa.post("qa/rules", {**rule, "metric": "bogus", "action": "alert", "reason": "x"}).status_code == 422
    assert qa.post("qa/rules", {**rule, "comparator": "eq", "action": "alert", "reason": "x"}).status_code == 422
    assert owner_api.post("qa/rules", {**rule, "action": "alert", "reason": "x"}).status_code == 403
    assert qa.put("qa/rules/999999", {"reason": "x"}).status_code == 404


def test_qa_runs_the_evaluation_now_and_acknowledges_its_alerts(qa, owner_api):
    day = yesterday()
    bad = History()
    for booking in bad.completed(day, range(1, 21))[:2]:
        complaint(booking, upheld=True)
    answer = qa.post("qa/quality-runs", {})
    assert answer.status_code == 201, answer.json()
    run = answer.json()
    assert run["status_changes"] == [{"store_id": bad.store.pk, "from": "active", "to": "probation"}]
    assert run["stores_evaluated"] >= 1 and run["alerts_raised"] >= 1 and run["day"] == day.isoformat()
    assert owner_api.post("qa/quality-runs", {}).status_code == 403

    alerts = qa.get("qa/alerts", {"status": "open", "store_id": bad.store.pk}).json()
    assert alerts["count"] == run["alerts_raised"]
    alert_id = alerts["items"][0]["id"]
    acked = qa.post(f"qa/alerts/{alert_id}/ack", {"note": "已联系门店"})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert Alert.objects.get(pk=alert_id).note == "已联系门店"
    assert qa.get("qa/alerts", {"status": "open", "store_id": bad.store.pk}).json()["count"] == alerts["count"] - 1
    assert qa.post("qa/alerts/999999/ack", {"note": ""}).status_code == 404
    assert owner_api.post(f"qa/alerts/{alert_id}/ack", {"note": ""}).status_code == 403


@pytest.mark.parametrize("day", ["0001-01-01", "2999-12-31", "not a day"])
def test_a_quality_run_for_a_day_out_of_range_is_422(qa, day):
    assert qa.post("qa/quality-runs", {"day": day}).status_code == 422
    assert not QualityRun.objects.exists()
