"""notify_phone: an SMS to a number that may have no account yet (a registration's code), through the outbox."""

import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone
from django_redis import get_redis_connection

from notifications import secret_store
from notifications.models import Message
from notifications.services import message_deliver, messages_cancel, notify, notify_phone
from tests.factories import UserFactory
from tests.notifications.support import FakeSmsProvider

CODE = {"code": "042917", "minutes": "5"}


@pytest.fixture
def gateway(settings):
    settings.NOTIFICATION_SENDERS = {**settings.NOTIFICATION_SENDERS, "sms": "notifications.senders.SmsSender"}
    settings.NOTIFICATION_SMS_PROVIDER = "tests.notifications.support.FakeSmsProvider"
    FakeSmsProvider.requests = []
    yield FakeSmsProvider
    FakeSmsProvider.requests = []


def _code_sms(ttl_s: int = 300, **extra) -> Message:
    return notify_phone(phone="13800138000", template="sms_code", params=CODE, secret_ttl_s=ttl_s, **extra)


@pytest.mark.django_db
def test_an_sms_to_a_bare_number_is_written_and_queued_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = _code_sms()

    message.refresh_from_db()
    assert message.recipient is None
    assert (message.channel, message.to, message.status) == ("sms", "13800138000", "pending")
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_secret_is_never_in_the_row_but_is_in_the_text_delivered(gateway):
    # when
    message = _code_sms()

    # then the row holds markers only
    message.refresh_from_db()
    assert message.params == {"code": "{code}", "minutes": "5"}
    assert "{code}" in message.body and "042917" not in message.body
    # and the provider gets the code in the text
    assert message_deliver(message_id=message.pk) == "sent"
    (request,) = gateway.requests
    assert "042917" in request["text"] and "{code}" not in request["text"]
    assert request["text"] == message.body.replace("{code}", "042917")


@pytest.mark.django_db
def test_the_secret_lives_as_long_as_it_was_given():
    message = _code_sms(ttl_s=300)

    ttl = get_redis_connection("default").ttl(f"chefu:notifications:secret:{message.pk}")

    assert 290 < ttl <= 300


@pytest.mark.django_db
def test_an_sms_whose_secret_expired_is_cancelled_not_sent(gateway):
    # given a code's SMS whose first attempt failed; its retry is due only after the code has expired: its key is
    # gone, as Redis removes it when the TTL runs out (test_the_secret_lives_as_long_as_it_was_given sees that TTL)
    message = _code_sms(ttl_s=300)
    gateway_down = RuntimeError("gateway timeout")
    with mock.patch.object(FakeSmsProvider, "send_sms", side_effect=gateway_down):
        assert message_deliver(message_id=message.pk) == "failed"
    secret_store.secrets_drop(message_ids=[message.pk])
    assert secret_store.secrets_get(message_id=message.pk) is None

    # when the retry comes
    later = timezone.now() + dt.timedelta(hours=1)
    status = message_deliver(message_id=message.pk, now=later)

    # then
    assert status == "cancelled"
    assert gateway.requests == []
    message.refresh_from_db()
    assert message.status == "cancelled" and "expired" in message.last_error


@pytest.mark.django_db
def test_cancelling_withdraws_the_secret_even_of_a_message_being_sent(gateway, django_capture_on_commit_callbacks):
    # given a code's SMS a worker has claimed (sending) but not yet handed to the provider
    message = _code_sms(ref="sms_code:1")
    Message.objects.filter(pk=message.pk).update(
        status="sending", claimed_until=timezone.now() - dt.timedelta(seconds=1), attempts=1
    )

    # when the code is replaced
    with django_capture_on_commit_callbacks(execute=True):
        messages_cancel(ref="sms_code:1")

    # then whoever takes the message finds nothing to send
    assert message_deliver(message_id=message.pk) == "cancelled"
    assert gateway.requests == []


@pytest.mark.django_db
def test_a_secret_template_needs_its_lifetime_and_goes_only_to_a_number():
    with pytest.raises(ValueError, match="secret_ttl_s"):
        notify_phone(phone="13800138000", template="sms_code", params=CODE)
    with pytest.raises(ValueError, match="notify_phone"):
        notify(recipient=UserFactory(), template="sms_code", params=CODE)


@pytest.mark.django_db
def test_an_sms_to_a_bare_number_is_delivered(recorder):
    message = _code_sms()

    assert message_deliver(message_id=message.pk) == "sent"
    assert recorder.sent == [message.pk]


@pytest.mark.django_db
def test_the_recipient_is_kept_when_the_number_has_an_account():
    user = UserFactory()

    message = _code_sms(recipient=user)

    assert message.recipient == user


@pytest.mark.django_db
def test_only_sms_templates_go_to_a_bare_number():
    with pytest.raises(ValueError, match="not sent by SMS"):
        notify_phone(phone="13800138000", template="review_received", params={})


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "to"), [("in_app", ""), ("email", "a@example.com"), ("sms", "")])
def test_the_database_refuses_a_message_with_no_one_to_reach(channel, to):
    # Without a recipient, only an SMS with its number can be delivered.
    with pytest.raises(IntegrityError):
        Message.objects.create(recipient=None, channel=channel, to=to, template="sms_code", body="x")
