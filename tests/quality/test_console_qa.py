"""The QA console's audit, plan, rules, applications and review-moderation pages (server-rendered forms): each form's
success, its refusal shown with nothing written, and who may not."""

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from quality.models import Audit, AuditPhoto, AuditStatus, CorrectiveAction, Rule, RuleChange, StandardItem
from reviews import services as review_services
from reviews.models import QaFollowUp, QaFollowUpStatus, Review, ReviewStatus
from stores.models import ApplicationStatus, PartnerApplication, Store
from stores.services import application_submit
from tests.bookings.floor_fixtures import image_bytes
from tests.factories import StoreFactory, UserFactory
from tests.quality.test_audits import EVIDENCE, new_audit
from tests.reviews.conftest import RATINGS, done_booking
from tests.stores.conftest import APPLICATION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

PAGES = ["/qa/audits/", "/qa/audit-plan/", "/qa/rules/", "/qa/applications/", "/qa/reviews/"]


@pytest.fixture
def qa(client, qa_user):
    client.force_login(qa_user)
    return client


def _png(name="evidence.png"):
    return SimpleUploadedFile(name, image_bytes("PNG", (40, 30)), content_type="image/png")


def test_the_new_pages_answer_qa_refuse_others_and_show_the_sign_in_box_to_visitors(client, qa_user):
    for url in PAGES:
        page = client.get(url)
        assert page.status_code == 200 and b'id="auth"' in page.content, url
    client.force_login(UserFactory(roles=["owner", "store_staff"]))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    client.force_login(qa_user)
    for url in PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        assert all(link.encode() in page.content for link in PAGES), url  # the console nav names every page


# --- audits ---------------------------------------------------------------------------------------------------------


def test_a_new_audit_is_created_from_the_list_and_a_refusal_names_the_field(qa, qa_user):
    store = StoreFactory()
    today = timezone.localdate().isoformat()

    refused = qa.post(
        "/qa/audits/", {"store_id": "999999", "standard_code": "facility", "kind": "scheduled", "scheduled_for": today}
    )
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    assert b"No such store" in refused.content or "门店".encode() in refused.content
    assert not Audit.objects.exists()

    done = qa.post(
        "/qa/audits/",
        {
            "store_id": str(store.pk),
            "standard_code": "facility",
            "kind": "scheduled",
            "scheduled_for": today,
            "assignee_id": "",
            "booking_id": "",
            "reaudit_of": "",
        },
    )
    audit = Audit.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/qa/audits/{audit.pk}/"
    assert (audit.store, audit.assignee, audit.status) == (store, qa_user, AuditStatus.PLANNED)

    listed = qa.get("/qa/audits/?assignee=me&status=planned").content.decode()
    assert f"/qa/audits/{audit.pk}/" in listed and store.name in listed
    assert f"/qa/audits/{audit.pk}/" not in qa.get("/qa/audits/?status=finalized").content.decode()


