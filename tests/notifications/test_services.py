import datetime as dt
import logging
import time

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Message
from notifications.senders import SendFailed
from notifications.services import (
    message_deliver,
    messages_cancel,
    messages_deliver_due,
    messages_retry,
    notify,
)
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS, broker_down

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def user():
    return UserFactory(phone="13912345678")


def send(user, template="booking_confirmed", **kwargs) -> list[Message]:
    return notify(recipient=user, template=template, params=BOOKING_PARAMS, ref="booking:12", **kwargs)


def statuses(*messages: Message) -> list[str]:
    return [Message.objects.get(pk=m.pk).status for m in messages]


# --- writing -------------------------------------------------------------------------------------------------


def test_notify_writes_one_rendered_message_per_default_channel(user):
    sms, in_app = send(user)

    assert (sms.channel, sms.to, sms.status) == ("sms", "13912345678", "pending")
    assert (in_app.channel, in_app.to, in_app.status) == ("in_app", "", "pending")
    for message in (sms, in_app):
        message.refresh_from_db()
        assert message.subject == "预约成功"
        assert message.body.startswith("您在人民广场店预约的小保养（单号 12）已确认")
        assert (message.template, message.ref, message.params) == ("booking_confirmed", "booking:12", BOOKING_PARAMS)
        assert message.send_after <= timezone.now()


def test_what_was_written_is_what_is_sent_even_if_the_template_changes(user, monkeypatch):
    from notifications import templates

    (message,) = send(user, channels=["in_app"])
    changed = templates.MessageTemplate(**{**vars(templates.TEMPLATES["booking_confirmed"]), "body": "changed"})
    monkeypatch.setitem(templates.TEMPLATES, "booking_confirmed", changed)

    message.refresh_from_db()
    assert message.body.startswith("您在人民广场店")


def test_an_email_to_a_user_without_an_address_is_written_as_skipped(user):
    (email,) = send(user, channels=["email"])

    assert email.status == "cancelled"
    assert "e-mail" in email.last_error


def test_programming_errors_are_value_errors(user):
    with pytest.raises(ValueError, match="Unknown message template"):
        notify(recipient=user, template="nope", params=BOOKING_PARAMS)
    with pytest.raises(ValueError, match="address"):
        notify(recipient=user, template="booking_confirmed", params={**BOOKING_PARAMS, "address": None})
    with pytest.raises(ValueError, match="channel"):
        send(user, channels=["fax"])
    with pytest.raises(ValueError, match="aware"):
        send(user, send_after=dt.datetime(2030, 1, 1, 9, 30))
    assert not Message.objects.exists()


