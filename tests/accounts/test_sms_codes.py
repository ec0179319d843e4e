"""Phone ownership by SMS code (API.md, Accounts): POST /auth/sms-code, registration with the code, sign-in with a
code, and the limits on sending, trying and registering."""

import datetime as dt
import logging

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_redis import get_redis_connection

from accounts.models import AuthToken, SmsCode, User
from accounts.services import sms_code_send
from accounts.tasks import sms_codes_purge_task
from notifications.models import Message
from notifications.services import message_deliver
from tests.chefu.envelope import assert_error
from tests.factories import PASSWORD, UserFactory, register_through_api, sms_code_sent

PHONE = "13800138000"
STRONG_PASSWORD = "blue-kettle-sings-7"


def _send(api, phone=PHONE, purpose="register", **extra):
    return api.post("auth/sms-code", {"phone": phone, "purpose": purpose}, **extra)


def _register(api, code, phone=PHONE, **extra):
    return api.post(
        "auth/register", {"phone": phone, "code": code, "password": STRONG_PASSWORD, "name": "王芳"}, **extra
    )


def _a_minute_passes():
    """Forget the one-code-a-minute counters (their TTL is real time)."""
    redis = get_redis_connection("default")
    keys = redis.keys("chefu:throttle:sms:phone-interval:*")
    if keys:
        redis.delete(*keys)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- Sending ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_is_sent_by_sms_through_the_outbox(api, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = _send(api, phone="+86 138-0013-8000")

    # then
    assert response.status_code == 202
    assert response.json() == {"expires_in": 300}
    message = Message.objects.get(template="sms_code")
    assert message.channel == "sms"
    assert message.to == PHONE
    assert message.recipient is None  # no account yet
    assert message.status == "pending"
    code = sms_code_sent(PHONE)
    assert len(code) == 6 and code.isdigit()
    assert "5 分钟" in message.body
    # the delivery task is queued when the transaction commits
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_no_row_in_the_database_holds_the_code_before_or_after_it_is_delivered(api, monkeypatch, settings, caplog):
    # given a code we know (so that the search below cannot miss it), sent through the demo's log sender
    monkeypatch.setattr("accounts.services.secrets.randbelow", lambda _n: 472913)
    settings.NOTIFICATION_SENDERS = {**settings.NOTIFICATION_SENDERS, "sms": "notifications.senders.LogSender"}
    caplog.set_level(logging.INFO, logger="notifications.senders")
    assert _send(api).status_code == 202
    assert sms_code_sent(PHONE) == "472913"
    assert not _rows_holding("472913")

    # when the SMS is delivered
    message = Message.objects.get(template="sms_code")
    assert message_deliver(message_id=message.pk) == "sent"

    # then the text that went out carried the code, and still no row of any table holds it
    assert "472913" in caplog.text
    assert not _rows_holding("472913")
    message.refresh_from_db()
    assert message.params["code"] == "{code}" and "{code}" in message.body
    assert len(SmsCode.objects.get(phone=PHONE).code_hash) == 64


def _rows_holding(text: str) -> list[str]:
    """Every table of the database with a row whose text form contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} AS t WHERE strpos(t::text, %s) > 0", [text])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


@pytest.mark.django_db
def test_two_codes_for_one_phone_hash_differently_even_when_the_code_is_the_same(api):
    # The hash is keyed and salted per row: equal codes do not give equal hashes.
    _send(api)
    _a_minute_passes()
    _send(api)

    first, second = SmsCode.objects.filter(phone=PHONE).order_by("pk")
    assert first.salt != second.salt
    assert first.code_hash != second.code_hash


@pytest.mark.django_db(transaction=True)
def test_the_demo_log_sender_writes_the_code_to_the_workers_log(api, celery_worker, caplog, settings):
    # given the demo's SMS sender
    settings.NOTIFICATION_SENDERS = {**settings.NOTIFICATION_SENDERS, "sms": "notifications.senders.LogSender"}
    caplog.set_level(logging.INFO, logger="notifications.senders")

    # when
    assert _send(api).status_code == 202

    # then the worker delivers it, and the log shows the code
    celery_worker.wait_for(lambda: Message.objects.filter(template="sms_code", status="sent").exists())
    assert sms_code_sent(PHONE) in caplog.text


@pytest.mark.django_db
def test_a_code_to_register_a_taken_phone_is_refused(api, owner):
    assert_error(_send(api, phone=owner.phone), 409, "phone_taken")

    assert not Message.objects.exists()
    assert not SmsCode.objects.exists()


@pytest.mark.django_db
def test_asking_for_registration_codes_for_a_taken_phone_spends_none_of_its_codes(api, owner):
    # given a stranger who asks ten times (more than the day's limit) to register the owner's phone
    for n in range(10):
        _a_minute_passes()
        assert_error(_send(api, phone=owner.phone, REMOTE_ADDR=f"203.0.113.{n}"), 409, "phone_taken")

    # when the owner asks for a sign-in code at once
    response = _send(api, phone=owner.phone, purpose="login", REMOTE_ADDR="198.51.100.1")

    # then it is sent: no code was sent to the phone, so none was counted against it
    assert response.status_code == 202
    assert list(Message.objects.values_list("to", flat=True)) == [owner.phone]


@pytest.mark.django_db
def test_sign_in_codes_asked_for_an_unregistered_phone_do_not_hold_back_its_registration(api):
    # given a stranger who used up a day of sign-in codes for a phone that has no account yet
    for n in range(10):
        _a_minute_passes()
        assert _send(api, purpose="login", REMOTE_ADDR=f"203.0.113.{n}").status_code == 202
    _a_minute_passes()
    assert_error(_send(api, purpose="login", REMOTE_ADDR="203.0.113.99"), 429, "throttled")

    # when its owner asks for a code to register, straight away
    response = _send(api, purpose="register", REMOTE_ADDR="198.51.100.1")

    # then it is sent (each purpose has its own counters)
    assert response.status_code == 202
    assert Message.objects.filter(to=PHONE, template="sms_code").count() == 1


@pytest.mark.django_db
def test_a_refused_registration_code_still_counts_against_the_asking_address(api, owner, settings):
    # The address pays for every request, so taken phones cannot be probed for free.
    settings.SMS_CODE_MAX_PER_IP = 2
    for _ in range(2):
        assert_error(_send(api, phone=owner.phone, REMOTE_ADDR="203.0.113.7"), 409, "phone_taken")

    assert_error(_send(api, phone=PHONE, REMOTE_ADDR="203.0.113.7"), 429, "throttled")


@pytest.mark.django_db
def test_a_code_to_sign_in_an_unknown_phone_answers_the_same_and_sends_nothing(api, owner):
    unknown = _send(api, phone="13999999999", purpose="login")
    known = _send(api, phone=owner.phone, purpose="login")

    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert list(Message.objects.values_list("to", flat=True)) == [owner.phone]
    assert list(SmsCode.objects.values_list("phone", flat=True)) == [owner.phone]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "1380013800", "purpose": "register"}, "phone"),
        ({"phone": PHONE, "purpose": "reset"}, "purpose"),
        ({"phone": PHONE}, "purpose"),
    ],
)
def test_a_code_request_with_bad_input_is_422(api, payload, field):
    error = assert_error(api.post("auth/sms-code", payload), 422, "validation_error")

    assert field in error["details"]["fields"]
    assert not Message.objects.exists()


# --- Sending limits ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_code_a_minute_per_phone(api):
    # given
    assert _send(api).status_code == 202

    # when
    again = _send(api, REMOTE_ADDR="198.51.100.1")
    other_phone = _send(api, phone="13800138001")

    # then
    error = assert_error(again, 429, "throttled")
    assert 0 < int(again["Retry-After"]) <= 60
    assert error["details"]["retry_after_s"] == int(again["Retry-After"])
    assert other_phone.status_code == 202
    assert SmsCode.objects.filter(phone=PHONE).count() == 1


@pytest.mark.django_db
def test_ten_codes_a_day_per_phone_until_midnight_in_the_platforms_zone(api, monkeypatch):
    # given the platform's clock at 15:00 (fixed: a run that crossed midnight would count on two days), and ten
    # codes, a minute apart
    now = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    for n in range(10):
        _a_minute_passes()
        assert _send(api, REMOTE_ADDR=f"198.51.100.{n}").status_code == 202

    # when
    _a_minute_passes()
    response = _send(api, REMOTE_ADDR="203.0.113.50")

    # then it may ask again at midnight: nine hours on
    error = assert_error(response, 429, "throttled")
    assert 9 * 3600 - 60 < int(response["Retry-After"]) <= 9 * 3600
    retry_at = dt.datetime.fromisoformat(error["details"]["retry_at"])
    assert abs(retry_at - (now + dt.timedelta(hours=9))) <= dt.timedelta(seconds=60)
    assert SmsCode.objects.filter(phone=PHONE).count() == 10


@pytest.mark.django_db
def test_codes_are_throttled_per_address(api, settings):
    # given an address that asked for codes for many phones
    settings.SMS_CODE_MAX_PER_IP = 3
    for n in range(3):
        assert _send(api, phone=f"1380013800{n}", REMOTE_ADDR="203.0.113.7").status_code == 202

    # when
    same_address = _send(api, phone="13800138009", REMOTE_ADDR="203.0.113.7")
    other_address = _send(api, phone="13800138009", REMOTE_ADDR="198.51.100.1")

    # then
    assert_error(same_address, 429, "throttled")
    assert "Retry-After" in same_address
    assert other_address.status_code == 202


@pytest.mark.django_db
def test_a_refused_request_uses_up_nothing(api, settings):
    # The per-address limit refusing a request must not also spend the phone's minute.
    settings.SMS_CODE_MAX_PER_IP = 1
    _send(api, phone="13800138001", REMOTE_ADDR="203.0.113.7")
    assert_error(_send(api, phone=PHONE, REMOTE_ADDR="203.0.113.7"), 429, "throttled")

    assert _send(api, phone=PHONE, REMOTE_ADDR="198.51.100.1").status_code == 202


@pytest.mark.django_db
def test_the_platform_sends_at_most_its_budget_of_codes_an_hour(api, settings, caplog):
    # given a budget of 3 codes an hour, spent on 3 phones by 3 addresses
    settings.SMS_CODE_MAX_PER_HOUR = 3
    for n in range(3):
        assert _send(api, phone=f"1380013800{n}", REMOTE_ADDR=f"203.0.113.{n}").status_code == 202

    # when a fourth phone asks, from a fresh address
    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        response = _send(api, phone="13800138009", REMOTE_ADDR="198.51.100.1", headers={"Accept-Language": "en"})
        _send(api, phone="13800138008", REMOTE_ADDR="198.51.100.2")

    # then nothing is sent until the hour is over, and the operators are told once
    error = assert_error(response, 429, "throttled")
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert "Too many codes are being sent right now" in error["message"]
    assert Message.objects.filter(template="sms_code").count() == 3
    assert len([r for r in caplog.records if "SMS_CODE_MAX_PER_HOUR" in r.getMessage()]) == 1


@pytest.mark.django_db
def test_the_platforms_budget_counts_sign_in_codes_and_answers_alike_for_phones_without_an_account(
    api, owner, settings
):
    # given a budget of 2 codes an hour, one spent on a sign-in code for a phone without an account (counted like
    # a real one, or the budget would tell which phones have accounts)
    settings.SMS_CODE_MAX_PER_HOUR = 2
    assert _send(api, phone="13999999999", purpose="login", REMOTE_ADDR="203.0.113.1").status_code == 202
    assert _send(api, phone=owner.phone, purpose="login", REMOTE_ADDR="203.0.113.2").status_code == 202

    # when
    unknown = _send(api, phone="13999999998", purpose="login", REMOTE_ADDR="198.51.100.1")
    known = _send(api, phone=UserFactory().phone, purpose="login", REMOTE_ADDR="198.51.100.2")
    taken = _send(api, phone=owner.phone, purpose="register", REMOTE_ADDR="198.51.100.3")

    # then both are refused alike; a refused registration of a taken phone is a 409 as ever (it sends nothing)
    assert_error(unknown, 429, "throttled")
    assert_error(known, 429, "throttled")
    assert unknown.json()["error"]["message"] == known.json()["error"]["message"]
    assert_error(taken, 409, "phone_taken")
    assert Message.objects.filter(template="sms_code").count() == 1


@pytest.mark.django_db
def test_a_request_refused_by_the_platforms_budget_spends_nothing_of_the_phone_or_the_address(api, settings):
    # given a spent budget, and a phone refused by it
    settings.SMS_CODE_MAX_PER_HOUR = 1
    settings.SMS_CODE_MAX_PER_IP = 1
    assert _send(api, phone="13800138001", REMOTE_ADDR="203.0.113.1").status_code == 202
    assert_error(_send(api, REMOTE_ADDR="198.51.100.1"), 429, "throttled")

    # when the budget has room again (a new hour)
    get_redis_connection("default").delete("chefu:throttle:sms:platform")

    # then that phone, from that address, is sent a code at once: its minute and the address's request were given back
    assert _send(api, REMOTE_ADDR="198.51.100.1").status_code == 202


# --- Registering with the code ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_needs_the_code(api):
    response = api.post("auth/register", {"phone": PHONE, "password": STRONG_PASSWORD, "name": "王芳"})

    error = assert_error(response, 422, "validation_error")
    assert "code" in error["details"]["fields"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_wrong_code_is_422_invalid_code_and_creates_nobody(api):
    # given
    _send(api)

    # when
    response = _register(api, _wrong(sms_code_sent(PHONE)))

    # then, like every 422, it names the field
    error = assert_error(response, 422, "invalid_code")
    assert error["details"]["fields"] == {"code": [error["message"]]}
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_code_never_sent_is_invalid(api):
    assert_error(_register(api, "123456"), 422, "invalid_code")


@pytest.mark.django_db
def test_the_right_code_registers_and_is_used_up(api):
    # given
    _send(api)
    code = sms_code_sent(PHONE)

    # when
    response = _register(api, code)

    # then
    assert response.status_code == 201
    assert SmsCode.objects.get(phone=PHONE).used_at is not None
    User.objects.filter(phone=PHONE).delete()
    assert_error(_register(api, code), 422, "invalid_code")


@pytest.mark.django_db
def test_a_code_has_three_tries(api):
    # given two wrong tries
    _send(api)
    code = sms_code_sent(PHONE)
    for _ in range(2):
        assert_error(_register(api, _wrong(code)), 422, "invalid_code")

    # when the third is right
    response = _register(api, code)

    # then
    assert response.status_code == 201


@pytest.mark.django_db
def test_after_three_wrong_tries_even_the_right_code_is_refused(api):
    # given
    _send(api)
    code = sms_code_sent(PHONE)
    for _ in range(3):
        assert_error(_register(api, _wrong(code)), 422, "invalid_code")

    # when
    response = _register(api, code)

    # then
    assert_error(response, 422, "invalid_code")
    assert not User.objects.exists()
    assert SmsCode.objects.get(phone=PHONE).attempts == 3


@pytest.mark.django_db
def test_a_code_expires_after_five_minutes(api):
    # given a code sent five minutes ago
    _send(api)
    code = sms_code_sent(PHONE)
    record = SmsCode.objects.get(phone=PHONE)
    assert record.expires_at - record.created_at == dt.timedelta(minutes=5)
    SmsCode.objects.filter(pk=record.pk).update(
        created_at=record.created_at - dt.timedelta(minutes=5), expires_at=timezone.now()
    )

    # when / then
    assert_error(_register(api, code), 422, "invalid_code")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_new_code_replaces_the_old_one(api, monkeypatch):
    # given two codes that differ (random ones are equal once in a million)
    codes = iter([111111, 222222])
    monkeypatch.setattr("accounts.services.secrets.randbelow", lambda _n: next(codes))
    _send(api)
    first = Message.objects.get(template="sms_code")
    _a_minute_passes()

    # when
    _send(api)

    # then the first is refused, its SMS (not yet delivered) is cancelled, and the new one registers
    assert sms_code_sent(PHONE) == "222222"
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert message_deliver(message_id=first.pk) == "cancelled"
    assert_error(_register(api, "111111"), 422, "invalid_code")
    assert _register(api, "222222").status_code == 201


@pytest.mark.django_db
def test_a_sign_in_code_does_not_register(api):
    # The purpose is part of the code: a code sent for signing in cannot open an account.
    user = UserFactory()
    _send(api, phone=user.phone, purpose="login")
    code = sms_code_sent(user.phone)
    user.delete()

    assert_error(_register(api, code, phone=user.phone), 422, "invalid_code")


@pytest.mark.django_db
def test_the_phone_is_checked_before_the_code(api, owner):
    # A taken phone is a 409 whatever the code: nothing else (code, password) is looked at.
    response = _register(api, "000000", phone=owner.phone)

    assert_error(response, 409, "phone_taken")


@pytest.mark.django_db
def test_registrations_are_throttled_per_address(api, settings):
    # given
    settings.REGISTER_THROTTLE_MAX_PER_IP = 2
    for n in range(2):
        assert_error(_register(api, "123456", phone=f"1380013800{n}", REMOTE_ADDR="203.0.113.7"), 422, "invalid_code")

    # when
    same_address = _register(api, "123456", phone="13800138009", REMOTE_ADDR="203.0.113.7")
    other_address = _register(api, "123456", phone="13800138009", REMOTE_ADDR="198.51.100.1")

    # then
    assert_error(same_address, 429, "throttled")
    assert int(same_address["Retry-After"]) > 0
    assert_error(other_address, 422, "invalid_code")


@pytest.mark.django_db
def test_registrations_are_throttled_per_phone(api, settings):
    # given
    settings.REGISTER_THROTTLE_MAX_PER_PHONE = 2
    for n in range(2):
        _register(api, "123456", REMOTE_ADDR=f"203.0.113.{n}")

    # when a third address tries that phone, with the right code even
    _send(api, REMOTE_ADDR="198.51.100.1")
    response = _register(api, sms_code_sent(PHONE), REMOTE_ADDR="198.51.100.1")

    # then
    assert_error(response, 429, "throttled")
    assert not User.objects.exists()


# --- Signing in with a code ---------------------------------------------------------------------------------------


def _login_with_code(api, phone, code, **extra):
    return api.post("auth/token", {"phone": phone, "code": code}, **extra)


@pytest.mark.django_db
def test_signing_in_with_a_code(api, owner):
    # given
    assert _send(api, phone=owner.phone, purpose="login").status_code == 202
    message = Message.objects.get(template="sms_code")
    assert message.recipient == owner

    # when
    response = _login_with_code(api, f"+86 {owner.phone}", sms_code_sent(owner.phone))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": owner.id, "phone": owner.phone, "name": owner.name, "roles": ["owner"]}
    assert api.get("me", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200


@pytest.mark.django_db
def test_a_wrong_or_unsent_code_is_401_invalid_credentials(api, owner):
    _send(api, phone=owner.phone, purpose="login")

    wrong = _login_with_code(api, owner.phone, _wrong(sms_code_sent(owner.phone)))
    unsent = _login_with_code(api, "13999999999", "123456")

    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unsent, 401, "invalid_credentials")
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_a_sign_in_code_works_once(api, owner):
    _send(api, phone=owner.phone, purpose="login")
    code = sms_code_sent(owner.phone)

    assert _login_with_code(api, owner.phone, code).status_code == 200
    assert_error(_login_with_code(api, owner.phone, code), 401, "invalid_credentials")


OWNER_ADDRESS = {"REMOTE_ADDR": "198.51.100.1"}
STRANGER_ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.mark.django_db
def test_a_strangers_wrong_codes_do_not_burn_the_owners_code(api, owner):
    # given the owner asked for a sign-in code, and a stranger elsewhere tried three codes for the phone
    assert _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS).status_code == 202
    code = sms_code_sent(owner.phone)
    for _ in range(3):
        assert_error(_login_with_code(api, owner.phone, _wrong(code), **STRANGER_ADDRESS), 401, "invalid_credentials")

    # when the owner signs in with the code
    response = _login_with_code(api, owner.phone, code, **OWNER_ADDRESS)

    # then
    assert response.status_code == 200, response.content
    record = SmsCode.objects.get(phone=owner.phone)
    assert (record.attempts, record.other_attempts) == (1, 3)


@pytest.mark.django_db
def test_other_addresses_share_three_tries_of_a_code(api, owner):
    # given three wrong tries from three addresses that did not ask for the code
    _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS)
    code = sms_code_sent(owner.phone)
    for n in range(3):
        _login_with_code(api, owner.phone, _wrong(code), REMOTE_ADDR=f"203.0.113.{n}")

    # when a fourth, with the right code even
    response = _login_with_code(api, owner.phone, code, REMOTE_ADDR="203.0.113.50")

    # then it is refused and not counted; the code is still the owner's
    assert_error(response, 401, "invalid_credentials")
    assert SmsCode.objects.get(phone=owner.phone).other_attempts == 3
    assert _login_with_code(api, owner.phone, code, **OWNER_ADDRESS).status_code == 200


@pytest.mark.django_db
def test_the_requesters_own_three_wrong_tries_kill_the_code(api, owner):
    # given
    _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS)
    code = sms_code_sent(owner.phone)
    for _ in range(3):
        _login_with_code(api, owner.phone, _wrong(code), **OWNER_ADDRESS)

    # when / then: dead for everyone, its requester and others alike
    assert_error(_login_with_code(api, owner.phone, code, **OWNER_ADDRESS), 401, "invalid_credentials")
    assert_error(_login_with_code(api, owner.phone, code, **STRANGER_ADDRESS), 401, "invalid_credentials")
    assert SmsCode.objects.get(phone=owner.phone).other_attempts == 0


@pytest.mark.django_db
def test_the_requesters_tries_belong_to_its_whole_ipv6_64(api, owner):
    # given a code asked for from one address of an IPv6 /64, and three wrong tries from others of the same /64
    _send(api, phone=owner.phone, purpose="login", REMOTE_ADDR="2001:db8:1:2::10")
    code = sms_code_sent(owner.phone)
    for n in range(3):
        _login_with_code(api, owner.phone, _wrong(code), REMOTE_ADDR=f"2001:db8:1:2:{n}::1")

    # then those were the requester's tries: the code is dead
    assert SmsCode.objects.get(phone=owner.phone).attempts == 3
    assert_error(_login_with_code(api, owner.phone, code, REMOTE_ADDR="2001:db8:1:2::10"), 401, "invalid_credentials")


@pytest.mark.django_db
def test_no_row_holds_the_address_that_asked_for_a_code(api, owner):
    _send(api, phone=owner.phone, purpose="login", REMOTE_ADDR="198.51.100.123")

    record = SmsCode.objects.get(phone=owner.phone)
    assert len(record.requester) == 64
    assert not _rows_holding("198.51.100.123")


# --- Code sign-in throttling --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_codes_from_one_address_are_throttled_like_wrong_passwords(api, owner):
    # given a stranger guessing codes for the owner's phone from one address (default limits: 5 failures)
    for _ in range(5):
        assert_error(_login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS), 401, "invalid_credentials")

    # when
    response = _login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS, headers={"Accept-Language": "en"})

    # then
    error = assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 900
    assert error["details"]["retry_after_s"] == int(response["Retry-After"])
    assert "Too many wrong codes" in error["message"]
    assert "SMS code" not in error["message"]


@pytest.mark.django_db
def test_a_throttled_code_try_spends_none_of_the_codes_tries(api, owner, settings):
    # given an address throttled for this phone before the owner asked for a code
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 1
    _login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS)
    _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS)

    # when it goes on guessing
    assert_error(_login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS), 429, "throttled")

    # then the code was not tried
    assert SmsCode.objects.get(phone=owner.phone).other_attempts == 0


def _phones(count: int) -> list[str]:
    return [f"1390000{n:04d}" for n in range(count)]


@pytest.mark.django_db
def test_thirty_wrong_passwords_from_one_address_leave_code_sign_in_open_from_it(api, owner):
    # given one shared address (carrier NAT) from which someone got 30 passwords wrong, for many phones (default
    # limits: 30 wrong passwords per address)
    for phone in _phones(30):
        response = api.post("auth/token", {"phone": phone, "password": "guess-guess"}, **STRANGER_ADDRESS)
        assert_error(response, 401, "invalid_credentials")
    password = api.post(
        "auth/token",
        {"phone": owner.phone, "password": PASSWORD},
        **STRANGER_ADDRESS,
        headers={"Accept-Language": "en"},
    )
    message = assert_error(password, 429, "throttled")["message"]
    assert "from your network" in message and "sign in with an SMS code" in message
    chinese = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}, **STRANGER_ADDRESS)
    assert "或使用短信验证码登录" in assert_error(chinese, 429, "throttled")["message"]

    # when an owner behind the same address asks for a code and signs in with it
    assert _send(api, phone=owner.phone, purpose="login", **STRANGER_ADDRESS).status_code == 202
    response = _login_with_code(api, owner.phone, sms_code_sent(owner.phone), **STRANGER_ADDRESS)

    # then
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == owner.id


@pytest.mark.django_db
def test_thirty_wrong_codes_from_one_address_close_code_sign_in_from_it_but_not_password_sign_in(api, owner):
    # given 30 wrong codes from one address, for many phones (default limits: 30 wrong codes per address)
    for phone in _phones(30):
        assert_error(_login_with_code(api, phone, "111111", **STRANGER_ADDRESS), 401, "invalid_credentials")

    # when it tries a code for another phone, and a password
    code = _login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS, headers={"Accept-Language": "en"})
    password = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}, **STRANGER_ADDRESS)

    # then code sign-in waits there, with its own wording; password sign-in does not
    error = assert_error(code, 429, "throttled")
    assert 0 < int(code["Retry-After"]) <= 900
    assert "Too many wrong codes from your network" in error["message"]
    assert "SMS code" not in error["message"]
    chinese = _login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS)
    assert "您所在网络的验证码错误次数过多" in assert_error(chinese, 429, "throttled")["message"]
    assert password.status_code == 200, password.content
    # and code sign-in from another address is open
    _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS)
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone), **OWNER_ADDRESS).status_code == 200


@pytest.mark.django_db
def test_the_addresss_wrong_codes_limit_is_a_setting(api, owner, settings):
    settings.LOGIN_CODE_THROTTLE_MAX_PER_IP = 2
    settings.LOGIN_THROTTLE_MAX_PER_IP = 100
    for phone in _phones(2):
        _login_with_code(api, phone, "111111", **STRANGER_ADDRESS)

    assert_error(_login_with_code(api, owner.phone, "111111", **STRANGER_ADDRESS), 429, "throttled")


@pytest.mark.django_db
def test_a_code_sign_in_gives_back_only_its_own_try_to_the_address(api, owner, settings):
    # given an address one wrong password and one wrong code short of both limits
    settings.LOGIN_THROTTLE_MAX_PER_IP = 2
    settings.LOGIN_CODE_THROTTLE_MAX_PER_IP = 2
    api.post("auth/token", {"phone": "13900000001", "password": "guess-guess"}, **STRANGER_ADDRESS)
    _login_with_code(api, "13900000002", "111111", **STRANGER_ADDRESS)

    # when an owner there signs in with a code, and someone gets one more password wrong
    _send(api, phone=owner.phone, purpose="login", **STRANGER_ADDRESS)
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone), **STRANGER_ADDRESS).status_code == 200
    api.post("auth/token", {"phone": "13900000003", "password": "guess-guess"}, **STRANGER_ADDRESS)

    # then password sign-in there is closed (the code did not forgive wrong passwords); code sign-in is not
    password = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}, **STRANGER_ADDRESS)
    assert_error(password, 429, "throttled")
    assert_error(_login_with_code(api, "13900000004", "111111", **STRANGER_ADDRESS), 401, "invalid_credentials")


@pytest.mark.django_db
def test_wrong_codes_from_many_addresses_never_close_code_sign_in_for_the_owners_address(api, owner, settings):
    # given strangers at many addresses who failed with codes for the phone, more than its password cap
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 3
    for n in range(6):
        _login_with_code(api, owner.phone, "111111", REMOTE_ADDR=f"203.0.113.{n}")

    # when the owner asks for a code and signs in with it from their address
    _send(api, phone=owner.phone, purpose="login", **OWNER_ADDRESS)
    response = _login_with_code(api, owner.phone, sms_code_sent(owner.phone), **OWNER_ADDRESS)

    # then (not counted per phone)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_code_sign_in_starts_the_addresss_code_failures_afresh(api, owner, settings):
    # given the owner's own wrong codes, one short of the limit
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 3
    _send(api, phone=owner.phone, purpose="login")
    for _ in range(2):
        _login_with_code(api, owner.phone, _wrong(sms_code_sent(owner.phone)))
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone)).status_code == 200

    # when they mistype a new code twice more
    _a_minute_passes()
    _send(api, phone=owner.phone, purpose="login")
    for _ in range(2):
        assert_error(_login_with_code(api, owner.phone, _wrong(sms_code_sent(owner.phone))), 401, "invalid_credentials")

    # then the third try is still theirs
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_code_used_or_out_of_tries_is_withdrawn_from_its_undelivered_sms(api, owner):
    # given two sign-in codes whose SMS are still waiting in the outbox (the provider is slow today)
    _send(api, phone=owner.phone, purpose="login")
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone)).status_code == 200
    other = UserFactory()
    _send(api, phone=other.phone, purpose="login")
    for _ in range(3):
        _login_with_code(api, other.phone, _wrong(sms_code_sent(other.phone)))

    # when the outbox gets to them
    outcomes = [message_deliver(message_id=pk) for pk in Message.objects.order_by("pk").values_list("pk", flat=True)]

    # then neither goes out: one code is used, the other has no tries left
    assert outcomes == ["cancelled", "cancelled"]


@pytest.mark.django_db
def test_a_registration_code_does_not_sign_in(api):
    # given a code sent for registering, then the account made some other way
    _send(api)
    code = sms_code_sent(PHONE)
    UserFactory(phone=PHONE)

    # when / then
    assert_error(_login_with_code(api, PHONE, code), 401, "invalid_credentials")


@pytest.mark.django_db
def test_an_inactive_user_cannot_sign_in_with_a_code(api):
    user = UserFactory(is_active=False)

    assert _send(api, phone=user.phone, purpose="login").status_code == 202

    assert not Message.objects.exists()
    assert_error(_login_with_code(api, user.phone, "123456"), 401, "invalid_credentials")


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [{}, {"password": PASSWORD, "code": "123456"}])
def test_the_token_needs_exactly_one_of_password_and_code(api, owner, extra):
    response = api.post("auth/token", {"phone": owner.phone, **extra})

    assert_error(response, 422, "validation_error")


@pytest.mark.django_db
def test_a_code_signs_in_while_password_sign_in_for_that_phone_is_throttled(api, owner, settings):
    # given a phone whose password sign-in is closed everywhere (failures from many addresses)
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 3
    for n in range(3):
        _ = api.post("auth/token", {"phone": owner.phone, "password": "guess"}, REMOTE_ADDR=f"203.0.113.{n}")
    password = api.post("auth/token", {"phone": owner.phone, "password": PASSWORD})
    assert_error(password, 429, "throttled")

    # when the owner asks for a code and signs in with it
    assert _send(api, phone=owner.phone, purpose="login").status_code == 202
    response = _login_with_code(api, owner.phone, sms_code_sent(owner.phone))

    # then
    assert response.status_code == 200
    assert response.json()["user"]["id"] == owner.id


@pytest.mark.django_db
def test_a_code_reopens_password_sign_in_from_that_address(api, owner, settings):
    # given the owner mistyped their password until this address was throttled
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 2
    for _ in range(2):
        api.post("auth/token", {"phone": owner.phone, "password": "typo-typo"})
    assert_error(api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}), 429, "throttled")

    # when they sign in with a code
    _send(api, phone=owner.phone, purpose="login")
    assert _login_with_code(api, owner.phone, sms_code_sent(owner.phone)).status_code == 200

    # then the password works again from there
    assert api.post("auth/token", {"phone": owner.phone, "password": PASSWORD}).status_code == 200


# --- The service ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_code_and_its_sms_are_one_transaction(api):
    # A failed transaction leaves neither the code nor its SMS behind.
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_code_send(phone=PHONE, purpose="register", ip="127.0.0.1")
        raise RuntimeError

    assert not SmsCode.objects.exists()
    assert not Message.objects.exists()


def test_registering_through_the_api_helper(api, db):
    # The helper the other tests use reads the code the way a person would: from the SMS.
    response = register_through_api(api, phone=PHONE, password=STRONG_PASSWORD, name="王芳")

    assert response.status_code == 201
    assert User.objects.get(phone=PHONE).check_password(STRONG_PASSWORD)


@pytest.mark.django_db
def test_codes_older_than_a_day_are_purged_nightly(settings):
    # given a code from the day before yesterday and one from now
    old = sms_code_send(phone="13800138001", purpose="register", ip="127.0.0.1")
    SmsCode.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(days=2, minutes=-5)
    )
    fresh = sms_code_send(phone=PHONE, purpose="register", ip="127.0.0.1")

    # when
    purged = sms_codes_purge_task()

    # then
    assert purged == 1
    assert list(SmsCode.objects.values_list("pk", flat=True)) == [fresh.pk]
    entry = settings.CELERY_BEAT_SCHEDULE["accounts.sms-codes-purge"]
    assert entry["task"] == sms_codes_purge_task.name
