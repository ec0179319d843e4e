"""The accounts pages (cms/account_pages.py): sign up by SMS code into a signed-in session, sign in, my cars; and the
branded error pages and the favicon."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory, override_settings
from django.utils import timezone
from django.views.defaults import server_error

from accounts.models import User, Vehicle
from accounts.validators import PLATE_RE, vehicle_year_bounds
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory, VehicleFactory, sms_code_sent

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
PHONE = "13912345678"


def _code_for(api, phone: str = PHONE) -> str:
    assert api.post("auth/sms-code", {"phone": phone, "purpose": "register"}).status_code == 202
    return sms_code_sent(phone)


def _config(response, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode())
    assert found, f"the page renders no {name} block"
    return json.loads(found.group(1))


# --- sign up ----------------------------------------------------------------------------------------------------


def test_the_signup_page_is_a_form_in_chinese(client):
    response = client.get(SIGNUP, {"next": "/me/bookings/"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "注册" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/me/bookings/"' in html


def test_signing_up_with_the_code_signs_the_browser_in_and_goes_on_to_next(client, api):
    code = _code_for(api)

    response = client.post(SIGNUP, {"phone": PHONE, "code": code, "name": "王芳", "next": "/me/bookings/"})

    # then the owner exists, without a password (they sign in by code), and this browser is signed in as them
    assert response.status_code == 302
    assert response["Location"] == "/me/bookings/"
    user = User.objects.get(phone=PHONE)
    assert (user.name, user.roles, user.has_usable_password()) == ("王芳", ["owner"], False)
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["phone"] == PHONE


def test_signing_up_with_a_password_lets_the_owner_sign_in_with_it(client, api):
    code = _code_for(api)

    response = client.post(SIGNUP, {"phone": PHONE, "code": code, "name": "王芳", "password": "blue-kettle-sings-7"})

    assert response.status_code == 302
    assert response["Location"] == "/me/vehicles/"  # no next: on to add the car
    assert api.post("auth/token", {"phone": PHONE, "password": "blue-kettle-sings-7"}).status_code == 200


def test_a_wrong_code_is_said_by_its_field_and_creates_nobody(client, api):
    code = _code_for(api)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = client.post(SIGNUP, {"phone": PHONE, "code": wrong, "name": "王芳"})

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="code-error">验证码错误或已过期', html)
    assert 'value="王芳"' in html  # what was typed stays
    assert not User.objects.filter(phone=PHONE).exists()
    assert client.get("/api/v1/me").status_code == 401


def test_a_weak_password_is_said_by_its_field(client, api):
    code = _code_for(api)

    response = client.post(SIGNUP, {"phone": PHONE, "code": code, "name": "王芳", "password": "123"})

    assert response.status_code == 422
    assert 'id="password-error"' in response.content.decode()
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_taken_phone_offers_to_sign_in(client):
    UserFactory(phone=PHONE)

    response = client.post(SIGNUP, {"phone": PHONE, "code": "123456", "name": "王芳", "next": "/me/bookings/"})

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="phone-error">该手机号已注册。', html)
    assert 'href="/accounts/signin/?next=%2Fme%2Fbookings%2F"' in html
    assert User.objects.filter(phone=PHONE).count() == 1


def test_missing_fields_are_said_and_nothing_is_written(client):
    response = client.post(SIGNUP, {"phone": "", "code": "", "name": ""})

    assert response.status_code == 422
    assert 'id="phone-error"' in response.content.decode()
    assert User.objects.count() == 0


def test_too_many_attempts_say_how_long_to_wait(client, settings):
    settings.REGISTER_THROTTLE_MAX_PER_PHONE = 1
    client.post(SIGNUP, {"phone": PHONE, "code": "000000", "name": "王芳"})

    response = client.post(SIGNUP, {"phone": PHONE, "code": "000000", "name": "王芳"})

    assert response.status_code == 422
    assert re.search(r"注册尝试次数过多。请在 \d+ ?(分钟|秒|小时)", response.content.decode())


def test_next_off_the_site_is_not_followed(client, api):
    code = _code_for(api)

    response = client.post(SIGNUP, {"phone": PHONE, "code": code, "name": "王芳", "next": "https://evil.example/"})

    assert response["Location"] == "/me/vehicles/"


def test_a_signed_in_visitor_goes_straight_on(client):
    client.force_login(UserFactory())

    assert client.get(SIGNUP, {"next": "/me/bookings/"})["Location"] == "/me/bookings/"
    assert client.get("/accounts/signin/", {"next": "/me/bookings/"})["Location"] == "/me/bookings/"


# --- sign in ----------------------------------------------------------------------------------------------------


def test_the_signin_page_mounts_the_shared_signin_box_and_keeps_next(client):
    response = client.get("/accounts/signin/", {"next": "/me/bookings/"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="auth"' in html and 'data-next="/me/bookings/"' in html
    assert 'href="/accounts/signup/?next=%2Fme%2Fbookings%2F"' in html


def test_the_header_offers_sign_in_to_visitors_only(client):
    assert "登录/注册" in client.get("/me/bookings/").content.decode()

    client.force_login(UserFactory())
    assert "登录/注册" not in client.get("/me/bookings/").content.decode()


# --- my cars ----------------------------------------------------------------------------------------------------


def test_my_cars_sends_visitors_to_sign_in_first(client):
    response = client.get("/me/vehicles/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signin/?next=%2Fme%2Fvehicles%2F"


def test_my_cars_gives_its_script_the_servers_plate_rule_and_years(client):
    client.force_login(UserFactory())

    response = client.get("/me/vehicles/")

    assert response.status_code == 200
    first, last = vehicle_year_bounds(timezone.localdate())
    assert _config(response, "accounts-config") == {"plateRe": PLATE_RE, "years": {"min": first, "max": last}}
    assert f"{first} 至 {last} 年款" in response.content.decode()


def test_the_year_limits_the_page_shows_are_the_ones_the_api_enforces(make_client):
    owner = UserFactory()
    api = make_client(owner)
    first, last = vehicle_year_bounds(timezone.localdate())
    car = {"plate": "沪A12345", "make": "丰田", "model": "凯美瑞", "mileage_km": 0}

    too_new = api.post("me/vehicles", {**car, "year": last + 1})
    too_old = api.post("me/vehicles", {**car, "year": first - 1})

    for response in (too_new, too_old):
        error = assert_error(response, 422, "validation_error")
        assert error["details"]["fields"]["year"] == [f"请填写 {first} 到 {last} 之间的年份。"]
    assert not Vehicle.objects.filter(owner=owner).exists()
    assert api.post("me/vehicles", {**car, "year": last}).status_code == 201


def test_a_bad_plate_is_said_by_its_field_and_nothing_is_written(make_client):
    owner = UserFactory()
    car = {"plate": "沪I1234", "make": "丰田", "model": "凯美瑞", "year": 2020}

    response = make_client(owner).post("me/vehicles", car)

    error = assert_error(response, 422, "validation_error")
    assert list(error["details"]["fields"]) == ["plate"]
    assert not Vehicle.objects.filter(owner=owner).exists()


def test_my_cars_lists_only_the_owners_own(make_client):
    owner, other = UserFactory(), UserFactory()
    VehicleFactory(owner=other, plate="沪B54321")
    mine = VehicleFactory(owner=owner, plate="沪A12345")

    items = make_client(owner).get("me/vehicles").json()["items"]

    assert [v["id"] for v in items] == [mine.pk]


# --- error pages and favicon ------------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_a_missing_page_is_the_branded_404_not_djangos_debug_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "车服" in html and "没有找到这个页面" in html
    assert 'class="site-header"' in html
    for debug in ("Traceback", "Django tried these URL patterns", "DEBUG = True", "Page not found at"):
        assert debug not in html


@override_settings(DEBUG=False)
def test_the_500_page_is_branded_and_needs_no_request_context():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "车服" in html and "抱歉" in html and "Traceback" not in html


def test_favicon_ico_goes_to_the_svg(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")
