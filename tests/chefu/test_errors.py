"""Every 4xx/5xx under /api/v1 carries the envelope of API.md, whoever raised it."""

import json
import logging

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from chefu.errors import (
    ApiErrorEnvelopeMiddleware,
    ApplicationError,
    Conflict,
    NotFound,
    Throttled,
    application_error_response,
)
from tests.chefu.envelope import assert_error
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_query_parameter_type_error_is_422_with_the_field(api):
    response = api.get("/api/v1/stores/nearby?lat=abc&lng=1")

    error = assert_error(response, 422, "validation_error")
    assert list(error["details"]["fields"]) == ["lat"]
    assert all(isinstance(m, str) for m in error["details"]["fields"]["lat"])


@pytest.mark.django_db
def test_query_parameter_out_of_range_is_422_with_the_field(api):
    response = api.get("/api/v1/stores/nearby?lat=91&lng=181")

    error = assert_error(response, 422, "validation_error")
    assert set(error["details"]["fields"]) == {"lat", "lng"}


@pytest.mark.django_db
def test_body_field_errors_are_named_without_the_handler_parameter(api):
    response = api.post("auth/register", {"phone": "13800138000", "code": "123456", "password": "blue-kettle-sings-7"})

    error = assert_error(response, 422, "validation_error")
    # The ninja location is ("body", "payload", "name"): clients see just the field.
    assert list(error["details"]["fields"]) == ["name"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"phone": "13800138000",', "not json", "\xff"])
def test_malformed_json_is_400_in_the_envelope(body):
    response = Client().post("/api/v1/auth/register", body, content_type="application/json")

    assert_error(response, 400, "bad_request")


@pytest.mark.django_db
def test_json_that_is_not_an_object_is_422(api):
    response = Client().post("/api/v1/auth/register", "[1, 2]", content_type="application/json")

    error = assert_error(response, 422, "validation_error")
    assert {"phone", "password", "name"} <= set(error["details"]["fields"])


@pytest.mark.django_db
def test_missing_token_is_401_with_a_bearer_challenge(api):
    response = api.get("me")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_wrong_role_is_403(owner, make_client):
    response = make_client(owner).get("qa/applications")

    assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/nope/", "/api/v1/", "/api/v1", "/api/v2/stores/nearby"])
def test_unknown_paths_under_api_are_404_in_the_envelope(path):
    # Not a 301 to the slashed path (APPEND_SLASH), and not the CMS's HTML 404.
    response = Client().get(path)

    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_unknown_path_is_404_for_a_post_too():
    response = Client().post("/api/v1/nope", "{}", content_type="application/json")

    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_unknown_object_is_404(api):
    assert_error(api.get("/api/v1/stores/999999"), 404, "not_found")


@pytest.mark.django_db
def test_wrong_method_is_405_method_not_allowed(api):
    response = api.delete("/api/v1/auth/token")

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_throttled_login_is_429_with_retry_after(api, owner, settings):
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 1
    api.post("auth/token", {"phone": owner.phone, "password": "wrong-password"})

    response = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD})

    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) == error["details"]["retry_after_s"] > 0


@pytest.mark.django_db
def test_an_unexpected_error_is_500_without_internals(monkeypatch, caplog, store):
    # given: the selector the handler calls (looked up as ``selectors.store_get_public``) breaks
    from stores import selectors

    def broken(**kwargs):
        raise RuntimeError("password=hunter2 in /srv/chefu/stores/selectors.py")

    monkeypatch.setattr(selectors, "store_get_public", broken)
    client = Client(raise_request_exception=False)

    # when
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/api/v1/stores/{store.id}")

    # then: the client gets the envelope and nothing else...
    error = assert_error(response, 500, "internal_error")
    body = response.content.decode()
    for leak in ("Traceback", "RuntimeError", "hunter2", "selectors.py"):
        assert leak not in body
    assert error["details"] == {}
    # ...while the log keeps the traceback for the operators.
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


# --- The middleware for answers that do not come from the NinjaAPI handlers -----------------------------


def test_middleware_wraps_a_plain_error_answer_under_api():
    from django.http import HttpResponseNotFound

    middleware = ApiErrorEnvelopeMiddleware(lambda request: HttpResponseNotFound("<h1>Not Found</h1>"))

    response = middleware(RequestFactory().get("/api/v1/anything"))

    assert_error(response, 404, "not_found")


def test_middleware_leaves_other_paths_alone():
    from django.http import HttpResponseNotFound

    middleware = ApiErrorEnvelopeMiddleware(lambda request: HttpResponseNotFound("<h1>Not Found</h1>"))

    response = middleware(RequestFactory().get("/shops/"))

    assert response.content == b"<h1>Not Found</h1>"


def test_middleware_renders_application_errors_and_hides_unexpected_ones():
    middleware = ApiErrorEnvelopeMiddleware(lambda request: None)
    request = RequestFactory().get("/api/v1/anything")

    assert_error(middleware.process_exception(request, NotFound()), 404, "not_found")
    assert_error(middleware.process_exception(request, RuntimeError("boom")), 500, "internal_error")


def test_middleware_lets_django_answer_its_own_http_exceptions():
    # Django turns these into 404/403/400 answers, which the middleware then wraps; they are not 500s.
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    middleware = ApiErrorEnvelopeMiddleware(lambda request: None)
    request = RequestFactory().get("/api/v1/anything")

    assert middleware.process_exception(request, Http404()) is None
    assert middleware.process_exception(request, PermissionDenied()) is None


def test_messages_are_chinese_by_default_and_english_on_request(api, db):
    # given a request without Accept-Language: the platform speaks zh-hans
    default = api.post("/api/v1/auth/token", {"phone": "13800000009", "password": "wrong-password"})
    # when the client asks for English
    english = api.post(
        "/api/v1/auth/token",
        {"phone": "13800000009", "password": "wrong-password"},
        headers={"Accept-Language": "en"},
    )
    # then the code is the same and the message follows the language
    assert default.json()["error"]["code"] == english.json()["error"]["code"] == "invalid_credentials"
    assert default.json()["error"]["message"] == "手机号或密码错误。"
    assert english.json()["error"]["message"] == "Wrong phone number or password."


def test_a_translatable_message_stays_one_message():
    from django.utils.translation import gettext_lazy

    from chefu.errors import ValidationFailed

    with translation.override("en"):
        error = ValidationFailed({"field": gettext_lazy("Not found.")})
    assert error.details["fields"] == {"field": ["Not found."]}


class _Busy(Conflict):
    code = "busy"
    retry_after_s = 7


@pytest.mark.parametrize(
    "error, retry_after",
    [
        (Conflict(), None),
        (_Busy(), 7),  # said by the class
        (_Busy(retry_after_s=3), 3),  # said by the one raising it
        (ApplicationError(retry_after_s=0), 0),
        (Throttled(42), 42),
    ],
)
def test_an_error_that_says_when_to_retry_carries_retry_after(error, retry_after):
    response = application_error_response(error)

    details = json.loads(response.content)["error"]["details"]
    if retry_after is None:
        assert "Retry-After" not in response and "retry_after_s" not in details
    else:
        assert response["Retry-After"] == str(retry_after) and details["retry_after_s"] == retry_after
