"""Accounts API (API.md, Accounts): registration, tokens and login throttling, /me and vehicles."""

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuthToken, User, Vehicle
from tests.chefu.envelope import assert_error
from tests.conftest import ApiClient
from tests.factories import PASSWORD, UserFactory, VehicleFactory, register_through_api, sms_code_sent

STRONG_PASSWORD = "blue-kettle-sings-7"


def _login(api, phone, password, **extra):
    return api.post("auth/token", {"phone": phone, "password": password}, **extra)


# --- Registration ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_creates_an_owner_with_the_normalized_phone(api):
    # given the code sent to the phone
    assert api.post("auth/sms-code", {"phone": "+86 138-0013-8000", "purpose": "register"}).status_code == 202
    code = sms_code_sent("13800138000")

    # when
    payload = {"phone": "+86 138-0013-8000", "code": code, "password": STRONG_PASSWORD, "name": "王芳"}
    response = api.post("auth/register", payload)

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "phone", "name", "roles"}
    assert body["phone"] == "13800138000"
    assert body["name"] == "王芳"
    assert body["roles"] == ["owner"]
    user = User.objects.get(pk=body["id"])
    assert user.phone == "13800138000"
    assert user.roles == ["owner"]
    assert user.check_password(STRONG_PASSWORD)
    assert user.password != STRONG_PASSWORD
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.django_db
def test_registered_user_can_sign_in(api):
    register_through_api(api, phone="13800138000", password=STRONG_PASSWORD, name="王芳")

    response = _login(api, "13800138000", STRONG_PASSWORD)

    assert response.status_code == 200
    assert response.json()["user"]["phone"] == "13800138000"


@pytest.mark.django_db
def test_register_answers_409_phone_taken_for_the_same_number_in_another_format(api):
    # given
    assert register_through_api(api, phone="13800138000", password=STRONG_PASSWORD, name="王芳").status_code == 201

    # when
    payload = {"phone": "0086 138 0013 8000", "code": "123456", "password": STRONG_PASSWORD, "name": "李雷"}
    response = api.post("auth/register", payload)

    # then
    assert_error(response, 409, "phone_taken")
    assert User.objects.filter(phone="13800138000").count() == 1
    assert User.objects.get(phone="13800138000").name == "王芳"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "1380013800", "password": STRONG_PASSWORD, "name": "王芳"}, "phone"),
        ({"phone": "23800138000", "password": STRONG_PASSWORD, "name": "王芳"}, "phone"),
        ({"phone": "13800138000", "password": "12345678", "name": "王芳"}, "password"),  # numeric and common
        ({"phone": "13800138000", "password": "password", "name": "王芳"}, "password"),  # common
        ({"phone": "13800138000", "password": "k3ttl!", "name": "王芳"}, "password"),  # too short
        ({"phone": "13800138000", "password": " " * 12, "name": "王芳"}, "password"),  # only whitespace
        ({"phone": "13800138000", "password": "x13800138000", "name": "王芳"}, "password"),  # like the phone
        ({"phone": "13800138000", "password": "Lindqvist-Hamar", "name": "Lindqvist Hamar"}, "password"),  # the name
        ({"phone": "13800138000", "password": "", "name": "王芳"}, "password"),
        ({"phone": "13800138000", "password": STRONG_PASSWORD, "name": ""}, "name"),
        ({"phone": "13800138000", "password": STRONG_PASSWORD, "name": "   "}, "name"),
        ({"phone": "13800138000", "password": STRONG_PASSWORD, "name": "名" * 61}, "name"),
        ({"phone": "13800138000", "password": STRONG_PASSWORD}, "name"),
        ({"password": STRONG_PASSWORD, "name": "王芳"}, "phone"),
    ],
)
def test_register_refuses_invalid_input_with_422_and_writes_nothing(api, payload, field):
    # given: the rules are checked before the code (this one was never sent)
    users_before = User.objects.count()

    # when
    response = api.post("auth/register", {**payload, "code": "123456"})

    # then
    error = assert_error(response, 422, "validation_error")
    fields = error["details"]["fields"]
    assert field in fields
    assert all(isinstance(m, str) and m for m in fields[field])
    assert User.objects.count() == users_before


