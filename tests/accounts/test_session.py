"""The pages' sign-in: Django's session cookie (HttpOnly, SameSite=Lax) for the API, under CSRF; bearer tokens stay
for API clients and need no CSRF token."""

import json

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Vehicle
from tests.chefu.envelope import assert_error
from tests.conftest import issue_token
from tests.factories import PASSWORD, UserFactory, sms_code_sent

pytestmark = pytest.mark.django_db

CAR = {"plate": "沪A12345", "make": "大众", "model": "朗逸", "year": 2019}


def _browser() -> Client:
    """A browser: Django's CSRF checks on, as for a real one (the test client skips them otherwise)."""
    return Client(enforce_csrf_checks=True)


def _csrf_token(client: Client) -> str:
    """Open a page, as a browser does before it signs in: the page sets the csrftoken cookie."""
    assert client.get("/me/bookings/").status_code == 200
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def _post(client: Client, path: str, data=None, **headers):
    body = json.dumps(data or {}, ensure_ascii=False)
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


def _sign_in(client: Client, user, password: str = PASSWORD):
    token = _csrf_token(client)
    return _post(client, "auth/session", {"phone": user.phone, "password": password}, **{"X-CSRFToken": token})


# --- the API with a session --------------------------------------------------------------------------------


def test_a_session_post_without_the_csrf_token_is_refused(owner):
    client = _browser()
    client.force_login(owner)

    assert_error(_post(client, "me/vehicles", CAR), 403, "csrf_failed")
    assert not Vehicle.objects.exists()


def test_a_session_post_with_the_csrf_token_goes_through(owner):
    client = _browser()
    client.force_login(owner)
    token = _csrf_token(client)

    response = _post(client, "me/vehicles", CAR, **{"X-CSRFToken": token})

    assert response.status_code == 201, response.content
    assert Vehicle.objects.get().owner == owner


def test_a_wrong_csrf_token_or_a_foreign_origin_is_refused(owner):
    client = _browser()
    client.force_login(owner)
    token = _csrf_token(client)

    assert_error(_post(client, "me/vehicles", CAR, **{"X-CSRFToken": "x" * 64}), 403, "csrf_failed")
    foreign = {"X-CSRFToken": token, "Origin": "https://evil.example"}
    assert_error(_post(client, "me/vehicles", CAR, **foreign), 403, "csrf_failed")
    assert not Vehicle.objects.exists()


def test_a_session_get_needs_no_csrf_token(owner):
    client = _browser()
    client.force_login(owner)

    response = client.get("/api/v1/me")

    assert response.status_code == 200 and response.json()["id"] == owner.pk


def test_a_bearer_request_needs_no_csrf_token(owner):
    client = _browser()

    response = _post(client, "me/vehicles", CAR, Authorization=f"Bearer {issue_token(owner)}")

    assert response.status_code == 201, response.content


def test_a_bad_bearer_token_is_401_even_beside_a_session(owner):
    client = _browser()
    client.force_login(owner)

    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401, "not_authenticated")


def test_no_session_and_no_token_is_401(api):
    assert_error(_browser().get("/api/v1/me"), 401, "not_authenticated")
    assert_error(_post(_browser(), "me/vehicles", CAR), 401, "not_authenticated")


# --- signing in and out on the pages ----------------------------------------------------------------------


def test_signing_in_sets_an_httponly_lax_session_cookie_and_rotates_the_csrf_token(owner):
    client = _browser()
    before = _csrf_token(client)

    response = _post(client, "auth/session", {"phone": owner.phone, "password": PASSWORD}, **{"X-CSRFToken": before})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"] == {"id": owner.pk, "phone": owner.phone, "name": owner.name, "roles": owner.roles}
    assert "token" not in body
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    csrf_cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["samesite"] == "Lax"
    assert body["csrf_token"] != before
    # the session now answers for the owner, and the new token is the one that works
    assert client.get("/api/v1/me").json()["id"] == owner.pk
    assert_error(_post(client, "me/vehicles", CAR, **{"X-CSRFToken": before}), 403, "csrf_failed")
    assert _post(client, "me/vehicles", CAR, **{"X-CSRFToken": body["csrf_token"]}).status_code == 201


