"""What an operation reads as its JSON body (chefu.api.ChefuParser): JSON only, of the type the operation reads,
with errors that name fields as clients know them and never quote a value whole."""

import copy
import json

import pytest
from django.test import Client

from accounts.models import AuthToken
from bookings.models import BookingStatus
from chefu.errors import MESSAGE_MAX_CHARS, ValidationFailed, application_error_response
from notifications.models import Message
from reviews import services as review_services
from reviews.models import QaFollowUp, QaFollowUpStatus
from stores.models import PartnerApplication
from stores.services import application_submit
from tests.chefu.envelope import assert_error
from tests.conftest import issue_token
from tests.payments.test_settlements import new_booking
from tests.reviews.conftest import RATINGS, done_booking
from tests.stores.conftest import APPLICATION

PHONE = "13912345555"
SMS_CODE_BODY = json.dumps({"phone": PHONE, "purpose": "register"})


def _send(method: str, path: str, body: str | bytes, *, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    kwargs.setdefault("content_type", "application/json")
    return getattr(client, method)(path, body, headers=headers | kwargs.pop("headers", {}), **kwargs)


# --- JSON only --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_on_another_site_cannot_have_its_visitors_ask_for_sms_codes():
    # A cross-site form or fetch() may send text/plain without a CORS preflight; only JSON makes the browser ask.
    response = _send(
        "post",
        "/api/v1/auth/sms-code",
        SMS_CODE_BODY,
        content_type="text/plain;charset=UTF-8",
        headers={"Origin": "https://evil.example"},
    )

    assert_error(response, 415, "unsupported_media_type")
    assert not Message.objects.filter(to=PHONE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx"],
)
def test_a_json_operation_refuses_a_body_of_another_type(content_type):
    response = _send("post", "/api/v1/auth/sms-code", SMS_CODE_BODY, content_type=content_type)

    assert_error(response, 415, "unsupported_media_type")
    assert not Message.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/x+json"]
)
def test_json_is_read_whatever_its_charset(content_type):
    response = _send("post", "/api/v1/auth/sms-code", SMS_CODE_BODY, content_type=content_type)

    assert response.status_code == 202, response.content
    assert Message.objects.filter(to=PHONE).exists()


@pytest.mark.django_db
def test_an_operation_without_a_body_may_still_be_called_without_one(owner):
    token = issue_token(owner)

    response = _send("post", "/api/v1/auth/logout", b"", token=token, content_type="text/plain")

    assert response.status_code == 204
    assert not AuthToken.objects.filter(user=owner, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_form_encoded_payment_notification_is_still_read():
    # No JSON body there: the provider posts a form, refused here for its signature, not for its media type.
    form = "application/x-www-form-urlencoded"

    response = _send("post", "/api/v1/payments/notify/sandbox", "out_trade_no=x&sign=y", content_type=form)

    assert response.status_code != 415
    assert response.status_code < 500


# --- Of the type the operation reads --------------------------------------------------------------------------------


def _refused_as_not_the_right_json(response, expected: str) -> None:
    error = assert_error(response, 422, "validation_error")
    assert error["details"]["fields"] == {"__all__": [f"请求体必须是 {expected}。"]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "1", "true"])
def test_cancel_is_not_run_on_a_body_that_is_not_an_object(body):
    booking = new_booking()

    response = _send("post", f"/api/v1/bookings/{booking.pk}/cancel", body, token=issue_token(booking.owner))

    _refused_as_not_the_right_json(response, "JSON 对象")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "null", "{}"])
def test_cancel_without_a_reason_still_cancels(body):
    booking = new_booking()

    response = _send("post", f"/api/v1/bookings/{booking.pk}/cancel", body, token=issue_token(booking.owner))

    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