# --- Tokens ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_answers_the_token_and_the_user(api, owner):
    response = _login(api, owner.phone, PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    assert body["user"] == {"id": owner.id, "phone": owner.phone, "name": owner.name, "roles": ["owner"]}


@pytest.mark.django_db
def test_token_accepts_the_phone_with_a_country_prefix(api, owner):
    response = _login(api, f"+86 {owner.phone}", PASSWORD)

    assert response.status_code == 200
    assert response.json()["user"]["id"] == owner.id


@pytest.mark.django_db
def test_wrong_password_and_unknown_phone_answer_the_same_401(api, owner):
    wrong_password = _login(api, owner.phone, "not-the-password")
    unknown_phone = _login(api, "13999999999", PASSWORD)

    first = assert_error(wrong_password, 401, "invalid_credentials")
    second = assert_error(unknown_phone, 401, "invalid_credentials")
    # One answer for both, so the endpoint does not tell which phones have accounts.
    assert first == second
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_an_inactive_user_cannot_sign_in(api):
    user = UserFactory(is_active=False)

    assert_error(_login(api, user.phone, PASSWORD), 401, "invalid_credentials")


@pytest.mark.django_db
def test_only_a_digest_of_the_token_is_stored(api, owner):
    # when
    token = _login(api, owner.phone, PASSWORD).json()["token"]

    # then
    record = AuthToken.objects.get(user=owner)
    assert record.digest != token
    assert record.digest == hashlib.sha256(token.encode()).hexdigest()
    for field in AuthToken._meta.concrete_fields:
        assert token not in str(getattr(record, field.attname)), field.name


@pytest.mark.django_db
def test_me_answers_the_signed_in_user(api, owner):
    token = _login(api, owner.phone, PASSWORD).json()["token"]

    response = api.get("me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {
        "id": owner.id,
        "phone": owner.phone,
        "name": owner.name,
        "roles": ["owner"],
        "stores": [],
    }


@pytest.mark.django_db
def test_me_lists_the_stores_a_manager_works_at(make_client, manager, store):
    response = make_client(manager).get("me")

    assert response.status_code == 200
    body = response.json()
    assert body["stores"] == [{"id": store.id, "name": store.name, "role": "manager"}]
    assert "store_staff" in body["roles"]


@pytest.mark.django_db
def test_an_expired_token_is_refused(api, owner):
    # given
    token = _login(api, owner.phone, PASSWORD).json()["token"]
    now = timezone.now()
    AuthToken.objects.filter(user=owner).update(
        created_at=now - dt.timedelta(days=31), expires_at=now - dt.timedelta(seconds=1)
    )

    # when
    response = api.get("me", headers={"Authorization": f"Bearer {token}"})

    # then
    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_logout_revokes_only_the_token_it_was_called_with(api, owner):
    # given
    token = _login(api, owner.phone, PASSWORD).json()["token"]
    other_device = _login(api, owner.phone, PASSWORD).json()["token"]

    # when
    response = api.post("auth/logout", headers={"Authorization": f"Bearer {token}"})

    # then
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get("me", headers={"Authorization": f"Bearer {token}"}), 401, "not_authenticated")
    assert api.get("me", headers={"Authorization": f"Bearer {other_device}"}).status_code == 200


@pytest.mark.django_db
def test_logout_needs_a_token(api):
    assert_error(api.post("auth/logout"), 401, "not_authenticated")


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_is_refused(owner, owner_client):
    User.objects.filter(pk=owner.pk).update(is_active=False)

    assert_error(owner_client.get("me"), 401, "not_authenticated")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer " + "x" * 500},
        {"Authorization": "Token abc"},
    ],
)
def test_me_without_a_valid_token_is_401_in_the_envelope(api, headers):
    response = api.get("me", headers=headers)

    assert_error(response, 401, "not_authenticated")


