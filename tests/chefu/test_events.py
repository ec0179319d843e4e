"""The domain-event dispatcher (chefu.events): after commit only, in order, each handler on its own, durable
reactions in the outbox until they succeed, retried by the beat task, dead after the last attempt."""

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from chefu import events
from chefu.events import Event, emit, subscribe
from chefu.models import EventDelivery
from chefu.tasks import events_retry_due_task
from stores.models import Store
from tests.commits import commits
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Pinged(Event):
    name = "test.pinged"
    store_id: int


@dataclass(frozen=True)
class Everything(Event):
    name = "test.everything"
    id: int
    label: str
    flag: bool
    amount: Decimal
    at: dt.datetime
    day: dt.date
    maybe: Decimal | None
    ids: tuple[int, ...]


calls: list[tuple[str, Event]] = []
failures_left = {"count": 0}


def first(event):
    calls.append(("first", event))


def second(event):
    calls.append(("second", event))


def failing(event):
    # What it wrote before failing goes with its transaction.
    Store.objects.filter(pk=event.store_id).update(name="written by a failing handler")
    raise RuntimeError("handler broke")


def flaky(event):
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError("not yet")
    calls.append(("flaky", event))


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Subscriptions made in a test are gone after it; the apps' own are left out."""
    monkeypatch.setattr(events, "_subscribers", {})
    calls.clear()
    failures_left["count"] = 0
    yield
    calls.clear()


@pytest.fixture
def store():
    return StoreFactory()


def test_handlers_run_after_commit_only(store):
    subscribe(Pinged, first)

    with commits():
        with transaction.atomic():
            emit(Pinged(store_id=store.pk))
            assert calls == []  # not before the commit
        assert calls == [("first", Pinged(store_id=store.pk))]


def test_nothing_is_delivered_when_the_emitter_rolls_back(store):
    subscribe(Pinged, first)
    subscribe(Pinged, second, durable=True)

    with commits(), pytest.raises(ValueError), transaction.atomic():
        emit(Pinged(store_id=store.pk))
        raise ValueError("the change failed")

    assert calls == []
    assert not EventDelivery.objects.exists()  # the outbox row went with the change


def test_handlers_run_in_registration_order(store):
    subscribe(Pinged, second)
    subscribe(Pinged, first)

    with commits():
        emit(Pinged(store_id=store.pk))

    assert [who for who, _ in calls] == ["second", "first"]


def test_subscribing_the_same_handler_twice_is_a_no_op(store):
    subscribe(Pinged, first)
    subscribe(Pinged, first, durable=True)

    with commits():
        emit(Pinged(store_id=store.pk))

    assert [s.path for s in events.subscribers(Pinged)] == ["tests.chefu.test_events.first"]
    assert not events.subscribers(Pinged)[0].durable
    assert len(calls) == 1


def test_when_keeps_the_events_a_subscriber_does_not_want_from_it_and_from_the_outbox(store):
    other = StoreFactory()
    subscribe(Pinged, first, when=lambda event: event.store_id == store.pk)
    subscribe(Pinged, second, durable=True, when=lambda event: event.store_id == store.pk)

    with transaction.atomic():
        emit(Pinged(store_id=other.pk))
        assert not EventDelivery.objects.exists()  # no row for a reaction that does not want it
        emit(Pinged(store_id=store.pk))
        assert EventDelivery.objects.count() == 1

    with commits():
        emit(Pinged(store_id=other.pk))
        emit(Pinged(store_id=store.pk))

    assert calls == [("first", Pinged(store_id=store.pk)), ("second", Pinged(store_id=store.pk))]


def test_a_handler_must_be_known_by_its_path():
    with pytest.raises(ImproperlyConfigured):
        subscribe(Pinged, lambda event: None)


def test_a_failing_handler_neither_undoes_the_commit_nor_stops_the_others(store, caplog):
    subscribe(Pinged, first)
    subscribe(Pinged, failing)
    subscribe(Pinged, second)

    with commits(), transaction.atomic():
        Store.objects.filter(pk=store.pk).update(name="the emitter's change")
        emit(Pinged(store_id=store.pk))

    assert [who for who, _ in calls] == ["first", "second"]
    store.refresh_from_db()
    assert store.name == "the emitter's change"  # committed, and the failing handler's write rolled back
    assert "handler broke" in caplog.text
    [retry] = EventDelivery.objects.all()  # a non-durable handler that fails gets a retry row
    assert (retry.subscriber, retry.attempts, retry.dead_at) == ("tests.chefu.test_events.failing", 1, None)
    assert retry.payload == {"store_id": store.pk}
    assert "handler broke" in retry.last_error
    assert retry.next_attempt_at > timezone.now()


