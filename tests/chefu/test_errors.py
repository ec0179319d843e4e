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
from tests.conftest import issue_token
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
    # Refused as a whole: an array is not an object missing every field (issue 11, third round).
    assert list(error["details"]["fields"]) == ["__all__"]


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


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_a_database_that_cannot_be_reached_is_503_try_again(monkeypatch, caplog, store, error):
    """The connection refused or lost mid-request (PostgreSQL restarting): 503, the request can be sent again."""
    import django.db

    from stores import selectors

    def unreachable(**kwargs):
        raise getattr(django.db, error)("could not connect to server: Connection refused")

    monkeypatch.setattr(selectors, "store_get_public", unreachable)
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get(f"/api/v1/stores/{store.id}")
    assert assert_error(response, 503, "service_unavailable")["details"] == {}
    assert "Connection refused" not in response.content.decode()
    assert any(r.exc_info and r.exc_info[0].__name__ == error for r in caplog.records)


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


# --- Unknown paths, bad hosts and the language of every answer ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/bookings/abc/cancel"])
def test_an_unknown_path_is_404_for_every_method_not_a_csrf_refusal(owner, method, path):
    # A browser's CSRF check (enforced here as in production) has nothing to protect on a path that does nothing.
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(
        path, "{}", content_type="application/json", headers={"Authorization": f"Bearer {issue_token(owner)}"}
    )

    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_is_refused_in_the_envelope_under_api():
    response = Client().get("/api/v1/health", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")

    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "The request could not be processed."
    # The headers the other middleware set on Django's answer stay on ours.
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_is_still_django_s_page_elsewhere():
    response = Client().get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


def test_the_envelope_keeps_the_headers_and_cookies_of_the_answer_it_wraps():
    from django.http import HttpResponseNotAllowed

    def answer(request):
        response = HttpResponseNotAllowed(["GET"], content=b"Method not allowed")
        response["Vary"] = "Accept-Language"
        response.set_cookie("csrftoken", "abc")
        # Headers about the body it replaces must not describe the envelope.
        response["Content-Encoding"] = "gzip"
        response["Content-Disposition"] = 'attachment; filename="x.txt"'
        response["ETag"] = '"abc"'
        return response

    response = ApiErrorEnvelopeMiddleware(answer)(RequestFactory().post("/api/v1/anything"))

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET" and response["Vary"] == "Accept-Language"
    assert response.cookies["csrftoken"].value == "abc"
    assert not {"Content-Encoding", "Content-Disposition", "ETag"} & set(response.headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "zh-hans",
            {
                "not_authenticated": "未登录或登录凭证无效。",
                "not_found": "未找到。",
                "method_not_allowed": "不允许对此地址使用该请求方法。",
                "unsupported_media_type": "请以 JSON 发送请求体（Content-Type: application/json）。",
                "bad_request": "请求体不是有效的 JSON。",
            },
        ),
        (
            "en",
            {
                "not_authenticated": "Authentication credentials were not provided or are not valid.",
                "not_found": "Not found.",
                "method_not_allowed": "This method is not allowed here.",
                "unsupported_media_type": "Send the body as JSON (Content-Type: application/json).",
                "bad_request": "The request body is not valid JSON.",
            },
        ),
    ],
)
def test_answers_without_a_message_of_their_own_speak_the_requests_language(language, messages):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    json_body = {"content_type": "application/json"}

    answers = {
        "not_authenticated": client.get("/api/v1/me"),
        "not_found": client.get("/api/v1/nope"),
        "method_not_allowed": client.delete("/api/v1/auth/token"),
        "unsupported_media_type": client.post("/api/v1/auth/token", "{}", content_type="text/plain"),
        "bad_request": client.post("/api/v1/auth/token", "{", **json_body),
    }

    for code, response in answers.items():
        assert assert_error(response, response.status_code, code)["message"] == messages[code]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_envelope_of_a_bare_status_is_in_the_active_language(language):
    from chefu.errors import envelope

    with translation.override(language):
        forbidden, teapot, broken = envelope(403), envelope(418), envelope(502)

    assert forbidden["error"]["code"] == "permission_denied"
    assert teapot["error"]["code"] == "bad_request" and broken["error"]["code"] == "internal_error"
    chinese = language == "zh-hans"
    assert forbidden["error"]["message"] == ("您无权执行此操作。" if chinese else "You are not allowed to do this.")
    assert teapot["error"]["message"] == ("无法处理该请求。" if chinese else "The request could not be processed.")
    assert "Forbidden" not in forbidden["error"]["message"]