# --- Login throttling ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_failures_for_one_phone_from_one_address_throttle_even_the_right_password(api, owner, settings):
    # given
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 3
    settings.LOGIN_THROTTLE_WINDOW_S = 600
    for _ in range(3):
        assert_error(_login(api, owner.phone, "wrong-password"), 401, "invalid_credentials")

    # when
    response = _login(api, owner.phone, PASSWORD)

    # then
    error = assert_error(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 600
    assert error["details"]["retry_after_s"] == retry_after
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_phone_throttle_counts_every_spelling_of_the_number(api, owner, settings):
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 2
    _login(api, owner.phone, "wrong-password")
    _login(api, f"+86 {owner.phone}", "wrong-password")

    assert_error(_login(api, f"0086{owner.phone}", PASSWORD), 429, "throttled")


@pytest.mark.django_db
def test_phone_throttle_does_not_lock_out_other_phones(api, owner, other_owner, settings):
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 2
    for _ in range(2):
        _login(api, owner.phone, "wrong-password")

    assert _login(api, other_owner.phone, PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_successful_login_resets_the_phone_counter_of_that_address(api, owner, settings):
    # given: two failures, a success, two failures again
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 3
    for _ in range(2):
        _login(api, owner.phone, "wrong-password")
    assert _login(api, owner.phone, PASSWORD).status_code == 200
    for _ in range(2):
        assert_error(_login(api, owner.phone, "wrong-password"), 401, "invalid_credentials")

    # when: without the reset this would be the 5th failure counted, over the limit of 3
    response = _login(api, owner.phone, PASSWORD)

    # then
    assert response.status_code == 200


@pytest.mark.django_db
def test_failures_from_one_address_throttle_it_across_phones(api, owner, settings):
    # given: one address guessing passwords for many phones
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 100
    settings.LOGIN_THROTTLE_MAX_PER_IP = 3
    for n in range(3):
        response = _login(api, f"1390000000{n}", "guess", REMOTE_ADDR="203.0.113.7")
        assert_error(response, 401, "invalid_credentials")

    # when
    same_address = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="203.0.113.7")
    other_address = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="198.51.100.1")

    # then
    assert_error(same_address, 429, "throttled")
    assert int(same_address["Retry-After"]) > 0
    assert other_address.status_code == 200


