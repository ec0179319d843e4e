"""notify_phone: an SMS to a number that may have no account yet (a registration's code), through the outbox."""

import pytest
from django.db import IntegrityError

from notifications.models import Message
from notifications.services import message_deliver, notify_phone
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_sms_to_a_bare_number_is_written_and_queued_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = notify_phone(phone="13800138000", template="sms_code", params={"code": "042917", "minutes": "5"})

    message.refresh_from_db()
    assert message.recipient is None
    assert (message.channel, message.to, message.status) == ("sms", "13800138000", "pending")
    assert "042917" in message.body
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_secret_params_are_in_the_text_but_not_kept_as_params():
    message = notify_phone(phone="13800138000", template="sms_code", params={"code": "042917", "minutes": "5"})

    message.refresh_from_db()
    assert message.params == {"code": "******", "minutes": "5"}
    assert "042917" in message.body


@pytest.mark.django_db
def test_an_sms_to_a_bare_number_is_delivered(recorder):
    message = notify_phone(phone="13800138000", template="sms_code", params={"code": "042917", "minutes": "5"})

    assert message_deliver(message_id=message.pk) == "sent"
    assert recorder.sent == [message.pk]


@pytest.mark.django_db
def test_the_recipient_is_kept_when_the_number_has_an_account():
    user = UserFactory()

    message = notify_phone(
        phone=user.phone, template="sms_code", params={"code": "042917", "minutes": "5"}, recipient=user
    )

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
