"""Quality photos are private: an audit's to QA only (a mystery shop stays hidden from the store), a corrective
action's to QA and the store's staff, a complaint's to QA, its owner and the store's staff; 404 for anyone else. The
``url`` the API answers with is the one served."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from quality import actions, audits
from quality.complaints import services as complaint_services
from quality.models import Complaint, CorrectiveAction
from tests.bookings.floor_fixtures import make_booking, make_shop, staff_of
from tests.conftest import issue_token
from tests.factories import UserFactory
from tests.quality.test_audits import new_audit, photo_upload
from tests.quality.test_audits_actions import failed_audit

pytestmark = pytest.mark.django_db


def _get(user, url: str, *, bearer: bool = False):
    if bearer:
        return Client(headers={"Authorization": f"Bearer {issue_token(user)}"}).get(url)
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.fixture
def shop():
    store = make_shop()
    store.manager = staff_of(store, role="manager")
    return store


def _viewers(store, owner=None) -> dict:
    return {
        "qa": UserFactory(roles=["qa"]),
        "manager": store.manager,
        "technician": staff_of(store),
        "owner": owner or UserFactory(roles=["owner"]),
        "staff elsewhere": staff_of(make_shop(), role="manager"),
        "stranger": UserFactory(roles=["owner"]),
        "visitor": None,
    }


def _seen(url: str, viewers: dict) -> set[str]:
    seen = set()
    for name, user in viewers.items():
        response = _get(user, url)
        assert response.status_code in (200, 404), (name, response.status_code)
        if response.status_code == 200:
            assert response["Content-Type"] == "image/jpeg" and b"".join(response.streaming_content)
            seen.add(name)
    return seen


def test_an_audit_photo_is_shown_to_qa_only(qa_user, qa_client, shop):
    audit = new_audit(qa_user, shop)
    photo = audits.audit_photo_add(audit_id=audit.pk, by=qa_user, upload=photo_upload(), item_code="lift_inspected")
    url = qa_client.get(f"qa/audits/{audit.pk}").json()["items"][0]["photos"][0]["url"]
    assert url == photo.image.url and url.startswith("/private-media/quality/audits/")

    assert _seen(url, _viewers(shop)) == {"qa"}
    assert _get(qa_user, url, bearer=True).status_code == 200


def test_an_action_photo_is_shown_to_qa_and_the_stores_staff(qa_user, shop):
    action = CorrectiveAction.objects.get(audit=failed_audit(qa_user, shop))
    actions.action_evidence_submit(action_id=action.pk, by=shop.manager, note="已整改", uploads=[photo_upload()])
    listed = Client(headers={"Authorization": f"Bearer {issue_token(shop.manager)}"}).get(
        f"/api/v1/partner/stores/{shop.pk}/corrective-actions"
    )
    url = listed.json()["items"][0]["photos"][0]["url"]
    assert url.startswith("/private-media/quality/actions/")

    assert _seen(url, _viewers(shop)) == {"qa", "manager", "technician"}
    assert _get(shop.manager, url, bearer=True).status_code == 200


def test_a_complaint_photo_is_shown_to_qa_its_owner_and_the_stores_staff(shop):
    booking = make_booking(store=shop)
    now = timezone.now()
    complaint = Complaint.objects.create(
        booking=booking,
        store=shop,
        owner=booking.owner,
        category="damage",
        description="车门刮花了",
        respond_by=now + dt.timedelta(hours=24),
        resolve_by=now + dt.timedelta(hours=72),
    )
    complaint_services.photo_add(complaint_id=complaint.pk, owner=booking.owner, upload=photo_upload())
    mine = Client(headers={"Authorization": f"Bearer {issue_token(booking.owner)}"}).get("/api/v1/me/complaints")
    url = mine.json()["items"][0]["photos"][0]["url"]
    assert url.startswith("/private-media/quality/complaints/")

    assert _seen(url, _viewers(shop, owner=booking.owner)) == {"qa", "manager", "technician", "owner"}


def test_a_missing_photo_or_a_path_outside_the_three_folders_is_404(qa_user):
    for path in ("audits/2025/01/nothing.jpg", "elsewhere/x.jpg", "../bookings/x.jpg"):
        assert _get(qa_user, f"/private-media/quality/{path}").status_code == 404
    assert Client().post("/private-media/quality/audits/x.jpg").status_code in (404, 405)