@pytest.mark.django_db
def test_a_client_cannot_dodge_the_address_throttle_with_x_forwarded_for(api, owner, settings):
    # No proxy is trusted by default, so the header the client sends is not its address.
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LOGIN_THROTTLE_MAX_PER_IP = 2
    for n in range(2):
        _login(api, f"1390000000{n}", "guess", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert_error(response, 429, "throttled")


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_it_saw_is_throttled(api, owner, settings):
    # The client may prepend anything to X-Forwarded-For; the entry our proxy appended is what counts.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_THROTTLE_MAX_PER_IP = 2
    for n in range(2):
        forwarded = f"10.0.0.{n}, 203.0.113.7"
        _login(api, f"1390000000{n}", "guess", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    spoofed = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    other_client = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert_error(spoofed, 429, "throttled")
    assert other_client.status_code == 200


@pytest.mark.django_db
def test_a_strangers_wrong_passwords_from_another_address_do_not_lock_the_owner_out(api, owner):
    # given a stranger who used up the tries for the owner's phone from their address (default limits)
    stranger = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(5):
        assert_error(_login(api, owner.phone, "guess-guess", **stranger), 401, "invalid_credentials")
    assert_error(_login(api, owner.phone, PASSWORD, **stranger), 429, "throttled")

    # when the owner signs in from their own address
    response = _login(api, owner.phone, PASSWORD, REMOTE_ADDR="198.51.100.1")

    # then
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_owners_success_does_not_forgive_the_phones_failures_from_elsewhere(api, owner, settings):
    # given a phone with 2 of its 3 failures (from every address together) used up elsewhere
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 3
    for n in range(2):
        _login(api, owner.phone, "guess-guess", REMOTE_ADDR=f"203.0.113.{n}")
    assert _login(api, owner.phone, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 200

    # when one more guess arrives from yet another address
    _login(api, owner.phone, "guess-guess", REMOTE_ADDR="203.0.113.9")

    # then the phone's password sign-in is closed everywhere (SMS codes stay open: test_sms_codes)
    assert_error(_login(api, owner.phone, PASSWORD, REMOTE_ADDR="198.51.100.1"), 429, "throttled")


@pytest.mark.django_db
def test_a_429_says_when_to_try_again_in_the_header_and_the_text(api, owner, settings):
    # given
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 1
    settings.LOGIN_THROTTLE_WINDOW_S = 900
    _login(api, owner.phone, "guess-guess")

    # when
    before = timezone.localtime()
    english = _login(api, owner.phone, PASSWORD, headers={"Accept-Language": "en"})
    chinese = _login(api, owner.phone, PASSWORD)

    # then (a slow machine may take a minute to get here: "15 minutes" holds down to 841 s)
    error = assert_error(english, 429, "throttled")
    retry_after = int(english["Retry-After"])
    assert 840 < retry_after <= 900
    assert error["details"]["retry_after_s"] == retry_after
    retry_at = dt.datetime.fromisoformat(error["details"]["retry_at"])
    assert abs((retry_at - before).total_seconds() - retry_after) < 60
    assert "Try again in 15 minutes (after " in error["message"]
    assert retry_at.strftime("%H:%M") in error["message"]
    assert "SMS code" in error["message"]
    # each answer names its own time (the two are a moment apart, maybe on either side of a minute)
    zh_error = assert_error(chinese, 429, "throttled")
    zh_retry_at = dt.datetime.fromisoformat(zh_error["details"]["retry_at"])
    zh = zh_error["message"]
    assert "15 分钟" in zh and zh_retry_at.strftime("%H:%M") in zh and "短信验证码" in zh


@pytest.mark.django_db
def test_logout_all_revokes_every_token_of_the_user(api, owner, other_owner):
    # given three devices of the owner and one of someone else
    tokens = [_login(api, owner.phone, PASSWORD).json()["token"] for _ in range(3)]
    someone_else = _login(api, other_owner.phone, PASSWORD).json()["token"]

    # when
    response = api.post("auth/logout", {"all": True}, headers={"Authorization": f"Bearer {tokens[0]}"})

    # then
    assert response.status_code == 204
    for token in tokens:
        assert_error(api.get("me", headers={"Authorization": f"Bearer {token}"}), 401, "not_authenticated")
    assert not AuthToken.objects.filter(user=owner, revoked_at__isnull=True).exists()
    assert api.get("me", headers={"Authorization": f"Bearer {someone_else}"}).status_code == 200


@pytest.mark.django_db
def test_logout_with_all_false_revokes_only_this_token(api, owner):
    token = _login(api, owner.phone, PASSWORD).json()["token"]
    other_device = _login(api, owner.phone, PASSWORD).json()["token"]

    assert api.post("auth/logout", {"all": False}, headers={"Authorization": f"Bearer {token}"}).status_code == 204

    assert_error(api.get("me", headers={"Authorization": f"Bearer {token}"}), 401, "not_authenticated")
    assert api.get("me", headers={"Authorization": f"Bearer {other_device}"}).status_code == 200


# --- Vehicles ----------------------------------------------------------------------------------------


def _vehicle(**overrides):
    return {"plate": "沪A12345", "make": "大众", "model": "朗逸", "year": 2019, "mileage_km": 42000, **overrides}


@pytest.mark.django_db
def test_add_vehicle_answers_201_with_the_normalized_plate(owner, owner_client):
    # when
    response = owner_client.post("me/vehicles", _vehicle(plate="沪a·12345"))

    # then
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "plate": "沪A12345",
        "make": "大众",
        "model": "朗逸",
        "year": 2019,
        "mileage_km": 42000,
        "vin": None,
        "tyre_size": None,
        "is_new_energy": False,
        "is_default": True,
    }
    vehicle = Vehicle.objects.get(pk=body["id"])
    assert vehicle.owner == owner
    assert vehicle.plate == "沪A12345"


@pytest.mark.django_db
def test_add_vehicle_recognizes_a_new_energy_plate_and_normalizes_vin_and_tyre(owner_client):
    response = owner_client.post(
        "me/vehicles", _vehicle(plate="沪AD12345", vin="lsvau2180n2183294", tyre_size="225/45zr17")
    )

    assert response.status_code == 201
    body = response.json()
    assert body["is_new_energy"] is True
    assert body["vin"] == "LSVAU2180N2183294"
    assert body["tyre_size"] == "225/45ZR17"


@pytest.mark.django_db
def test_add_vehicle_accepts_next_years_model(owner_client):
    next_year = timezone.localdate().year + 1

    assert owner_client.post("me/vehicles", _vehicle(year=next_year)).status_code == 201


@pytest.mark.django_db
def test_add_vehicle_answers_409_plate_taken_for_the_same_owner(owner, owner_client):
    # given
    owner_client.post("me/vehicles", _vehicle(plate="沪A12345"))

    # when
    response = owner_client.post("me/vehicles", _vehicle(plate="沪A 12345", make="丰田"))

    # then
    assert_error(response, 409, "plate_taken")
    assert Vehicle.objects.filter(owner=owner).count() == 1


@pytest.mark.django_db
def test_the_same_plate_may_belong_to_two_owners(owner_client, other_owner, make_client):
    # A car changes hands; the previous owner's record stays.
    owner_client.post("me/vehicles", _vehicle(plate="沪A12345"))

    response = make_client(other_owner).post("me/vehicles", _vehicle(plate="沪A12345"))

    assert response.status_code == 201
    assert Vehicle.objects.filter(plate="沪A12345").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"plate": "沪I12345"}, "plate"),
        ({"plate": "A12345"}, "plate"),
        ({"plate": ""}, "plate"),
        ({"vin": "LSVAU2180N218329"}, "vin"),
        ({"vin": "LSVAU2180N218329O"}, "vin"),
        ({"tyre_size": "205/55-16"}, "tyre_size"),
        ({"tyre_size": "205/55R30"}, "tyre_size"),
        ({"year": 1900}, "year"),
        ({"year": "next+2"}, "year"),
        ({"year": "twenty"}, "year"),
        ({"make": "  "}, "make"),
        ({"model": ""}, "model"),
        ({"mileage_km": -1}, "mileage_km"),
    ],
)
def test_add_vehicle_refuses_invalid_input_with_422_and_writes_nothing(owner_client, overrides, field):
    # given
    if overrides.get("year") == "next+2":
        overrides = {"year": timezone.localdate().year + 2}

    # when
    response = owner_client.post("me/vehicles", _vehicle(**overrides))

    # then
    error = assert_error(response, 422, "validation_error")
    assert field in error["details"]["fields"]
    assert not Vehicle.objects.exists()


