"""Workers in processes of their own (tests/celery_process.py), on Redis and on RabbitMQ: a worker killed while the
SMS gateway has taken a message but not yet answered leaves the message to be taken again, and the phone gets it
once (the claim's lease, the sweep, the message id as the gateway's idempotency key); on RabbitMQ, the broker of
production, a booking's messages go through the queues by concern and are delivered once."""

import re
import time

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import BookingStatus
from chefu.celery import app as celery_app
from chefu.queue import send_now
from notifications.models import Message, MessageStatus
from notifications.services import notify
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.celery_process import RABBITMQ_URL, on_rabbitmq
from tests.factories import UserFactory
from tests.integration import sms_standin
from tests.notifications.support import BOOKING_PARAMS, DELIVER_TASK, SWEEP_TASK

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_S = 6


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {what}")
        time.sleep(0.1)
    return result


@pytest.fixture(params=["redis", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def broker_env(request):
    """The broker the workers and this process use, and the environment a worker process needs for it."""
    if request.param == "redis":
        yield {}
    else:
        with on_rabbitmq() as url:
            yield {"TEST_CELERY_BROKER_URL": url}


def test_a_worker_killed_mid_send_leaves_the_message_delivered_once(broker_env, worker_processes, tmp_path):
    # given: a worker whose SMS gateway takes the message and then holds its answer; claims last LEASE_S
    standin = tmp_path / "sms"
    env = {**broker_env, **sms_standin.standin_dir(standin, hold=True), "NOTIFICATION_CLAIM_LEASE_S": str(LEASE_S)}
    first = worker_processes(env)
    user = UserFactory(phone="13800138000")
    with transaction.atomic():
        (message,) = notify(
            recipient=user, template="booking_confirmed", params=BOOKING_PARAMS, ref="booking:12", channels=["sms"]
        )

    # when: the gateway has the message (the phone has it) and the worker is killed before the answer comes back
    wait_for(lambda: sms_standin.accepted(standin), timeout=30, what="the gateway got the message")
    first.kill()
    claimed = Message.objects.get(pk=message.pk)
    assert (claimed.status, claimed.attempts) == (MessageStatus.SENDING, 1)
    (standin / "hold").unlink()
    second = worker_processes(env)
    # the claim runs out; the sweep (every 30 s in production) takes the message again
    wait_for(lambda: timezone.now() > claimed.claimed_until, timeout=LEASE_S + 5, what="the claim expired")
    send_now(SWEEP_TASK, [((), {})], what="the sweep")

    # then: the row says sent after a second attempt, and the gateway dropped the repeat: the phone got it once
    sent = wait_for(
        lambda: Message.objects.filter(pk=message.pk, status=MessageStatus.SENT).first(),
        timeout=30,
        what=f"message sent; second worker:\n{second.output()[-3000:]}",
    )
    assert sent.attempts == 2 and sent.provider_message_id == f"standin-{message.pk}"
    assert sms_standin.requests(standin) == [str(message.pk), str(message.pk)]
    assert sms_standin.accepted(standin) == [str(message.pk)]
    if broker_env:
        # acks late on RabbitMQ: the killed worker's task came back at once, to the second worker, whose claim lost
        assert re.search(rf"{DELIVER_TASK}\[[-0-9a-f]+\] received", second.output())
    second.stop()


@pytest.mark.rabbitmq
def test_on_rabbitmq_a_booking_s_messages_go_through_their_queue_and_are_delivered_once(
    worker_processes, tmp_path, settings
):
    standin = tmp_path / "sms"
    with on_rabbitmq() as url:
        worker = worker_processes({"TEST_CELERY_BROKER_URL": url, **sms_standin.standin_dir(standin)})
        # given: a booking; when: it is confirmed (paid: the owner is told by SMS and in the app)
        booking = book(another_owner(), make_shop(bays=1), local(tomorrow(), 10))
        booking_services.booking_confirm(booking_id=booking.pk)

        # then: the worker on RabbitMQ delivers each message once
        messages = Message.objects.filter(ref=f"booking:{booking.pk}", template="booking_confirmed")
        wait_for(lambda: messages.exists(), timeout=30, what="the expiry's messages were written")
        wait_for(
            lambda: set(messages.values_list("status", flat=True)) == {MessageStatus.SENT},
            timeout=30,
            what=f"messages sent; worker:\n{worker.output()[-3000:]}",
        )
        sms = messages.get(channel="sms")
        assert sms_standin.requests(standin) == [str(sms.pk)]
        assert all(m.attempts == 1 for m in messages)
        assert booking.__class__.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
        assert len(re.findall(rf"{DELIVER_TASK}\[[-0-9a-f]+\] received", worker.output())) == messages.count()
        assert celery_app.conf.broker_url == url
        worker.stop()
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL != RABBITMQ_URL
