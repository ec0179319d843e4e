"""Retention of the outbox: final messages leave after NOTIFICATION_RETENTION_DAYS, in batches; the rest stay."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from chefu.models import EventDelivery
from chefu.retention import event_deliveries_dead_purge
from notifications.models import Message, MessageStatus
from notifications.retention import messages_purge
from notifications.services import notify
from notifications.tasks import messages_purge_task
from tests.factories import UserFactory
from tests.notifications.support import BOOKING_PARAMS

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _message(user, *, age_days: int, status: str, gave_up: bool = False) -> Message:
    (message,) = notify(recipient=user, template="booking_confirmed", params=BOOKING_PARAMS, channels=["in_app"])
    created = NOW - dt.timedelta(days=age_days)
    # Test setup: the row as the outbox would have left it that many days ago.
    Message.objects.filter(pk=message.pk).update(
        created_at=created,
        send_after=created,
        status=status,
        gave_up=gave_up,
        sent_at=created if status == MessageStatus.SENT else None,
        claimed_until=created if status == MessageStatus.SENDING else None,
    )
    return message


def test_final_messages_past_the_retention_are_purged_in_batches_and_the_rest_stay(settings):
    # given a 90-day retention and messages of every state, old and recent
    settings.NOTIFICATION_RETENTION_DAYS = 90
    user = UserFactory()
    old_final = [
        _message(user, age_days=91, status=MessageStatus.SENT),
        _message(user, age_days=200, status=MessageStatus.SENT),
        _message(user, age_days=400, status=MessageStatus.SENT),
        _message(user, age_days=95, status=MessageStatus.CANCELLED),
        _message(user, age_days=120, status=MessageStatus.FAILED, gave_up=True),
    ]
    kept = [
        _message(user, age_days=89, status=MessageStatus.SENT),
        _message(user, age_days=300, status=MessageStatus.PENDING),
        _message(user, age_days=300, status=MessageStatus.FAILED),
        _message(user, age_days=300, status=MessageStatus.SENDING),
    ]

    # when the purge runs with batches of two
    purged = messages_purge(now=NOW, batch_size=2)

    # then the five final old ones are gone (three batches), the others are untouched
    assert purged == 5
    assert not Message.objects.filter(pk__in=[m.pk for m in old_final]).exists()
    assert set(Message.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    # and a second run finds nothing
    assert messages_purge(now=NOW) == 0


def test_a_purge_stops_after_its_batches_and_the_next_run_carries_on(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    user = UserFactory()
    for days in (40, 41, 42, 43, 44):
        _message(user, age_days=days, status=MessageStatus.SENT)

    assert messages_purge(now=NOW, batch_size=2, max_batches=1) == 2
    assert Message.objects.count() == 3
    assert messages_purge(now=NOW, batch_size=2) == 3
    assert not Message.objects.exists()


def test_the_task_purges_with_the_current_time(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 90
    user = UserFactory()
    old = _message(user, age_days=1, status=MessageStatus.SENT)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=91))

    assert messages_purge_task() == 1
    assert not Message.objects.exists()


def test_the_purges_are_scheduled_nightly_in_beat():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "notifications.tasks.messages_purge_task",
        "chefu.tasks.event_deliveries_dead_purge_task",
        "chefu.tasks.sessions_clear_task",
    } <= tasks


def test_expired_sessions_are_cleared():
    from django.contrib.sessions.models import Session

    from chefu.tasks import sessions_clear_task

    Session.objects.create(session_key="a" * 32, session_data="x", expire_date=NOW - dt.timedelta(days=1))
    Session.objects.create(session_key="b" * 32, session_data="x", expire_date=timezone.now() + dt.timedelta(days=1))

    sessions_clear_task()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]


def _delivery(*, age_days: int, dead: bool) -> EventDelivery:
    at = NOW - dt.timedelta(days=age_days)
    return EventDelivery.objects.create(
        event="tests.Event",
        payload={},
        subscriber="tests.handler",
        attempts=10 if dead else 1,
        next_attempt_at=at,
        created_at=at,
        dead_at=at if dead else None,
    )


def test_dead_event_deliveries_past_their_retention_are_purged(settings):
    settings.EVENT_DELIVERY_DEAD_RETENTION_DAYS = 365
    old_dead = _delivery(age_days=400, dead=True)
    recent_dead = _delivery(age_days=100, dead=True)
    old_retrying = _delivery(age_days=400, dead=False)

    assert event_deliveries_dead_purge(now=NOW) == 1
    assert not EventDelivery.objects.filter(pk=old_dead.pk).exists()
    assert set(EventDelivery.objects.values_list("pk", flat=True)) == {recent_dead.pk, old_retrying.pk}