@pytest.mark.django_db
def test_add_vehicle_reports_every_invalid_field_at_once(owner_client):
    response = owner_client.post("me/vehicles", _vehicle(plate="bad", vin="bad", tyre_size="bad", year=1900))

    error = assert_error(response, 422, "validation_error")
    assert set(error["details"]["fields"]) == {"plate", "vin", "tyre_size", "year"}


@pytest.mark.django_db
def test_vehicles_need_a_token(api):
    assert_error(api.post("me/vehicles", _vehicle()), 401, "not_authenticated")
    assert_error(api.get("me/vehicles"), 401, "not_authenticated")
    assert not Vehicle.objects.exists()


@pytest.mark.django_db
def test_list_vehicles_answers_only_mine(owner, owner_client, other_owner):
    # given
    mine = [VehicleFactory(owner=owner, plate=p) for p in ("沪A00001", "沪A00002")]
    VehicleFactory(owner=other_owner, plate="沪A00003")

    # when
    response = owner_client.get("me/vehicles")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [v["id"] for v in body["items"]] == [v.id for v in mine]
    assert [v["plate"] for v in body["items"]] == ["沪A00001", "沪A00002"]


@pytest.mark.django_db
def test_list_vehicles_pages_with_limit_and_offset(owner, owner_client):
    vehicles = [VehicleFactory(owner=owner) for _ in range(5)]

    response = owner_client.get("me/vehicles", {"limit": 2, "offset": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [v["id"] for v in body["items"]] == [v.id for v in vehicles[3:5]]
    past_the_end = owner_client.get("me/vehicles", {"offset": 10}).json()
    assert past_the_end == {"items": [], "count": 5}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 101}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")]
)
def test_list_vehicles_refuses_out_of_range_paging(owner_client, params, field):
    response = owner_client.get("me/vehicles", params)

    error = assert_error(response, 422, "validation_error")
    assert field in error["details"]["fields"]


