"""Contended deliveries on real Postgres: the claim lets one worker send a message, however many try at once."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from notifications.models import Message
from notifications.services import message_deliver, messages_deliver_due, notify
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("queue")]

THREADS = 4


def run_at_once(*targets: Callable[[], object]) -> list[object]:
    """Run each target in its own thread, released together; each outcome is a result or the exception."""
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = []
    lock = threading.Lock()

    def worker(target):
        try:
            barrier.wait(timeout=10)
            try:
                outcome = target()
            except Exception as exc:
                outcome = exc
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == len(targets)
    return outcomes


def test_workers_delivering_one_message_at_once_send_it_once(recorder):
    (sms,) = notify(recipient=UserFactory(), template="booking_confirmed", params=BOOKING_PARAMS, channels=["sms"])
    recorder.delay_s = 0.3  # the losers ask while the winner is still sending

    outcomes = run_at_once(*[lambda: message_deliver(message_id=sms.pk)] * THREADS)

    assert recorder.sent == [sms.pk]
    assert sorted(outcomes) == ["sending"] * (THREADS - 1) + ["sent"]
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 1)


def test_overlapping_sweeps_and_tasks_send_each_message_once(recorder):
    user = UserFactory()
    messages = [
        m
        for i in range(5)
        for m in notify(recipient=user, template="booking_confirmed", params={**BOOKING_PARAMS, "booking_id": str(i)})
    ]
    recorder.delay_s = 0.02

    run_at_once(
        messages_deliver_due, messages_deliver_due, *[lambda m=m: message_deliver(message_id=m.pk) for m in messages]
    )

    assert sorted(recorder.sent) == sorted(m.pk for m in messages)
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_simultaneous_notifies_with_one_key_write_one_set(recorder):
    user = UserFactory()

    def notify_once():
        with transaction.atomic():
            rows = notify(recipient=user, template="booking_confirmed", params=BOOKING_PARAMS, dedupe_key="booking:12")
            return sorted(m.pk for m in rows)

    outcomes = run_at_once(*[notify_once] * THREADS)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert len({tuple(o) for o in outcomes}) == 1
    assert Message.objects.count() == 2