def test_a_rolled_back_change_writes_and_dispatches_nothing(user, queue, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(user)
        raise RuntimeError("the booking service fails after notifying")

    assert callbacks == []
    assert not Message.objects.exists()
    assert queue.deliveries() == []


def test_due_messages_are_queued_on_commit_and_future_ones_are_not(user, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        now_sms, now_in_app = send(user)
        send(user, template="booking_reminder_2h", send_after=timezone.now() + dt.timedelta(hours=5))
        assert queue.deliveries() == []  # nothing before commit

    for callback in callbacks:
        callback()
    assert queue.deliveries() == [now_sms.pk, now_in_app.pk]


def test_a_dead_broker_is_logged_fast_and_never_raised(user, queue, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.WARNING, logger="chefu.queue"), broker_down():
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            sms, in_app = send(user)
        elapsed = time.monotonic() - started

    assert elapsed < 2
    assert f"messages [{sms.pk}, {in_app.pk}]" in caplog.text
    assert "the sweep will do it" in caplog.text
    assert statuses(sms, in_app) == ["pending", "pending"]


def test_a_second_notify_with_the_same_key_creates_nothing(user, queue, django_capture_on_commit_callbacks):
    first = send(user, dedupe_key="booking:12:confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        again = send(user, dedupe_key="booking:12:confirmed")

    assert [m.pk for m in again] == [m.pk for m in first]
    assert Message.objects.count() == 2
    assert queue.deliveries() == []  # the first notify's rows are not queued a second time


def test_a_dedupe_key_is_per_channel(user):
    (sms,) = send(user, channels=["sms"], dedupe_key="k")
    sms_again, in_app = send(user, dedupe_key="k")

    assert sms_again.pk == sms.pk
    assert in_app.channel == "in_app" and in_app.pk != sms.pk


# --- cancelling ----------------------------------------------------------------------------------------------


def test_cancel_withdraws_the_undelivered_messages_of_a_ref(user, recorder):
    later = timezone.now() + dt.timedelta(hours=20)
    confirmed = send(user)
    reminders = send(user, template="booking_reminder_24h", send_after=later)
    other_booking = notify(recipient=user, template="booking_reminder_24h", params=BOOKING_PARAMS, ref="booking:13")
    message_deliver(message_id=confirmed[0].pk)

    cancelled = messages_cancel(ref="booking:12", templates=["booking_reminder_24h", "booking_reminder_2h"])

    assert cancelled == 2
    assert statuses(*reminders) == ["cancelled", "cancelled"]
    assert statuses(*confirmed) == ["sent", "pending"]
    assert statuses(*other_booking) == ["pending", "pending"]
    assert messages_deliver_due(now=later + MINUTE) == 3  # the confirmation's in-app copy and booking 13's two
    assert sorted(recorder.sent) == sorted([confirmed[0].pk, confirmed[1].pk, *(m.pk for m in other_booking)])


def test_cancel_without_templates_takes_every_undelivered_one_and_a_failed_one(user, recorder):
    sms, in_app = send(user)
    recorder.fail_always = ConnectionError("gateway down")
    message_deliver(message_id=sms.pk)

    assert messages_cancel(ref="booking:12") == 2
    assert statuses(sms, in_app) == ["cancelled", "cancelled"]
    with pytest.raises(ValueError):
        messages_cancel(ref="")


# --- delivering ----------------------------------------------------------------------------------------------


def test_delivery_sends_once_and_records_it(user, recorder):
    sms, in_app = send(user)

    assert message_deliver(message_id=sms.pk) == "sent"
    assert message_deliver(message_id=sms.pk) == "sent"  # a task delivered twice

    sms.refresh_from_db()
    assert recorder.sent == [sms.pk]
    assert (sms.attempts, sms.provider_message_id, sms.claimed_until) == (1, f"rec-{sms.pk}", None)
    assert sms.sent_at is not None
    assert statuses(in_app) == ["pending"]


def test_the_default_senders_log_sms_and_mark_in_app_sent(user, caplog):
    sms, in_app = send(user)

    with caplog.at_level(logging.INFO, logger="notifications.senders"):
        assert messages_deliver_due() == 2

    assert "13912345678" in caplog.text and sms.body in caplog.text
    sms.refresh_from_db()
    in_app.refresh_from_db()
    assert (sms.status, sms.provider_message_id) == ("sent", f"log-{sms.pk}")
    assert (in_app.status, in_app.provider_message_id) == ("sent", "")


def test_a_failure_backs_off_is_retried_by_the_sweep_and_gives_up(user, recorder, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BACKOFF_S = 60
    (sms,) = send(user, channels=["sms"])
    recorder.fail_always = ConnectionError("gateway timeout")
    t0 = timezone.now()

    # attempt 1 fails: the next one is due a minute later
    assert message_deliver(message_id=sms.pk, now=t0) == "failed"
    sms.refresh_from_db()
    assert (sms.attempts, sms.gave_up, sms.send_after) == (1, False, t0 + MINUTE)
    assert sms.last_error == "ConnectionError: gateway timeout"

    # not before it is due
    assert messages_deliver_due(now=t0 + 30 * dt.timedelta(seconds=1)) == 0
    assert len(recorder.calls) == 1

    # attempt 2, then 3 after twice the wait: then it gives up
    assert messages_deliver_due(now=t0 + MINUTE) == 0
    sms.refresh_from_db()
    assert (sms.attempts, sms.send_after) == (2, t0 + 3 * MINUTE)
    assert messages_deliver_due(now=t0 + 3 * MINUTE) == 0
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.gave_up) == ("failed", 3, True)

    # nothing retries it any more
    assert messages_deliver_due(now=t0 + dt.timedelta(days=1)) == 0
    assert message_deliver(message_id=sms.pk, now=t0 + dt.timedelta(days=1)) == "failed"
    assert len(recorder.calls) == 3 and recorder.sent == []


def test_a_failure_then_a_success(user, recorder):
    (sms,) = send(user, channels=["sms"])
    recorder.failures = [ConnectionError("blip")]
    t0 = timezone.now()

    assert message_deliver(message_id=sms.pk, now=t0) == "failed"
    assert messages_deliver_due(now=t0 + 2 * MINUTE) == 1

    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 2, "ConnectionError: blip")
    assert recorder.sent == [sms.pk]


def test_a_permanent_failure_gives_up_at_once(user, recorder):
    (sms,) = send(user, channels=["sms"])
    recorder.fail_always = SendFailed("invalid phone number", permanent=True)

    assert message_deliver(message_id=sms.pk) == "failed"

    sms.refresh_from_db()
    assert (sms.attempts, sms.gave_up, sms.last_error) == (1, True, "invalid phone number")


def test_a_reminder_is_not_sent_before_it_is_due(user, recorder):
    at = timezone.now() + dt.timedelta(hours=22)
    sms, in_app = send(user, template="booking_reminder_2h", send_after=at)

    assert message_deliver(message_id=sms.pk) == "pending"
    assert messages_deliver_due(now=at - dt.timedelta(seconds=1)) == 0
    assert recorder.calls == []

    assert messages_deliver_due(now=at) == 2
    assert sorted(recorder.sent) == [sms.pk, in_app.pk]


def test_a_claim_blocks_others_until_it_expires(user, recorder, settings):
    settings.NOTIFICATION_CLAIM_LEASE_S = 300
    (sms,) = send(user, channels=["sms"])
    t0 = timezone.now()
    # A worker claimed the message and died while sending it.
    Message.objects.filter(pk=sms.pk).update(status="sending", attempts=1, claimed_until=t0 + dt.timedelta(minutes=5))

    assert message_deliver(message_id=sms.pk, now=t0 + MINUTE) == "sending"
    assert messages_deliver_due(now=t0 + 4 * MINUTE) == 0
    assert recorder.calls == []

    assert messages_deliver_due(now=t0 + 6 * MINUTE) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 2)
    assert recorder.sent == [sms.pk]


def test_a_lost_claim_on_the_last_attempt_gives_up(user, recorder, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    (sms,) = send(user, channels=["sms"])
    t0 = timezone.now()
    Message.objects.filter(pk=sms.pk).update(status="sending", attempts=2, claimed_until=t0)

    assert message_deliver(message_id=sms.pk, now=t0 + MINUTE) == "failed"
    sms.refresh_from_db()
    assert sms.gave_up and recorder.calls == []


def test_a_late_outcome_does_not_overwrite_the_next_claims(user, recorder):
    # The first worker's lease expired mid-send and a second worker took the message: the first one's failure,
    # reported late, must not turn the message back to failed over the second one's claim.
    (sms,) = send(user, channels=["sms"])
    from notifications.services import _record_failure

    Message.objects.filter(pk=sms.pk).update(status="sending", attempts=2, claimed_until=timezone.now())
    assert _record_failure(sms, 1, "late", give_up=False, now=None) == "sending"
    assert Message.objects.get(pk=sms.pk).last_error == ""


def test_delivering_a_message_that_does_not_exist():
    assert message_deliver(message_id=987654) == ""


def test_retry_revives_a_message_that_gave_up(user, recorder, queue, django_capture_on_commit_callbacks):
    sms, in_app = send(user)
    recorder.fail_always = SendFailed("quota exceeded", permanent=True)
    message_deliver(message_id=sms.pk)
    recorder.fail_always = None

    with django_capture_on_commit_callbacks(execute=True):
        assert messages_retry(message_ids=[sms.pk, in_app.pk]) == 1  # the pending one is not touched

    sms.refresh_from_db()
    assert (sms.status, sms.gave_up, sms.attempts) == ("pending", False, 0)
    assert queue.deliveries() == [sms.pk]
    assert message_deliver(message_id=sms.pk) == "sent"
