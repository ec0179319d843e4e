"""Subscribers that write nothing to the database (metrics) run without a transaction of their own
(``subscribe(..., atomic=False)``); and the outbox keeps the id of the request that emitted an event."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chefu import events
from chefu.events import Event, emit, subscribe
from chefu.models import EventDelivery
from chefu.observability.context import request_id_bound, request_id_get

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@dataclass(frozen=True)
class Counted(Event):
    name = "test.counted"
    n: int


seen: list[tuple[int, bool, str | None]] = []


def count(event: Counted) -> None:
    seen.append((event.n, connection.in_atomic_block, request_id_get()))


def fail_once(event: Counted) -> None:
    raise RuntimeError("no")


@pytest.fixture(autouse=True)
def _alone(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    seen.clear()


def _savepoints_while(emitting) -> int:
    with CaptureQueriesContext(connection) as queries:
        emitting()
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def _emit_in_a_transaction() -> None:
    with transaction.atomic():
        emit(Counted(n=1))


def test_a_subscriber_not_atomic_runs_after_the_commit_without_a_transaction_of_its_own():
    subscribe(Counted, count, atomic=False)

    # the emitter's own block is the only savepoint (the test's transaction stands for autocommit)
    assert _savepoints_while(_emit_in_a_transaction) == 1
    assert [n for n, _, _ in seen] == [1]


def test_an_atomic_one_opens_its_own():
    subscribe(Counted, count)

    assert _savepoints_while(_emit_in_a_transaction) == 2
    assert [n for n, _, _ in seen] == [1]


def test_a_durable_subscriber_cannot_do_without_its_transaction():
    with pytest.raises(ImproperlyConfigured, match="durable"):
        subscribe(Counted, count, durable=True, atomic=False)


def test_the_outbox_keeps_the_request_id_of_the_emitter():
    subscribe(Counted, count, durable=True)
    subscribe(Counted, fail_once)
    # the durable reaction's row is deleted once it ran: keep it by running the emit without committing
    with request_id_bound("emitter-req-01"), transaction.atomic():
        emit(Counted(n=2))
        [durable] = EventDelivery.objects.all()
        assert durable.request_id == "emitter-req-01"

    # and the retry row of a failed reaction that was not durable keeps it too
    [retry] = EventDelivery.objects.all()
    assert (retry.subscriber.endswith("fail_once"), retry.request_id) == (True, "emitter-req-01")
    # the durable reaction ran under the emitter's request
    assert seen == [(2, True, "emitter-req-01")]


def test_a_retry_runs_under_the_request_id_of_the_emitter():
    subscribe(Counted, fail_once)
    with request_id_bound("emitter-req-02"), transaction.atomic():
        emit(Counted(n=3))
    events._subscribers.clear()
    subscribe(Counted, count)
    # the same path, now succeeding (the retry finds its subscriber by path)
    EventDelivery.objects.update(subscriber=events.handler_path(count), next_attempt_at="2000-01-01T00:00Z")

    assert events.deliveries_retry_due() == 1
    assert seen == [(3, True, "emitter-req-02")]
    assert request_id_get() is None