def test_signing_in_needs_the_csrf_token(owner):
    client = _browser()
    _csrf_token(client)

    response = _post(client, "auth/session", {"phone": owner.phone, "password": PASSWORD})

    assert_error(response, 403, "csrf_failed")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_wrong_password_is_401_and_signs_nobody_in(owner):
    client = _browser()

    assert_error(_sign_in(client, owner, "wrong-password"), 401, "invalid_credentials")
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_signing_in_goes_through_the_login_throttle(owner, settings):
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 2
    client = _browser()
    for _ in range(2):
        assert_error(_sign_in(client, owner, "wrong-password"), 401, "invalid_credentials")

    # then even the right password waits
    error = assert_error(_sign_in(client, owner), 429, "throttled")
    assert error["details"]["retry_after_s"] > 0
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def _send_code(client: Client, user) -> None:
    response = _post(client, "auth/sms-code", {"phone": user.phone, "purpose": "login"})
    assert response.status_code == 202, response.content


def test_signing_in_with_an_sms_code(owner):
    # given a browser that asked for a sign-in code
    client = _browser()
    token = _csrf_token(client)
    _send_code(client, owner)

    # when
    response = _post(
        client, "auth/session", {"phone": owner.phone, "code": sms_code_sent(owner.phone)}, **{"X-CSRFToken": token}
    )

    # then the session is signed in, as with the password
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == owner.pk
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True
    assert client.get("/api/v1/me").json()["id"] == owner.pk


def test_a_wrong_sms_code_is_401_and_signs_nobody_in(owner):
    client = _browser()
    token = _csrf_token(client)
    _send_code(client, owner)
    wrong = f"{(int(sms_code_sent(owner.phone)) + 1) % 1_000_000:06d}"

    response = _post(client, "auth/session", {"phone": owner.phone, "code": wrong}, **{"X-CSRFToken": token})

    assert_error(response, 401, "invalid_credentials")
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_wrong_sms_codes_are_throttled_like_wrong_passwords(owner, settings):
    # given a browser that failed with codes until its limit for the phone
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 2
    client = _browser()
    token = _csrf_token(client)
    for _ in range(2):
        response = _post(client, "auth/session", {"phone": owner.phone, "code": "111111"}, **{"X-CSRFToken": token})
        assert_error(response, 401, "invalid_credentials")

    # when
    response = _post(client, "auth/session", {"phone": owner.phone, "code": "111111"}, **{"X-CSRFToken": token})

    # then
    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) == error["details"]["retry_after_s"] > 0
    assert "验证码错误次数过多" in error["message"]
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.parametrize("extra", [{}, {"password": PASSWORD, "code": "123456"}])
def test_signing_in_needs_exactly_one_of_password_and_code(owner, extra):
    client = _browser()
    token = _csrf_token(client)

    response = _post(client, "auth/session", {"phone": owner.phone, **extra}, **{"X-CSRFToken": token})

    assert_error(response, 422, "validation_error")


def test_an_sms_code_signs_the_page_in_while_its_password_sign_in_is_throttled(owner, settings):
    # given a phone whose password sign-in is closed (the 429 says: "or sign in with an SMS code")
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 2
    client = _browser()
    for _ in range(2):
        _sign_in(client, owner, "wrong-password")
    throttled = assert_error(_sign_in(client, owner), 429, "throttled")
    assert "短信验证码" in throttled["message"]

    # when the owner does so
    token = _csrf_token(client)
    _send_code(client, owner)
    response = _post(
        client, "auth/session", {"phone": owner.phone, "code": sms_code_sent(owner.phone)}, **{"X-CSRFToken": token}
    )

    # then
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/me").json()["id"] == owner.pk


def test_an_inactive_user_cannot_sign_in():
    user = UserFactory(roles=["owner"], is_active=False)

    assert_error(_sign_in(_browser(), user), 401, "invalid_credentials")


def test_signing_out_ends_the_session(owner):
    client = _browser()
    token = _sign_in(client, owner).json()["csrf_token"]

    assert_error(client.delete("/api/v1/auth/session"), 403, "csrf_failed")
    response = client.delete("/api/v1/auth/session", headers={"X-CSRFToken": token})

    assert response.status_code == 204
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_auth_logout_with_a_session_ends_it(owner):
    client = _browser()
    token = _sign_in(client, owner).json()["csrf_token"]

    assert _post(client, "auth/logout", **{"X-CSRFToken": token}).status_code == 204

    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_the_settings_keep_the_cookies_from_scripts_and_other_sites():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