@pytest.mark.django_db
def test_list_vehicles_runs_a_fixed_number_of_queries(owner, owner_client, django_assert_max_num_queries):
    # given: the token has been used once (its last_used_at touch is then skipped for a minute)
    assert owner_client.get("me/vehicles").status_code == 200
    VehicleFactory.create_batch(10, owner=owner)

    # when / then: token lookup, COUNT, one page
    with django_assert_max_num_queries(3):
        response = owner_client.get("me/vehicles", {"limit": 100})
    assert response.json()["count"] == 10


def test_the_back_office_login_shares_the_throttle(client, settings, owner):
    # given an account whose phone has used up its failures from this address through the API
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 2
    api = ApiClient()
    for _ in range(2):
        assert api.post("/api/v1/auth/token", {"phone": owner.phone, "password": "nope-nope"}).status_code == 401
    staff = UserFactory(roles=["admin"], is_staff=True, phone=owner.phone[:-1] + "9")
    # when someone tries the right password for that phone on Wagtail's login page
    owner.roles = [*owner.roles, "admin"]
    owner.is_staff = True
    owner.save(update_fields=["roles", "is_staff"])
    response = client.post("/admin/login/", {"username": owner.phone, "password": PASSWORD})
    # then it is refused like a wrong password, and no session is opened
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # while another account signs in there normally
    response = client.post("/admin/login/", {"username": staff.phone, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_without_a_body_revokes_this_token(api, owner):
    # A page's fetch() with no body sends no Content-Type: {all} is optional.
    token = _login(api, owner.phone, PASSWORD).json()["token"]
    other_device = _login(api, owner.phone, PASSWORD).json()["token"]

    response = Client().generic(
        "POST", "/api/v1/auth/logout", b"", content_type="", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 204
    assert_error(api.get("me", headers={"Authorization": f"Bearer {token}"}), 401, "not_authenticated")
    assert api.get("me", headers={"Authorization": f"Bearer {other_device}"}).status_code == 200


@pytest.mark.django_db
def test_logout_all_also_ends_the_users_sessions_on_the_pages(api, owner, other_owner):
    # given the owner signed in on a browser (session cookie), and someone else on another
    browser, other_browser = Client(), Client()
    browser.force_login(owner)
    other_browser.force_login(other_owner)
    assert browser.get("/api/v1/me").status_code == 200
    token = _login(api, owner.phone, PASSWORD).json()["token"]

    # when the owner signs out everywhere from the app
    assert api.post("auth/logout", {"all": True}, headers={"Authorization": f"Bearer {token}"}).status_code == 204

    # then the browser's session is over too, and nobody else's
    assert_error(browser.get("/api/v1/me"), 401, "not_authenticated")
    assert other_browser.get("/api/v1/me").status_code == 200
    # and signing in again works
    browser.force_login(User.objects.get(pk=owner.pk))
    assert browser.get("/api/v1/me").status_code == 200
