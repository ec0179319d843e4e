"""The shop's quality page (/partner/quality/): who may see it, its KPIs, status and history, and its two forms (the
evidence for a corrective action, the answer to a complaint), without a word about a mystery shop."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from quality.models import ActionPhoto, ActionStatus, Complaint, ComplaintStatus, CorrectiveAction, StoreKpi
from quality.sanctions import store_sanction
from stores.models import StatusReason
from stores.services import membership_add
from tests.bookings.floor_fixtures import make_booking, make_shop, staff_of
from tests.factories import UserFactory
from tests.quality.test_audits import photo_upload
from tests.quality.test_audits_actions import failed_audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]
URL = "/partner/quality/"


@pytest.fixture
def shop():
    store = make_shop(name="安心汽修")
    store.manager = staff_of(store, role="manager")
    return store


@pytest.fixture
def manager(client, shop):
    client.force_login(shop.manager)
    return client


def _complaint(store, **kwargs) -> Complaint:
    booking = make_booking(store=store)
    now = timezone.now()
    return Complaint.objects.create(
        booking=booking,
        store=store,
        owner=booking.owner,
        category=kwargs.pop("category", "overcharge"),
        description=kwargs.pop("description", "多收了机油钱"),
        respond_by=now + dt.timedelta(hours=5, minutes=30),
        resolve_by=now + dt.timedelta(hours=70),
        **kwargs,
    )


def test_a_visitor_gets_the_sign_in_box_and_anyone_with_no_tie_404(client, shop):
    page = client.get(URL)
    assert page.status_code == 200 and b'id="auth"' in page.content and b"console.js" in page.content
    client.force_login(UserFactory(roles=["owner"]))
    assert client.get(URL).status_code == 404
    client.force_login(staff_of(make_shop(), role="manager"))
    assert client.get(f"{URL}?store={shop.pk}").status_code == 404
    assert client.get(f"{URL}?store=99999999999").status_code == 200  # not a store id: the user's own store


def test_the_page_shows_the_kpis_trends_status_and_reason(manager, shop, qa_user):
    for n in range(4):
        for window in (30, 90):
            StoreKpi.objects.create(
                store=shop,
                day=timezone.localdate() - dt.timedelta(days=n),
                window_days=window,
                completed=40,
                complaint_rate=Decimal("2.50") + n,
                on_time_rate=Decimal("91.00"),
            )
    store_sanction(
        store_id=shop.pk,
        to_status="probation",
        reason="投诉率连续超标",
        reason_category=StatusReason.COMPLAINTS,
        by=qa_user,
    )
    html = manager.get(URL).content.decode()
    assert "2.50/100" in html and "91.00%" in html
    assert html.count("<polyline") >= 2
    assert "投诉率连续超标" in html and "status-probation" in html
    assert 'href="/partner/quality/"' in html  # the header's link


def test_several_stores_are_chosen_from_a_list(client, shop):
    other = make_shop(name="第二家店")
    user = shop.manager
    membership_add(store=other, user=user, role="advisor")
    client.force_login(user)
    first = client.get(URL).content.decode()
    assert '<select name="store"' in first and "第二家店" in first
    second = client.get(f"{URL}?store={other.pk}").content.decode()
    assert f'value="{other.pk}" selected' in second


def test_evidence_is_sent_with_photos_and_a_refusal_writes_nothing(manager, shop, qa_user):
    action = CorrectiveAction.objects.get(audit=failed_audit(qa_user, shop))
    page = manager.get(URL).content.decode()
    assert f'id="action-{action.pk}"' in page and 'name="photos"' in page

    refused = manager.post(URL, {"form": "evidence", "id": action.pk, "note": "  "})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN

    sent = manager.post(URL, {"form": "evidence", "id": action.pk, "note": "已清洁", "photos": [photo_upload("x.png")]})
    assert sent.status_code == 302

    action.refresh_from_db()
    assert (action.status, action.evidence_note) == (ActionStatus.SUBMITTED, "已清洁")
    assert ActionPhoto.objects.filter(action=action).count() == 1
    assert sent["Location"] == f"{URL}?store={shop.pk}#action-{action.pk}"
    shown = manager.get(URL).content.decode()
    assert ActionPhoto.objects.get().image.url in shown


def test_a_photo_that_is_not_an_image_is_refused_with_nothing_written(manager, shop, qa_user):
    action = CorrectiveAction.objects.get(audit=failed_audit(qa_user, shop))
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    refused = manager.post(URL, {"form": "evidence", "id": action.pk, "note": "已清洁", "photos": [fake]})
    assert refused.status_code == 200 and b'role="alert"' in refused.content and "已清洁" in refused.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and not ActionPhoto.objects.exists()


def test_another_stores_action_or_complaint_is_not_found_from_this_page(manager, qa_user):
    elsewhere = make_shop()
    action = CorrectiveAction.objects.get(audit=failed_audit(qa_user, elsewhere))
    complaint = _complaint(elsewhere)
    for form, object_id, field in (("evidence", action.pk, "note"), ("answer", complaint.pk, "text")):
        refused = manager.post(URL, {"form": form, "id": object_id, field: "与我无关"})
        assert refused.status_code == 200 and b'role="alert"' in refused.content
    action.refresh_from_db()
    complaint.refresh_from_db()
    assert (action.status, complaint.status) == (ActionStatus.OPEN, ComplaintStatus.OPEN)


def test_a_complaint_is_answered_once_open_ones_first_with_the_time_left(manager, shop):
    resolved = _complaint(shop, category="conduct", description="态度不好")
    Complaint.objects.filter(pk=resolved.pk).update(
        status="resolved", outcome="rejected", resolution="证据不足", resolved_at=timezone.now()
    )
    complaint = _complaint(shop)
    html = manager.get(URL).content.decode()
    assert html.index("多收了机油钱") < html.index("态度不好")
    assert "5 小时 29 分" in html or "5 小时 30 分" in html

    refused = manager.post(URL, {"form": "answer", "id": complaint.pk, "text": " "})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN

    done = manager.post(URL, {"form": "answer", "id": complaint.pk, "text": "已核对账单，将退还差价"})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.store_response) == (ComplaintStatus.ANSWERED, "已核对账单，将退还差价")
    again = manager.post(URL, {"form": "answer", "id": complaint.pk, "text": "再说一次"})
    assert again.status_code == 200 and b'role="alert"' in again.content


def test_nothing_on_the_page_reveals_a_mystery_shop(manager, shop):
    qa = UserFactory(roles=["owner", "qa"])
    mystery = make_booking(owner=qa, store=shop)
    audit = failed_audit(qa, shop, fail=("lighting_ventilation",), kind="mystery_shopper", booking_id=mystery.pk)
    html = manager.get(URL).content.decode().lower()
    assert CorrectiveAction.objects.filter(audit=audit).exists()
    for word in ("mystery", "神秘", "暗访", "audit_id", f"/qa/audits/{audit.pk}", "latest audit:", "最近一次审核"):
        assert word not in html, word
