"""Per-address limits count an IPv6 client by its /64 (accounts.throttling.address_bucket): every address of a
subscriber's network is one address to the sign-in, registration and SMS-code limits."""

import pytest

from accounts.throttling import address_bucket
from tests.chefu.envelope import assert_error
from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("ip", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:0DB8:0001:0002::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1%eth0", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"),
        ("unknown", "unknown"),
        ("internal", "internal"),
    ],
)
def test_an_ipv6_address_counts_as_its_64_and_an_ipv4_one_as_itself(ip, bucket):
    assert address_bucket(ip) == bucket


def _in_one_64(n: int) -> dict:
    return {"REMOTE_ADDR": f"2001:db8:1:2:{n:x}:{n:x}:{n:x}:{n:x}"}


OTHER_64 = {"REMOTE_ADDR": "2001:db8:1:3::1"}


@pytest.mark.django_db
def test_rotating_through_a_64_does_not_buy_fresh_password_tries(api, owner, settings):
    # given three failures for the phone, each from another address of one /64
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 3
    for n in range(3):
        response = api.post("auth/token", {"phone": owner.phone, "password": "guess-guess"}, **_in_one_64(n))
        assert_error(response, 401, "invalid_credentials")

    # when a fourth address of it tries, and an address of the next /64
    same = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}, **_in_one_64(99))
    other = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}, **OTHER_64)

    # then
    assert_error(same, 429, "throttled")
    assert other.status_code == 200


@pytest.mark.django_db
def test_rotating_through_a_64_does_not_buy_fresh_code_tries(api, owner, settings):
    settings.LOGIN_CODE_THROTTLE_MAX_PER_IP = 2
    for n in range(2):
        api.post("auth/token", {"phone": f"1390000000{n}", "code": "111111"}, **_in_one_64(n))

    response = api.post("auth/token", {"phone": owner.phone, "code": "111111"}, **_in_one_64(7))

    assert_error(response, 429, "throttled")


@pytest.mark.django_db
def test_rotating_through_a_64_does_not_buy_fresh_registrations(api, settings):
    settings.REGISTER_THROTTLE_MAX_PER_IP = 2
    payload = {"code": "123456", "password": "blue-kettle-sings-7", "name": "王芳"}
    for n in range(2):
        api.post("auth/register", {**payload, "phone": f"1380013800{n}"}, **_in_one_64(n))

    same = api.post("auth/register", {**payload, "phone": "13800138009"}, **_in_one_64(9))
    other = api.post("auth/register", {**payload, "phone": "13800138009"}, **OTHER_64)

    assert_error(same, 429, "throttled")
    assert_error(other, 422, "invalid_code")


@pytest.mark.django_db
def test_rotating_through_a_64_does_not_buy_fresh_sms_codes(api, settings):
    settings.SMS_CODE_MAX_PER_IP = 2
    for n in range(2):
        response = api.post("auth/sms-code", {"phone": f"1380013800{n}", "purpose": "register"}, **_in_one_64(n))
        assert response.status_code == 202

    same = api.post("auth/sms-code", {"phone": "13800138009", "purpose": "register"}, **_in_one_64(9))
    other = api.post("auth/sms-code", {"phone": "13800138009", "purpose": "register"}, **OTHER_64)

    assert_error(same, 429, "throttled")
    assert other.status_code == 202


# Nothing listens there: every counter is unreachable at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_without_redis_signing_in_registering_and_codes_are_refused_not_let_through(api, owner, settings):
    # given the throttles' Redis down
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}

    # when the owner signs in (with the right password), someone registers, someone asks for a code
    sign_in = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD})
    register = api.post("auth/register", {"phone": "13900139001", "code": "123456", "password": PASSWORD, "name": "王"})
    code = api.post("auth/sms-code", {"phone": "13900139002", "purpose": "login"})

    # then each is refused, in plain words (the throttles fail closed), and no code was written or sent
    for response in (sign_in, register, code):
        error = assert_error(response, 503, "service_unavailable")
        assert "paused" in error["message"] or "暂停" in error["message"]
    assert not owner.auth_tokens.exists()
