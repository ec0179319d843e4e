"""The outbox with a real worker: messages committed here are delivered there, and a dead broker delays them
without losing any."""

import logging
import time

import pytest
from django.db import transaction

from notifications.models import Message
from notifications.services import notify
from notifications.tasks import messages_deliver_due_task
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS, DELIVER_TASK, SWEEP_TASK, broker_down, record_every_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def recorder(settings):
    sender = record_every_channel(settings)
    yield sender
    sender.reset()


def statuses(messages: list[Message]) -> list[str]:
    return list(Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk").values_list("status", flat=True))


def test_a_committed_notify_is_delivered_by_the_worker(celery_worker, recorder):
    user = UserFactory()

    with transaction.atomic():
        messages = notify(recipient=user, template="booking_confirmed", params=BOOKING_PARAMS, ref="booking:12")
        assert statuses(messages) == ["pending", "pending"]

    celery_worker.wait_for(lambda: statuses(messages) == ["sent", "sent"])
    runs = celery_worker.wait_for_task(DELIVER_TASK, count=2)
    assert sorted(r.args for r in runs) == sorted((m.pk,) for m in messages)
    assert all(r.state == "SUCCESS" and r.thread != "MainThread" for r in runs)
    assert sorted(recorder.sent) == sorted(m.pk for m in messages)


def test_a_dead_broker_delays_messages_and_loses_none(celery_worker, recorder, caplog):
    user = UserFactory()

    # when: the change commits while the broker is unreachable
    with caplog.at_level(logging.WARNING, logger="chefu.queue"), broker_down():
        started = time.monotonic()
        with transaction.atomic():
            messages = notify(recipient=user, template="booking_confirmed", params=BOOKING_PARAMS, ref="booking:12")
        elapsed = time.monotonic() - started

    # then: the request went on, promptly; the messages wait, committed
    assert elapsed < 2
    assert "the sweep will do it" in caplog.text
    time.sleep(0.5)  # a worker that had been handed the messages would be delivering them by now
    assert statuses(messages) == ["pending", "pending"]
    assert celery_worker.ran(DELIVER_TASK) == [] and recorder.calls == []

    # when: the broker is back and beat's sweep runs on the worker
    messages_deliver_due_task.delay()

    # then: each message is delivered, once
    (run,) = celery_worker.wait_for_task(SWEEP_TASK)
    assert run.state == "SUCCESS"
    assert statuses(messages) == ["sent", "sent"]
    assert sorted(recorder.sent) == sorted(m.pk for m in messages)
    messages_deliver_due_task.delay()
    celery_worker.wait_for_task(SWEEP_TASK, count=2)
    assert sorted(recorder.sent) == sorted(m.pk for m in messages)
