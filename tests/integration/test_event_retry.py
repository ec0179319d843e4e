"""A durable reaction that fails after the commit is retried by the beat task on a real worker, and its outbox row
goes once it succeeds (chefu.events)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from chefu import events
from chefu.events import Event, emit, subscribe
from chefu.models import EventDelivery
from chefu.tasks import events_retry_due_task
from stores.models import Store
from tests.factories import StoreFactory

failures_left = {"count": 0}


@dataclass(frozen=True)
class StoreRenamed(Event):
    name = "test.worker_store_renamed"
    store_id: int


def rename(event: StoreRenamed) -> None:
    Store.objects.filter(pk=event.store_id).update(name="renamed by the reaction")
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError("the first attempt fails")


@pytest.mark.django_db(transaction=True)
def test_a_failed_durable_reaction_is_retried_by_the_worker(celery_worker, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    subscribe(StoreRenamed, rename, durable=True)
    failures_left["count"] = 1
    store = StoreFactory(name="as opened")

    with transaction.atomic():
        emit(StoreRenamed(store_id=store.pk))

    # the emitter committed, the reaction failed: its write rolled back, its row kept for the retry
    [row] = EventDelivery.objects.all()
    assert (row.attempts, row.dead_at) == (1, None)
    assert Store.objects.get(pk=store.pk).name == "as opened"

    EventDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    events_retry_due_task.delay()

    celery_worker.wait_for(lambda: not EventDelivery.objects.exists(), timeout=20)
    assert Store.objects.get(pk=store.pk).name == "renamed by the reaction"
    [run] = celery_worker.wait_for_task("chefu.tasks.events_retry_due_task")
    assert run.state == "SUCCESS"