def test_the_audit_form_saves_results_and_photos_refuses_to_finalize_without_evidence_then_scores(qa, qa_user):
    audit = new_audit(qa_user, StoreFactory())
    codes = list(StandardItem.objects.filter(standard_id=audit.standard_id).values_list("code", flat=True))
    page = qa.get(f"/qa/audits/{audit.pk}/").content.decode()
    assert all(f'name="result-{code}"' in page for code in codes)
    assert 'accept="image/*" capture="environment"' in page

    # every item filled in, "workshop_clean" failed, but only one evidence photo: finalizing is refused, naming the rest
    form = {f"result-{code}": "fail" if code == "workshop_clean" else "pass" for code in codes}
    form |= {"note-workshop_clean": "地面有油污", "action": "finalize", "photo-lift_inspected": _png()}
    refused = qa.post(f"/qa/audits/{audit.pk}/", form)
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    body = refused.content.decode()
    assert "fire_safety" in body and "signage_licence_posted" in body
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS and not CorrectiveAction.objects.exists()
    assert AuditPhoto.objects.filter(audit=audit).count() == 1  # what was saved stays: the form is a work in progress
    assert "地面有油污" in body

    # a file that is not an image is refused by name, the others kept
    bad = {"action": "save", "photo-fire_safety": SimpleUploadedFile("x.png", b"not an image", "image/png")}
    refused = qa.post(f"/qa/audits/{audit.pk}/", bad)
    assert refused.status_code == 200 and "fire_safety:" in refused.content.decode()
    assert AuditPhoto.objects.filter(audit=audit).count() == 1

    photos = {f"photo-{code}": _png(f"{code}.png") for code in EVIDENCE if code != "lift_inspected"}
    done = qa.post(f"/qa/audits/{audit.pk}/", {"action": "finalize", **photos})
    assert done.status_code == 302
    audit.refresh_from_db()
    assert audit.status == AuditStatus.FINALIZED and audit.score == Decimal("85.00") and audit.passed is True
    action = CorrectiveAction.objects.get()
    assert action.item.code == "workshop_clean"

    shown = qa.get(f"/qa/audits/{audit.pk}/").content.decode()
    assert "85.00" in shown and "workshop_clean" in shown and 'type="radio"' not in shown
    again = qa.post(f"/qa/audits/{audit.pk}/", {"action": "finalize"})
    assert again.status_code == 200 and b'role="alert"' in again.content
    assert qa.get("/qa/audits/999999/").status_code == 404


def test_the_planner_shows_its_proposal_and_the_button_creates_it(qa, qa_user):
    store = StoreFactory(name="待审核门店")
    page = qa.get("/qa/audit-plan/?weeks=2").content.decode()
    assert store.name in page and not Audit.objects.exists()

    done = qa.post("/qa/audit-plan/", {"weeks": "2"})
    assert done.status_code == 302 and "status=planned" in done["Location"]
    assert Audit.objects.filter(store=store, status=AuditStatus.PLANNED).count() == 1
    assert store.name not in qa.get("/qa/audit-plan/?weeks=2").content.decode()


# --- rules ----------------------------------------------------------------------------------------------------------


def test_a_rule_is_edited_with_a_reason_and_the_change_is_listed(qa, qa_user):
    rule = Rule.objects.filter(metric="store_cancel_rate").first()
    form = {"rule_id": str(rule.pk), "threshold": "12.5", "min_sample": "25", "action": rule.action, "enabled": "on"}

    refused = qa.post("/qa/rules/", {**form, "reason": "  "})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    rule.refresh_from_db()
    assert rule.threshold == Decimal("10") and not RuleChange.objects.filter(rule=rule, by=qa_user).exists()

    bad = qa.post("/qa/rules/", {**form, "threshold": "abc", "reason": "试试"})
    assert bad.status_code == 200 and b'role="alert"' in bad.content

    done = qa.post("/qa/rules/", {**form, "reason": "节假日取消较多，放宽"})
    assert done.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.min_sample, rule.enabled) == (Decimal("12.50"), 25, True)
    change = RuleChange.objects.get(rule=rule, by=qa_user)
    assert change.reason == "节假日取消较多，放宽"
    history = qa.get("/qa/rules/").content.decode()
    assert "节假日取消较多，放宽" in history and "10.00 → 12.5" in history

    assert qa.post("/qa/rules/", {**form, "rule_id": "999999", "reason": "x"}).status_code == 404


def test_a_rule_is_added_with_a_reason(qa, qa_user):
    before = Rule.objects.count()
    form = {
        "rule_id": "new",
        "metric": "rework_rate",
        "window_days": "30",
        "comparator": "gt",
        "threshold": "20",
        "min_sample": "10",
        "action": "alert",
        "enabled": "on",
    }
    refused = qa.post("/qa/rules/", {**form, "reason": ""})
    assert refused.status_code == 200 and b'role="alert"' in refused.content and Rule.objects.count() == before
    done = qa.post("/qa/rules/", {**form, "reason": "30 天返工也要看"})
    assert done.status_code == 302 and Rule.objects.count() == before + 1
    assert RuleChange.objects.get(by=qa_user).before == {}


