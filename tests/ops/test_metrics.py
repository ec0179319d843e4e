"""GET /metrics: django-prometheus's requests and database, the business counters moved by the domain events, the
gauges read at scrape time from the database and the real broker, and who may read the page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from kombu import Queue

from bookings import services as booking_services
from bookings.models import Booking
from chefu.celery import app as celery_app
from chefu.queue import send_now
from quality.models import Complaint
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.factories import VehicleFactory
from tests.ops.scraping import parse, total, value
from tests.payments.test_settlements import execute_refunds, new_booking, pay
from tests.quality.history import complaint

pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, **extra):
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


@pytest.mark.usefixtures("committing")
def test_a_booking_its_payment_its_cancellation_and_refund_move_the_counters(owner_client, owner):
    before = scrape()

    # when: an owner books through the API, pays through the sandbox, the store calls it off and the money goes back
    body = {
        "store_id": make_shop().pk,
        "service_code": "minor_service",
        "vehicle_id": VehicleFactory(owner=owner).pk,
        "start": local(tomorrow() + dt.timedelta(days=2), 10).isoformat(),
    }
    response = owner_client.post("bookings", body)
    assert response.status_code == 201
    booking = Booking.objects.get(pk=response.json()["id"])
    pay(booking)
    booking_services.booking_cancel(booking_id=booking.pk, by=None, reason="bay flooded", by_store=True)
    execute_refunds(booking)

    # then
    after = scrape()
    assert total(after, "chefu_bookings_created_total") - total(before, "chefu_bookings_created_total") == 1
    assert value(after, "chefu_bookings_created_total", kind=booking.service.kind) >= 1
    moved = {
        ("chefu_payments_succeeded_total", (("applied", "true"), ("purpose", "booking"))): 1,
        ("chefu_payments_succeeded_amount_cny_total", (("purpose", "booking"),)): 299,
        ("chefu_bookings_cancelled_total", (("by", "store"),)): 1,
        ("chefu_refunds_total", (("purpose", "booking"),)): 1,
        ("chefu_refunds_amount_cny_total", (("purpose", "booking"),)): 299,
    }
    assert {key: after.get(key, 0) - before.get(key, 0) for key in moved} == moved
    assert value(after, "chefu_bookings_cancelled_total", by="owner") == value(
        before, "chefu_bookings_cancelled_total", by="owner"
    )


@pytest.mark.usefixtures("committing")
def test_a_rolled_back_booking_counts_nothing(owner):
    # The counters move after the commit, from the events: a change that does not commit is not counted.
    before = scrape()

    with pytest.raises(RuntimeError), transaction.atomic():
        new_booking(owner=owner)
        raise RuntimeError("the request failed after the booking")

    assert total(scrape(), "chefu_bookings_created_total") == total(before, "chefu_bookings_created_total")


def test_requests_and_queries_are_measured(api):
    before = scrape()

    assert api.get("health").status_code == 200

    after = scrape()
    # the health request and the first scrape itself
    assert (
        total(after, "django_http_requests_total_by_method_total", method="GET")
        - total(before, "django_http_requests_total_by_method_total", method="GET")
        >= 2
    )
    assert total(after, "django_http_responses_total_by_status_total", status="200") > total(
        before, "django_http_responses_total_by_status_total", status="200"
    )
    assert total(after, "django_db_execute_total", alias="default") > total(
        before, "django_db_execute_total", alias="default"
    )
    assert total(after, "django_http_requests_latency_seconds_by_view_method_count") > 0
    # per view, from the responses (chefu.observability.prometheus): the health view's 200 was counted
    assert total(after, "django_http_responses_total_by_status_view_method_total", status="200", method="GET") > total(
        before, "django_http_responses_total_by_status_view_method_total", status="200", method="GET"
    )
    # and not the metrics no one graphs, each a shared-file write on every request: the body sizes, the transport
    for dropped in (
        "django_http_responses_body_total_bytes_count",
        "django_http_requests_body_total_bytes_count",
        "django_http_requests_total_by_transport_total",
        "django_http_requests_total_by_view_transport_method_total",
    ):
        assert total(after, dropped) == total(before, dropped) == 0, dropped


def test_unresolved_complaints_are_counted_by_status():
    before = scrape()
    first, second, third = (new_booking(hour=h) for h in (10, 14, 16))
    complaint(first)
    Complaint.objects.filter(pk=complaint(second).pk).update(status="answered")
    complaint(third, upheld=True)  # resolved: not open

    after = scrape()

    assert (
        value(after, "chefu_complaints_open", status="open") - value(before, "chefu_complaints_open", status="open")
        == 1
    )
    assert (
        value(after, "chefu_complaints_open", status="answered")
        - value(before, "chefu_complaints_open", status="answered")
        == 1
    )
    assert ("chefu_complaints_open", (("status", "resolved"),)) not in after


@pytest.fixture
def default_queue():
    """The test broker's default queue, emptied afterwards (no worker runs here to take what a test puts in)."""
    queue = celery_app.conf.task_default_queue
    yield queue
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def test_queue_lengths_are_read_from_the_broker(default_queue):
    before = value(scrape(), "chefu_celery_queue_length", queue=default_queue)

    # when: three tasks wait in the real Redis broker
    assert send_now("tests.never_registered", [((n,), {}) for n in range(3)], what="test tasks")

    after = scrape()
    assert value(after, "chefu_celery_queue_length", queue=default_queue) - before == 3
    assert value(after, "chefu_broker_up") == 1


def test_every_configured_queue_is_reported(monkeypatch, default_queue):
    # given: the workers consume queues by concern (task_queues), one of them never used yet
    monkeypatch.setitem(celery_app.conf, "task_queues", [Queue(default_queue), Queue("test_never_declared")])
    send_now("tests.never_registered", [((1,), {})], what="a test task")

    samples = scrape()

    assert value(samples, "chefu_celery_queue_length", queue=default_queue) >= 1
    assert ("chefu_celery_queue_length", (("queue", "test_never_declared"),)) in samples
    assert value(samples, "chefu_celery_queue_length", queue="test_never_declared") == 0


def test_a_broker_down_still_answers_without_queue_lengths(monkeypatch):
    # given: the broker is a closed port (a real refused connection)
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    samples = scrape()

    assert value(samples, "chefu_broker_up") == 0
    assert not [key for key in samples if key[0] == "chefu_celery_queue_length"]
    assert ("chefu_complaints_open", (("status", "open"),)) in samples


# --- Who may read it -----------------------------------------------------------------------------------------------

OUTSIDE = "203.0.113.7"


def test_outside_the_allowed_networks_it_is_not_found(client):
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_configured_networks_are_allowed(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert (
        client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    )
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_no_token_set_means_no_bearer_gets_in(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_behind_a_proxy_the_client_is_who_the_proxy_says(client, settings):
    # given: nginx on this machine in front (every request reaches gunicorn from 127.0.0.1)
    settings.TRUSTED_PROXY_COUNT = 1

    # then: a visitor from outside does not get in through it, an internal scraper does
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_only_get(client):
    assert client.post("/metrics").status_code == 405


def test_amounts_are_counted_in_yuan():
    from ops.metrics import _yuan

    assert _yuan(Decimal("299.50")) == 299.5
