"""Complaints: who may file, when, once per category; photos; the store's answer; QA's resolution with a refund
through payments; the lists and their SLA clocks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from chefu.errors import NotFound, PermissionDenied, ValidationFailed
from notifications.models import Message
from payments.models import Refund, RefundStatus
from payments.reconciliation import mismatches
from quality.complaints import services
from quality.complaints.exceptions import ComplaintExists, ComplaintNotAllowed
from quality.models import Complaint, ComplaintEvent, ComplaintPhoto
from tests.bookings.conftest import manager_of
from tests.bookings.floor_fixtures import staff_of
from tests.conftest import ApiClient, error_code, issue_token
from tests.factories import UserFactory
from tests.payments.paying import pay
from tests.payments.test_settlements import complete, execute_refunds, new_booking
from tests.uploads import image_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def done() -> Booking:
    """A completed booking the owner paid ¥299.00 for, at a store with a manager."""
    booking = new_booking()
    manager_of(booking.store)
    pay(booking)
    return complete(booking)


def client_of(user) -> ApiClient:
    return ApiClient(issue_token(user))


def file(booking: Booking, category: str = "workmanship", **kw) -> Complaint:
    return services.complaint_file(
        booking_id=booking.pk, owner=booking.owner, category=category, description="机油标号不对", **kw
    )


# --- filing -------------------------------------------------------------------------------------------------------


def test_the_owner_files_on_a_completed_booking_and_both_sides_are_told(done):
    response = client_of(done.owner).post(
        f"bookings/{done.pk}/complaints", {"category": "parts_mismatch", "description": "说好的全合成，换的是半合成"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["status"] == "open" and body["id"] == complaint.pk
    assert complaint.respond_by - complaint.created_at == dt.timedelta(hours=24)
    assert complaint.resolve_by - complaint.created_at == dt.timedelta(hours=72)
    assert list(complaint.events.values_list("kind", "by_role")) == [("filed", "owner")]
    told = set(Message.objects.filter(template__startswith="complaint_").values_list("template", "recipient_id"))
    manager = done.store.memberships.get().user_id
    assert ("complaint_filed", done.owner_id) in told and ("complaint_received", manager) in told


def test_someone_elses_booking_is_not_found_and_bad_input_is_422_with_nothing_written(done):
    stranger = client_of(UserFactory(roles=["owner"]))
    assert stranger.post(f"bookings/{done.pk}/complaints", {"category": "other", "description": "x"}).status_code == 404
    owner = client_of(done.owner)
    for body in ({"category": "rude", "description": "x"}, {"category": "other", "description": ""}):
        response = owner.post(f"bookings/{done.pk}/complaints", body)
        assert response.status_code == 422 and error_code(response) == "validation_error"
    with pytest.raises(ValidationFailed):
        services.complaint_file(booking_id=done.pk, owner=done.owner, category="other", description="  ")
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()


def test_one_open_complaint_per_booking_and_category(done):
    file(done)
    with pytest.raises(ComplaintExists):
        file(done)
    response = client_of(done.owner).post(
        f"bookings/{done.pk}/complaints", {"category": "workmanship", "description": "again"}
    )
    assert response.status_code == 409 and error_code(response) == "complaint_exists"
    file(done, category="damage")  # another category is another complaint
    assert Complaint.objects.count() == 2


def test_within_30_days_of_completion_only(done):
    with pytest.raises(ComplaintNotAllowed) as refused:
        file(done, now=timezone.now() + dt.timedelta(days=31))
    assert refused.value.details["reason"] == "window_closed"
    file(done, now=timezone.now() + dt.timedelta(days=29))


def test_not_on_a_booking_still_ahead_nor_one_the_owner_cancelled():
    booking = new_booking()
    pay(booking)
    response = client_of(booking.owner).post(
        f"bookings/{booking.pk}/complaints", {"category": "other", "description": "x"}
    )
    assert response.status_code == 409 and error_code(response) == "complaint_not_allowed"
    assert response.json()["error"]["details"]["reason"] == "not_ended"
    booking_services.booking_cancel(booking_id=booking.pk, by=booking.owner, reason="改期")
    with pytest.raises(ComplaintNotAllowed) as refused:
        file(booking)
    assert refused.value.details["reason"] == "cancelled_by_owner"
    assert not Complaint.objects.exists()


def test_a_store_cancellation_may_be_complained_about():
    booking = new_booking()
    pay(booking)
    booking_services.booking_cancel(booking_id=booking.pk, by=None, reason="技师请假", by_store=True)
    assert file(booking, category="conduct").status == "open"


def test_a_job_not_started_30_minutes_after_its_start_is_the_stores_no_show():
    booking = new_booking()
    pay(booking)
    booking.refresh_from_db()
    early = booking.start + dt.timedelta(minutes=29)
    with pytest.raises(ComplaintNotAllowed) as refused:
        file(booking, category="no_show", now=early)
    assert refused.value.details["reason"] == "not_ended"
    late = booking.start + dt.timedelta(minutes=31)
    with pytest.raises(ComplaintNotAllowed) as refused:
        file(booking, category="workmanship", now=late)
    assert refused.value.details["reason"] == "category_not_allowed"
    assert file(booking, category="no_show", now=late).category == "no_show"


# --- photos -------------------------------------------------------------------------------------------------------


def test_up_to_six_photos_by_the_owner_only(done):
    complaint = file(done, category="damage")
    owner = client_of(done.owner)
    auth = {"Authorization": f"Bearer {owner.token}"}
    for n in range(6):
        path = (
            f"/api/v1/complaints/{complaint.pk}/photos"
            if n % 2
            else f"/api/v1/bookings/{done.pk}/complaints/{complaint.pk}/photos"
        )
        response = owner._client.post(path, {"photo": image_upload()}, headers=auth)
        assert response.status_code == 201, response.json()
    seventh = owner._client.post(f"/api/v1/complaints/{complaint.pk}/photos", {"photo": image_upload()}, headers=auth)
    assert seventh.status_code == 422 and ComplaintPhoto.objects.count() == 6
    stranger = UserFactory(roles=["owner"])
    with pytest.raises(NotFound):
        services.photo_add(complaint_id=complaint.pk, owner=stranger, upload=image_upload())
    with pytest.raises(NotFound):
        services.photo_add(
            complaint_id=complaint.pk, owner=done.owner, upload=image_upload(), booking_id=done.pk + 1000
        )
    not_image = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    assert (
        owner._client.post(f"/api/v1/complaints/{complaint.pk}/photos", {"photo": not_image}, headers=auth).status_code
        == 422
    )


# --- the store's answer and the lists -----------------------------------------------------------------------------


def test_the_store_answers_once_and_the_owner_sees_it(done):
    complaint = file(done)
    staff = client_of(staff_of(done.store))
    other_store_staff = client_of(staff_of(new_booking().store))
    assert other_store_staff.post(f"partner/complaints/{complaint.pk}/respond", {"text": "?"}).status_code == 404
    assert other_store_staff.get(f"partner/stores/{done.store_id}/complaints").status_code == 404
    answered = staff.post(f"partner/complaints/{complaint.pk}/respond", {"text": "已联系车主，免费重新更换"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    again = staff.post(f"partner/complaints/{complaint.pk}/respond", {"text": "再说一句"})
    assert again.status_code == 409 and error_code(again) == "complaint_answered"
    assert Message.objects.filter(template="complaint_answered", recipient=done.owner).exists()

    mine = client_of(done.owner).get("me/complaints").json()
    assert mine["count"] == 1 and mine["items"][0]["store_response"] == "已联系车主，免费重新更换"
    listed = staff.get(f"partner/stores/{done.store_id}/complaints", {"status": "answered"}).json()
    assert [c["id"] for c in listed["items"]] == [complaint.pk]
    assert client_of(UserFactory(roles=["owner"])).get("me/complaints").json()["count"] == 0


def test_qa_sees_the_queue_with_its_clocks_and_the_trail(done, qa_user):
    complaint = file(done, now=timezone.now() - dt.timedelta(hours=30))  # the store's 24 h have passed
    qa = client_of(qa_user)
    assert client_of(done.owner).get("qa/complaints").status_code == 403
    [item] = qa.get("qa/complaints", {"store_id": done.store_id}).json()["items"]
    assert item["respond_overdue"] is True and item["resolve_overdue"] is False and item["escalated"] is False
    assert qa.get("qa/complaints", {"overdue": "false"}).json()["count"] == 0
    detail = qa.get(f"qa/complaints/{complaint.pk}").json()
    assert [e["kind"] for e in detail["events"]] == ["filed"]
    assert qa.get("qa/complaints/999999").status_code == 404


# --- QA's resolution ----------------------------------------------------------------------------------------------


def test_upheld_with_a_refund_pays_the_owner_back_through_payments(done, qa_user):
    complaint = file(done)
    qa = client_of(qa_user)
    body = {"outcome": "upheld", "resolution": "门店承认用错机油", "refund_amount": "100.00", "penalty_points": 3}
    response = qa.post(f"qa/complaints/{complaint.pk}/resolve", body)
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["refund_amount"]) == ("resolved", "100.00")
    [refund] = Refund.objects.filter(booking=done)
    assert (refund.amount, refund.cause) == (Decimal("100.00"), f"complaint:{complaint.pk}")
    execute_refunds(done)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert mismatches() == []
    complaint.refresh_from_db()
    assert (complaint.outcome, complaint.penalty_points, complaint.resolved_by) == ("upheld", 3, qa_user)
    assert [e.kind for e in complaint.events.all()] == ["filed", "refund", "resolved"]
    told = set(Message.objects.filter(template="complaint_resolved").values_list("recipient_id", flat=True))
    assert told == {done.owner_id, done.store.memberships.get().user_id}

    again = qa.post(f"qa/complaints/{complaint.pk}/resolve", {"outcome": "rejected", "resolution": "再处理"})
    assert again.status_code == 409 and error_code(again) == "complaint_resolved"
    file(done)  # once resolved, the owner may complain of the same again


@pytest.mark.parametrize(
    "extra",
    [
        {"outcome": "rejected", "refund_amount": "1.00"},
        {"outcome": "rejected", "penalty_points": 2},
        {"outcome": "upheld", "refund_amount": "299.01"},
        {"outcome": "upheld", "rework": True},
    ],
)
def test_a_refused_resolution_writes_nothing(done, qa_user, extra):
    complaint = file(done)
    response = client_of(qa_user).post(f"qa/complaints/{complaint.pk}/resolve", {"resolution": "处理意见", **extra})
    assert response.status_code == 422, response.json()
    complaint.refresh_from_db()
    assert complaint.status == "open" and complaint.events.count() == 1
    assert not Refund.objects.filter(booking=done).exists()


def test_only_qa_resolves(done):
    complaint = file(done)
    with pytest.raises(PermissionDenied):
        services.complaint_resolve(complaint_id=complaint.pk, by=done.owner, outcome="rejected", resolution="no")
    staff = client_of(staff_of(done.store))
    assert (
        staff.post(f"qa/complaints/{complaint.pk}/resolve", {"outcome": "rejected", "resolution": "no"}).status_code
        == 403
    )


def test_rejected_needs_no_remedy_and_the_store_cannot_answer_after(done, qa_user):
    complaint = file(done)
    services.complaint_resolve(complaint_id=complaint.pk, by=qa_user, outcome="rejected", resolution="证据不足")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.refund_amount) == ("resolved", "rejected", Decimal("0.00"))
    staff = client_of(staff_of(done.store))
    late = staff.post(f"partner/complaints/{complaint.pk}/respond", {"text": "补充说明"})
    assert late.status_code == 409 and error_code(late) == "complaint_resolved"
