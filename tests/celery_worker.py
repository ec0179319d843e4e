"""A real Celery worker for integration and browser tests: a thread of the test process, consuming every queue of
the test broker (Redis DB TEST_REDIS_DB + 1) and running tasks against the test database. A plugin of the root conftest
(``pytest_plugins``), so any test may ask for it::

    @pytest.mark.django_db(transaction=True)
    def test_reminder_is_sent(celery_worker):
        with transaction.atomic():
            booking = booking_create(...)              # queues its task with transaction.on_commit
        celery_worker.wait_for(lambda: Outbox.objects.filter(booking=booking).exists())
        assert celery_worker.ran("bookings.tasks.booking_remind_task")

- The test must be transactional (``django_db(transaction=True)``; the fixture asks for it anyway): the worker
  has its own database connection and sees committed rows only. Do the work inside ``transaction.atomic()``
  (or through a service that is atomic) so that on_commit callbacks fire as they do in production.
- There is no result backend (CELERY_RESULT_BACKEND is None): never ``.get()`` a result; wait for the effect
  in the database with ``celery_worker.wait_for(predicate)``, or for the task with ``celery_worker.wait_for_task``.
- Each test gets a fresh worker (about a second): the queue is purged before it starts, and it is stopped before
  the test database is flushed, so no task of one test runs in another.
- ``solo`` pool: one task at a time, in the worker thread. Pass ``pool="threads"`` through
  ``@pytest.mark.celery_worker(pool="threads", concurrency=4)`` to run tasks concurrently.
- The worker logs at ``error`` level; ``WORKER_LOGLEVEL=info pytest -s tests/integration`` shows each task.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from chefu.celery import app as celery_app


def pytest_configure(config):
    config.addinivalue_line("markers", "celery_worker(**options): options for celery_worker's start_worker()")


@dataclass(frozen=True)
class TaskRun:
    name: str
    args: tuple
    kwargs: dict
    state: str
    thread: str


@dataclass
class WorkerHandle:
    worker: object
    runs: list[TaskRun] = field(default_factory=list)

    def ran(self, task_name: str) -> list[TaskRun]:
        """The runs of ``task_name`` that have finished so far (retries included), oldest first."""
        return [r for r in list(self.runs) if r.name == task_name]

    def wait_for(self, predicate: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.1):
        """Poll ``predicate`` until it returns something truthy, and return that; fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not true after {timeout} s: {getattr(predicate, '__name__', predicate)}; runs: {self.runs}"
                )
            time.sleep(interval)

    def wait_for_task(self, task_name: str, *, count: int = 1, timeout: float = 10.0) -> list[TaskRun]:
        """Wait until ``task_name`` has finished ``count`` times (any outcome)."""
        return self.wait_for(lambda: len(self.ran(task_name)) >= count and self.ran(task_name), timeout=timeout)


def queue_names() -> list[str]:
    """Every queue of the test settings (chefu.broker's, under the test run's prefix)."""
    return [queue.name for queue in celery_app.conf.task_queues]


def queues_purge() -> None:
    """Empty the test broker's queues, and forget messages a crashed run left unacknowledged (Redis transport)."""
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        for name in queue_names():
            channel.queue_purge(name)
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.fixture
def celery_worker(request, transactional_db, django_db_serialized_rollback, monkeypatch):
    """Start an in-process worker on the test broker and database; stop it when the test ends."""
    # The app reads CELERY_BROKER_URL from the test settings; if anything pointed it elsewhere (the demo's broker),
    # point it back rather than consume another environment's queue.
    if celery_app.conf.broker_url != settings.CELERY_BROKER_URL:
        celery_app.conf.broker_url = settings.CELERY_BROKER_URL
        celery_app.close()  # drop pooled connections to the other broker
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert not celery_app.conf.task_always_eager

    # Keep pytest's log capture: the worker would otherwise replace the root logger's handlers.
    monkeypatch.setitem(celery_app.conf, "worker_hijack_root_logger", False)
    # The worker would run Django's system checks at start-up: seconds spent on what these tests are not about.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")

    handle = WorkerHandle(worker=None)

    def record(sender=None, args=None, kwargs=None, state=None, **_):
        handle.runs.append(
            TaskRun(sender.name, tuple(args or ()), dict(kwargs or {}), state, threading.current_thread().name)
        )

    signals.task_postrun.connect(record, weak=False)
    queues_purge()
    marker = request.node.get_closest_marker("celery_worker")
    options = {
        "queues": queue_names(),  # all of them, as the development worker of scripts/serve.sh
        "pool": "solo",
        "perform_ping_check": False,
        "shutdown_timeout": 30.0,
        **(marker.kwargs if marker else {}),
    }
    try:
        with start_worker(celery_app, **options) as worker:
            handle.worker = worker
            yield handle
    finally:
        signals.task_postrun.disconnect(record)
        # Messages the worker held back (countdown, ETA) went back to the queue when it stopped.
        queues_purge()
