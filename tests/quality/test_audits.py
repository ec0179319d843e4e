"""Audits: scoring, finalizing with its corrective actions, what a finalization needs, once and only once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from chefu.errors import PermissionDenied, ValidationFailed
from notifications.models import Message
from quality import audits
from quality.exceptions import AuditFinalized
from quality.models import (
    ActionStatus,
    Audit,
    AuditPhoto,
    AuditResult,
    AuditStatus,
    CorrectiveAction,
    CorrectiveActionEvent,
    StandardItem,
)
from tests.bookings.floor_fixtures import image_bytes
from tests.conftest import error_code
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

# The default "facility" standard: lift_inspected (30, critical, photo), workshop_clean (15), fire_safety (25,
# critical, photo), lighting_ventilation (15), signage_licence_posted (15, photo).
EVIDENCE = ("lift_inspected", "fire_safety", "signage_licence_posted")


def _item(weight, critical=False):
    return StandardItem(code=f"i{weight}", text_zh="项", text_en="item", weight=weight, critical=critical)


def test_score_is_the_weighted_pass_share_without_na_items():
    results = [(_item(30), "pass"), (_item(20), "fail"), (_item(50), "na"), (_item(10), "pass")]
    score = audits.audit_score(results=results, pass_mark=Decimal("80"))
    assert score.score == Decimal("66.67")  # 40 / 60
    assert (score.passed, score.critical_failed) == (False, False)
    assert audits.audit_score(results=results, pass_mark=Decimal("66.67")).passed is True


def test_a_failed_critical_item_fails_the_audit_at_95():
    results = [(_item(95), "pass"), (_item(5, critical=True), "fail"), (_item(40), "na")]
    score = audits.audit_score(results=results, pass_mark=Decimal("80"))
    assert score.score == Decimal("95.00")
    assert (score.passed, score.critical_failed) == (False, True)


def test_nothing_scored_is_not_a_score():
    with pytest.raises(ValueError):
        audits.audit_score(results=[(_item(10), "na")], pass_mark=Decimal("80"))


def new_audit(qa, store, **kwargs) -> Audit:
    return audits.audit_create(
        by=qa,
        store_id=store.pk,
        standard_code=kwargs.pop("standard_code", "facility"),
        kind=kwargs.pop("kind", "unannounced"),
        scheduled_for=timezone.localdate(),
        **kwargs,
    )


def photo_upload(name="evidence.png"):
    return SimpleUploadedFile(name, image_bytes("PNG", (40, 30)), content_type="image/png")


def record(qa, audit, *, fail=(), na=(), photos=EVIDENCE):
    codes = StandardItem.objects.filter(standard_id=audit.standard_id).values_list("code", flat=True)
    items = [
        audits.ResultSpec(code=c, result="fail" if c in fail else "na" if c in na else "pass", note=f"note {c}")
        for c in codes
    ]
    audits.audit_results_set(audit_id=audit.pk, by=qa, items=items)
    for code in photos:
        audits.audit_photo_add(audit_id=audit.pk, by=qa, upload=photo_upload(), item_code=code)


def test_finalizing_scores_and_opens_an_action_per_failed_item(qa_user, store, manager, committing):
    audit = new_audit(qa_user, store)
    assert (audit.status, audit.pass_mark) == (AuditStatus.PLANNED, Decimal("80.00"))
    record(qa_user, audit, fail=("workshop_clean", "fire_safety"), na=("lighting_ventilation",))

    finalized = audits.audit_finalize(audit_id=audit.pk, by=qa_user)

    assert finalized.score == Decimal("52.94")  # (30 + 15) / (30 + 15 + 25 + 15)
    assert (finalized.passed, finalized.critical_failed) == (False, True)
    today = timezone.localdate()
    due = dict(CorrectiveAction.objects.filter(audit=audit).values_list("item__code", "due"))
    assert due == {"workshop_clean": today + dt.timedelta(days=14), "fire_safety": today + dt.timedelta(days=3)}
    assert CorrectiveActionEvent.objects.filter(action__audit=audit, kind="created").count() == 2
    told = Message.objects.filter(recipient=manager, template="corrective_actions_created")
    assert told.count() == 1
    assert "mystery" not in told.get().body.lower()


@pytest.mark.parametrize(
    ("fail", "photos", "field", "codes"),
    [
        ((), EVIDENCE[:2], "photos", ["signage_licence_posted"]),
        (("fire_safety",), ("lift_inspected",), "photos", ["fire_safety", "signage_licence_posted"]),
    ],
)
def test_finalizing_needs_the_evidence_photos_and_writes_nothing_without(qa_user, store, fail, photos, field, codes):
    audit = new_audit(qa_user, store)
    record(qa_user, audit, fail=fail, photos=photos)
    with pytest.raises(ValidationFailed) as refused:
        audits.audit_finalize(audit_id=audit.pk, by=qa_user)
    assert all(any(code in m for m in refused.value.details["fields"][field]) for code in codes)
    audit.refresh_from_db()
    assert (audit.status, audit.score) == (AuditStatus.IN_PROGRESS, None)
    assert not CorrectiveAction.objects.exists()


def test_a_photo_is_not_needed_for_an_item_not_applicable(qa_user, store):
    audit = new_audit(qa_user, store)
    record(qa_user, audit, na=("signage_licence_posted",), photos=EVIDENCE[:2])
    assert audits.audit_finalize(audit_id=audit.pk, by=qa_user).passed is True


def test_finalize_api_names_missing_results_and_answers_409_the_second_time(qa_client, qa_user, store):
    audit = new_audit(qa_user, store)
    audits.audit_results_set(audit_id=audit.pk, by=qa_user, items=[audits.ResultSpec("workshop_clean", "pass")])
    response = qa_client.post(f"qa/audits/{audit.pk}/finalize")
    assert response.status_code == 422
    missing = response.json()["error"]["details"]["fields"]["results"]
    # Each missing item is named by its text, as the auditor reads it, and its code.
    assert len(missing) == 4 and any("举升机有特种设备检验合格标志" in m and "lift_inspected" in m for m in missing)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS

    record(qa_user, audit, fail=("workshop_clean",))
    done = qa_client.post(f"qa/audits/{audit.pk}/finalize")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["score"], body["passed"], body["critical_failed"]) == ("85.00", True, False)
    assert [a["item_code"] for a in body["corrective_actions"]] == ["workshop_clean"]
    again = qa_client.post(f"qa/audits/{audit.pk}/finalize")
    assert (again.status_code, error_code(again)) == (409, "audit_finalized")
    assert CorrectiveAction.objects.count() == 1
    refused = qa_client.put(f"qa/audits/{audit.pk}/results", {"items": [{"code": "workshop_clean", "result": "pass"}]})
    assert (refused.status_code, error_code(refused)) == (409, "audit_finalized")


def test_the_audit_api_round_trip(qa_client, qa_user, store):
    created = qa_client.post(
        "qa/audits",
        {
            "store_id": store.pk,
            "standard_code": "facility",
            "kind": "scheduled",
            "scheduled_for": str(timezone.localdate()),
        },
    )
    assert created.status_code == 201, created.content
    audit_id = created.json()["id"]
    assert created.json()["assignee_id"] == qa_user.pk and len(created.json()["items"]) == 5
    results = qa_client.put(
        f"qa/audits/{audit_id}/results",
        {
            "items": [
                {"code": "workshop_clean", "result": "fail", "note": "油污"},
                {"code": "lift_inspected", "result": "pass"},
            ]
        },
    )
    assert results.status_code == 200
    assert results.json()["status"] == "in_progress"
    client = Client(headers={"Authorization": f"Bearer {qa_client.token}"})
    photo = client.post(
        f"/api/v1/qa/audits/{audit_id}/photos", {"photo": photo_upload(), "item_code": "lift_inspected"}
    )
    assert photo.status_code == 201, photo.content
    assert photo.json()["item_code"] == "lift_inspected"
    loose = client.post(f"/api/v1/qa/audits/{audit_id}/photos", {"photo": photo_upload()})
    assert loose.status_code == 201 and loose.json()["item_code"] is None
    bad = client.post(f"/api/v1/qa/audits/{audit_id}/photos", {"photo": photo_upload(), "item_code": "nope"})
    assert bad.status_code == 422
    not_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    assert client.post(f"/api/v1/qa/audits/{audit_id}/photos", {"photo": not_image}).status_code == 422
    assert AuditPhoto.objects.filter(audit_id=audit_id).count() == 2

    detail = qa_client.get(f"qa/audits/{audit_id}").json()
    lift = next(i for i in detail["items"] if i["code"] == "lift_inspected")
    assert lift["result"] == "pass" and len(lift["photos"]) == 1 and len(detail["photos"]) == 1
    mine = qa_client.get("qa/audits", {"assignee": "me", "status": "in_progress"}).json()
    assert [a["id"] for a in mine["items"]] == [audit_id]
    assert qa_client.get("qa/audits", {"store_id": store.pk + 1000}).json()["count"] == 0


def test_audit_input_is_checked_with_nothing_written(qa_client, store):
    today = str(timezone.localdate())
    cases = [
        {"store_id": 10**9, "standard_code": "facility", "kind": "scheduled", "scheduled_for": today},
        {"store_id": store.pk, "standard_code": "nope", "kind": "scheduled", "scheduled_for": today},
        {"store_id": store.pk, "standard_code": "facility", "kind": "scheduled", "scheduled_for": "1999-01-01"},
        {
            "store_id": store.pk,
            "standard_code": "facility",
            "kind": "scheduled",
            "scheduled_for": today,
            "booking_id": 1,
        },
        {
            "store_id": store.pk,
            "standard_code": "facility",
            "kind": "scheduled",
            "scheduled_for": today,
            "assignee_id": UserFactory(roles=["owner"]).pk,
        },
        {"store_id": 10**30, "standard_code": "facility", "kind": "scheduled", "scheduled_for": today},
    ]
    for payload in cases:
        assert qa_client.post("qa/audits", payload).status_code == 422, payload
    unknown = qa_client.put("qa/audits/1/results", {"items": [{"code": "x", "result": "maybe"}]})
    assert unknown.status_code == 422
    assert not Audit.objects.exists()


def test_audits_are_for_qa_only(owner_client, manager_client, qa_user, store):
    audit = new_audit(qa_user, store)
    for client in (owner_client, manager_client):
        assert client.get(f"qa/audits/{audit.pk}").status_code == 403
        assert client.get("qa/audits").status_code == 403
        assert client.post(f"qa/audits/{audit.pk}/finalize").status_code == 403
    with pytest.raises(PermissionDenied):
        audits.audit_results_set(audit_id=audit.pk, by=UserFactory(), items=[])


def test_an_audit_keeps_the_standard_version_it_was_created_against(qa_client, qa_user, store):
    audit = new_audit(qa_user, store)
    draft = qa_client.post(
        "qa/standards",
        {
            "code": "facility",
            "category": "facility",
            "title_zh": "场地",
            "title_en": "Facility",
            "items": [{"code": "only", "text_zh": "唯一", "text_en": "Only", "weight": 10}],
        },
    ).json()
    qa_client.post(f"qa/standards/{draft['id']}/publish")
    record(qa_user, audit)
    assert audits.audit_finalize(audit_id=audit.pk, by=qa_user).score == Decimal("100.00")
    assert AuditResult.objects.filter(audit=audit).count() == 5
    assert new_audit(qa_user, store).standard_id == draft["id"]


def test_a_passed_reaudit_accepts_the_failed_audits_open_actions(qa_user, store):
    failed = new_audit(qa_user, store)
    record(qa_user, failed, fail=("workshop_clean", "lift_inspected"))
    audits.audit_finalize(audit_id=failed.pk, by=qa_user)
    assert failed.__class__.objects.get(pk=failed.pk).passed is False

    with pytest.raises(ValidationFailed):
        new_audit(qa_user, StoreFactory(), reaudit_of_id=failed.pk)  # another store's audit
    reaudit = new_audit(qa_user, store, standard_code=None, reaudit_of_id=failed.pk)
    assert reaudit.standard_id == failed.standard_id
    record(qa_user, reaudit, fail=("workshop_clean",))
    assert audits.audit_finalize(audit_id=reaudit.pk, by=qa_user).passed is True
    statuses = dict(CorrectiveAction.objects.filter(audit=failed).values_list("item__code", "status"))
    assert statuses == {"lift_inspected": ActionStatus.ACCEPTED, "workshop_clean": ActionStatus.OPEN}


@pytest.mark.django_db(transaction=True)
def test_two_finalizations_at_once_make_one_set_of_actions():
    qa = UserFactory(roles=["qa"])
    store = StoreFactory()
    audit = new_audit(qa, store)
    record(qa, audit, fail=("workshop_clean", "fire_safety"))
    barrier = threading.Barrier(2)
    outcomes = []

    def finalize():
        try:
            barrier.wait(timeout=10)
            audits.audit_finalize(audit_id=audit.pk, by=qa)
            outcomes.append("ok")
        except AuditFinalized:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert CorrectiveAction.objects.filter(audit=audit).count() == 2
    assert CorrectiveActionEvent.objects.filter(action__audit=audit).count() == 2