def test_a_durable_reaction_is_written_with_the_change_and_deleted_when_it_succeeds(store):
    subscribe(Pinged, first, durable=True)
    subscribe(Pinged, second, durable=True)

    with commits(), transaction.atomic():
        emit(Pinged(store_id=store.pk))
        rows = list(EventDelivery.objects.order_by("pk").values_list("event", "subscriber", "payload", "attempts"))
        assert rows == [
            ("test.pinged", "tests.chefu.test_events.first", {"store_id": store.pk}, 0),
            ("test.pinged", "tests.chefu.test_events.second", {"store_id": store.pk}, 0),
        ]
        # committed and delivered: both rows are gone
    assert [who for who, _ in calls] == ["first", "second"]
    assert not EventDelivery.objects.exists()


def test_durable_rows_are_one_insert(store, django_assert_num_queries):
    subscribe(Pinged, first, durable=True)
    subscribe(Pinged, second, durable=True)

    with django_assert_num_queries(1):
        emit(Pinged(store_id=store.pk))  # in the test's transaction: delivered at a commit that never comes


def test_an_emit_without_durable_subscribers_costs_no_query(store, django_assert_num_queries):
    with django_assert_num_queries(0):
        emit(Pinged(store_id=store.pk))  # nobody listens
    subscribe(Pinged, first)
    with django_assert_num_queries(0):
        emit(Pinged(store_id=store.pk))


def test_a_failed_durable_reaction_is_retried_by_the_beat_task(store):
    subscribe(Pinged, flaky, durable=True)
    failures_left["count"] = 1

    with commits():
        emit(Pinged(store_id=store.pk))

    [row] = EventDelivery.objects.all()
    assert (row.attempts, row.dead_at) == (1, None)
    assert calls == []
    assert events_retry_due_task.apply().get() == 0  # not due yet
    EventDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))

    assert events_retry_due_task.apply().get() == 1

    assert calls == [("flaky", Pinged(store_id=store.pk))]
    assert not EventDelivery.objects.exists()


@override_settings(EVENT_DELIVERY_MAX_ATTEMPTS=3)
def test_a_reaction_is_kept_as_dead_after_the_last_attempt(store):
    subscribe(Pinged, failing, durable=True)
    with commits():
        emit(Pinged(store_id=store.pk))
    now = timezone.now()

    for hours in (1, 2):
        assert events.deliveries_retry_due(now=now + dt.timedelta(hours=hours)) == 0

    [row] = EventDelivery.objects.all()
    assert row.attempts == 3
    assert row.dead_at == now + dt.timedelta(hours=2)
    assert "handler broke" in row.last_error
    events.deliveries_retry_due(now=now + dt.timedelta(days=7))
    row.refresh_from_db()
    assert row.attempts == 3  # dead rows are not tried again


def out_of_time(event):
    raise SoftTimeLimitExceeded()


def test_the_retry_task_running_out_of_time_stops_and_leaves_the_row_as_it_was(store):
    """Celery's soft time limit is the task's, not the handler's failure: no attempt is counted, the next run takes
    the row again."""
    EventDelivery.objects.create(
        event="test.pinged",
        payload={"store_id": store.pk},
        subscriber="tests.chefu.test_events.out_of_time",
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1),
        created_at=timezone.now(),
    )
    subscribe(Pinged, out_of_time, durable=True)

    with pytest.raises(SoftTimeLimitExceeded):
        events.deliveries_retry_due()

    [row] = EventDelivery.objects.all()
    assert (row.attempts, row.dead_at, row.last_error) == (0, None, "")


def test_a_retry_row_of_a_subscriber_gone_since_dies_in_the_end(store):
    EventDelivery.objects.create(
        event="test.pinged",
        payload={"store_id": store.pk},
        subscriber="tests.chefu.test_events.gone",
        attempts=9,
        next_attempt_at=timezone.now(),
    )

    events.deliveries_retry_due()

    row = EventDelivery.objects.get()
    assert row.dead_at is not None
    assert "no longer subscribes" in row.last_error


def test_the_payload_round_trips_through_json():
    event = Everything(
        id=7,
        label="洗车",
        flag=True,
        amount=Decimal("299.50"),
        at=dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC),
        day=dt.date(2026, 11, 25),
        maybe=None,
        ids=(1, 2, 3),
    )

    payload = json.loads(json.dumps(event.payload()))

    assert payload["amount"] == "299.50"
    assert payload["at"] == "2026-11-25T01:30:00+00:00"
    assert Everything.from_payload(payload) == event
    assert Everything.from_payload({**payload, "maybe": "1.10"}).maybe == Decimal("1.10")


def test_a_payload_holds_values_not_objects(store):
    with pytest.raises(TypeError, match="not a payload value"):
        Pinged(store_id=store)


def test_an_event_name_is_taken_once():
    with pytest.raises(ImproperlyConfigured, match="taken"):

        @dataclass(frozen=True)
        class Impostor(Event):
            name = "test.pinged"
            store_id: int


def test_recording_sees_what_was_emitted(store):
    with events.recording() as recorded:
        emit(Pinged(store_id=store.pk))

    assert recorded == [Pinged(store_id=store.pk)]