@pytest.mark.django_db
def test_logout_is_not_run_on_an_array(owner):
    token = issue_token(owner)

    response = _send("post", "/api/v1/auth/logout", "[1, 2]", token=token)

    _refused_as_not_the_right_json(response, "JSON 对象")
    assert AuthToken.objects.filter(user=owner, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_application_is_not_approved_on_an_array(qa_user, owner):
    payload = copy.deepcopy(APPLICATION)
    application = application_submit(applicant=owner, timezone_name=payload.pop("timezone"), **payload)

    response = _send("post", f"/api/v1/qa/applications/{application.pk}/approve", "[1, 2]", token=issue_token(qa_user))

    _refused_as_not_the_right_json(response, "JSON 对象")
    assert PartnerApplication.objects.get(pk=application.pk).status == "submitted"


@pytest.mark.django_db
def test_a_follow_up_is_not_closed_on_a_string(qa_user):
    done = done_booking()
    review_services.review_create(
        booking_id=done.pk, owner=done.owner, ratings={k: 1 for k in RATINGS}, text="很差", tags=[]
    )
    follow_up = QaFollowUp.objects.get()

    response = _send("post", f"/api/v1/qa/review-follow-ups/{follow_up.pk}/close", '"x"', token=issue_token(qa_user))

    _refused_as_not_the_right_json(response, "JSON 对象")
    follow_up.refresh_from_db()
    assert follow_up.status == QaFollowUpStatus.OPEN


@pytest.mark.django_db
def test_the_booking_policy_is_not_set_from_a_string(store, manager):
    response = _send("put", f"/api/v1/partner/stores/{store.pk}/booking-policy", '"x"', token=issue_token(manager))

    _refused_as_not_the_right_json(response, "JSON 对象")


@pytest.mark.django_db
def test_an_array_is_not_read_as_a_registration(api):
    response = Client().post("/api/v1/auth/register", "[1, 2]", content_type="application/json")

    _refused_as_not_the_right_json(response, "JSON 对象")


@pytest.mark.django_db
@pytest.mark.parametrize("language, message", [("en", "The body must be a JSON object."), ("zh-hans", None)])
def test_the_refusal_speaks_the_requests_language(owner, language, message):
    response = _send(
        "post", "/api/v1/auth/logout", "[1]", token=issue_token(owner), headers={"Accept-Language": language}
    )

    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert fields["__all__"] == [message or "请求体必须是 JSON 对象。"]


@pytest.mark.django_db
def test_opening_hours_are_taken_as_a_list_or_in_their_field_but_not_as_a_string(store, manager):
    token = issue_token(manager)
    url = f"/api/v1/partner/stores/{store.pk}/opening-hours"
    hours = [{"weekday": 0, "opens": "09:00", "closes": "18:00"}]

    as_list = _send("put", url, json.dumps(hours), token=token)
    in_field = _send("put", url, json.dumps({"opening_hours": hours}), token=token)
    as_string = _send("put", url, '"x"', token=token)

    assert as_list.status_code == in_field.status_code == 200, (as_list.content, in_field.content)
    assert as_list.json()["opening_hours"] == hours
    _refused_as_not_the_right_json(as_string, "JSON 数组或对象")


# --- Field names as clients know them -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_field_names_do_not_carry_the_types_pydantic_tried(store, manager):
    body = json.dumps([{"weekday": 9, "opens": "8", "closes": "x"}])

    response = _send("put", f"/api/v1/partner/stores/{store.pk}/opening-hours", body, token=issue_token(manager))

    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert set(fields) == {"0.weekday", "0.opens", "0.closes", "opening_hours"}


# --- Values are never quoted whole ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_huge_category_is_refused_without_being_quoted(owner):
    body = json.dumps({**APPLICATION, "categories": ["x" * 200_000]})

    response = _send("post", "/api/v1/partner/applications", body, token=issue_token(owner))

    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert list(fields) == ["categories.0"]
    assert len(response.content) < 1000
    assert not PartnerApplication.objects.exists()


@pytest.mark.django_db
def test_many_unknown_categories_are_named_in_a_short_message(owner):
    unknown = [f"unknown-category-{n}" for n in range(500)]
    body = json.dumps({**APPLICATION, "categories": unknown})

    response = _send("post", "/api/v1/partner/applications", body, token=issue_token(owner))

    message = assert_error(response, 422, "validation_error")["details"]["fields"]["categories"][0]
    assert message.startswith("未知服务类别：unknown-category-0")
    assert len(message) == MESSAGE_MAX_CHARS and message.endswith("…")


@pytest.mark.django_db
def test_a_huge_review_tag_is_refused_without_being_quoted():
    done = done_booking()
    body = json.dumps({"ratings": RATINGS, "text": "", "tags": ["x" * 200_000]})

    response = _send("post", f"/api/v1/bookings/{done.pk}/review", body, token=issue_token(done.owner))

    fields = assert_error(response, 422, "validation_error")["details"]["fields"]
    assert list(fields) == ["tags.0"]
    assert len(response.content) < 1000


def test_every_message_of_an_answer_is_cut_short():
    error = ValidationFailed({"name": ["x" * 10_000, "short"]}, message="y" * 10_000)

    body = json.loads(application_error_response(error).content)["error"]

    assert body["message"] == "y" * (MESSAGE_MAX_CHARS - 1) + "…"
    assert body["details"]["fields"]["name"] == ["x" * (MESSAGE_MAX_CHARS - 1) + "…", "short"]