# --- applications ---------------------------------------------------------------------------------------------------


def _application(name="极速养护中心"):
    payload = copy.deepcopy(APPLICATION) | {"name": name}
    timezone_name = payload.pop("timezone")
    return application_submit(applicant=UserFactory(roles=["owner"]), timezone_name=timezone_name, **payload)


def test_applications_are_approved_with_notes_or_rejected_with_a_reason(qa, qa_user):
    approve, reject = _application("甲店"), _application("乙店")
    listed = qa.get("/qa/applications/").content.decode()
    assert "甲店" in listed and "乙店" in listed

    done = qa.post("/qa/applications/", {"application_id": str(approve.pk), "decision": "approve", "notes": "资料齐全"})
    assert done.status_code == 302
    approve.refresh_from_db()
    assert approve.status == ApplicationStatus.APPROVED and Store.objects.filter(name="甲店").exists()

    refused = qa.post("/qa/applications/", {"application_id": str(reject.pk), "decision": "reject", "reason": " "})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    reject.refresh_from_db()
    assert reject.status == ApplicationStatus.SUBMITTED

    qa.post("/qa/applications/", {"application_id": str(reject.pk), "decision": "reject", "reason": "营业执照不清晰"})
    reject.refresh_from_db()
    assert (reject.status, reject.reject_reason, reject.reviewed_by) == (
        ApplicationStatus.REJECTED,
        "营业执照不清晰",
        qa_user,
    )
    twice = qa.post("/qa/applications/", {"application_id": str(approve.pk), "decision": "approve"})
    assert twice.status_code == 200 and b'role="alert"' in twice.content
    assert PartnerApplication.objects.count() == 2 and Store.objects.filter(name="甲店").count() == 1
    assert qa.post("/qa/applications/", {"application_id": "999999", "decision": "approve"}).status_code == 404


# --- reviews --------------------------------------------------------------------------------------------------------


def _review(text="", ratings=RATINGS):
    booking = done_booking()
    return review_services.review_create(booking_id=booking.pk, owner=booking.owner, ratings=ratings, text=text)


def test_held_reviews_are_published_hidden_and_restored_with_a_reason(qa):
    held = _review("加我微信 13812345678 详聊")
    assert held.status == ReviewStatus.HELD
    assert "138" in qa.get("/qa/reviews/").content.decode()

    refused = qa.post("/qa/reviews/", {"review_id": str(held.pk), "verb": "publish", "reason": ""})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    held.refresh_from_db()
    assert held.status == ReviewStatus.HELD

    assert (
        qa.post("/qa/reviews/", {"review_id": str(held.pk), "verb": "hide", "reason": "含联系方式"}).status_code == 302
    )
    held.refresh_from_db()
    assert held.status == ReviewStatus.HIDDEN
    assert f"review-{held.pk}" in qa.get("/qa/reviews/?queue=hidden").content.decode()

    qa.post("/qa/reviews/?queue=hidden", {"review_id": str(held.pk), "verb": "restore", "reason": "误判"})
    held.refresh_from_db()
    assert held.status != ReviewStatus.HIDDEN

    wrong = qa.post("/qa/reviews/", {"review_id": str(held.pk), "verb": "restore", "reason": "again"})
    assert wrong.status_code == 200 and b'role="alert"' in wrong.content
    assert qa.post("/qa/reviews/", {"review_id": "999999", "verb": "hide", "reason": "x"}).status_code == 404


def test_a_low_rating_follow_up_is_closed_with_a_note(qa, qa_user):
    review = _review("很差", ratings=dict.fromkeys(RATINGS, 1))
    follow_up = QaFollowUp.objects.get(review=review)
    assert f"follow-up-{follow_up.pk}" in qa.get("/qa/reviews/").content.decode()
    done = qa.post("/qa/reviews/", {"follow_up_id": str(follow_up.pk), "note": "已电话门店"})
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.closed_by, follow_up.note) == (QaFollowUpStatus.CLOSED, qa_user, "已电话门店")
    assert Review.objects.count() == 1
