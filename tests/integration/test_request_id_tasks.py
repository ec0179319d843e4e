"""A task's logs carry the id of the request that queued it: the id travels in the task message's headers through the
real broker to a real worker (a thread of its own, so nothing is shared but the message), directly or through the
outbox of domain events (chefu.observability.tasks, chefu.events)."""

import datetime as dt
import logging
import threading
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from chefu import events
from chefu.events import Event, emit, subscribe
from chefu.models import EventDelivery
from chefu.observability.context import request_id_bound
from chefu.observability.logs import RequestIdFilter
from chefu.tasks import events_retry_due_task
from payments.models import Payment
from payments.providers.base import provider_get
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token
from tests.factories import VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def logs(caplog):
    """Every record of the test, the worker thread's included, through the filter the console handler has."""
    added = RequestIdFilter()
    caplog.handler.addFilter(added)
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.removeFilter(added)


def _worker_records(logs, logger_name: str) -> list[logging.LogRecord]:
    main = threading.main_thread().name
    return [r for r in logs.records if r.name == logger_name and r.threadName != main]


def test_the_messages_a_paid_notification_sends_log_its_request_id(celery_worker, logs, owner):
    # given: a booking waiting for its money
    client = ApiClient(issue_token(owner))
    body = {
        "store_id": make_shop().pk,
        "service_code": "minor_service",
        "vehicle_id": VehicleFactory(owner=owner).pk,
        "start": local(tomorrow() + dt.timedelta(days=2), 10).isoformat(),
    }
    booking_id = client.post("bookings", body).json()["id"]
    payment = Payment.objects.get(
        pk=client.post(f"bookings/{booking_id}/pay", {"provider": "sandbox"}).json()["payment_id"]
    )
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )

    # when: the provider's notification arrives with a request id (its proxy's); it confirms the booking, whose
    # durable reaction writes the outbox messages and queues their delivery on commit
    response = client._client.post("/api/v1/payments/notify/sandbox", params, headers={"X-Request-ID": "notify-0001"})

    # then: the worker delivers the SMS through the log sender, and its line carries the notification's id
    assert response.status_code == 200 and response["X-Request-ID"] == "notify-0001"
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED
    sent = celery_worker.wait_for(lambda: _worker_records(logs, "notifications.senders"), timeout=20)
    assert {r.request_id for r in sent} == {"notify-0001"}
    assert {r.task_name for r in sent} == {"notifications.tasks.message_deliver_task"}


attempts = {"left_to_fail": 0}
retry_logger = logging.getLogger("chefu.test.retry")


@dataclass(frozen=True)
class Pinged(Event):
    name = "test.request_id_pinged"
    n: int


def pinged_log(event: Pinged) -> None:
    if attempts["left_to_fail"] > 0:
        attempts["left_to_fail"] -= 1
        raise RuntimeError("the first attempt fails")
    retry_logger.info("pinged %s", event.n)


def test_a_reaction_retried_by_the_worker_logs_the_request_id_that_emitted_it(celery_worker, logs, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    subscribe(Pinged, pinged_log, durable=True)
    attempts["left_to_fail"] = 1

    # given: a request's change emitted the event; its reaction failed after the commit
    with request_id_bound("emitter-0001"), transaction.atomic():
        emit(Pinged(n=7))
    [row] = EventDelivery.objects.all()
    assert (row.attempts, row.request_id) == (1, "emitter-0001")

    # when: beat's task, queued with no request id of its own, runs the reaction again in the worker
    EventDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    events_retry_due_task.delay()

    # then: the retry logs under the id of the request that emitted the event
    [line] = celery_worker.wait_for(lambda: _worker_records(logs, "chefu.test.retry"), timeout=20)
    assert line.request_id == "emitter-0001"
    assert line.task_name == "chefu.tasks.events_retry_due_task"
    celery_worker.wait_for(lambda: not EventDelivery.objects.exists())


def test_a_task_queued_outside_any_request_runs_with_none(celery_worker, logs, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})
    subscribe(Pinged, pinged_log, durable=True)
    attempts["left_to_fail"] = 1
    with transaction.atomic():
        emit(Pinged(n=8))
    EventDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))

    events_retry_due_task.delay()

    [line] = celery_worker.wait_for(lambda: _worker_records(logs, "chefu.test.retry"), timeout=20)
    assert line.request_id == "-"
