"""The sandbox plays the payment provider end to end: a signed notification delivered over HTTP by a real worker."""

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatus
from payments.models import Payment
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token
from tests.factories import VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_simulate_delivers_a_signed_notification_that_confirms_the_booking(celery_worker, live_server, settings, owner):
    # given: the notify URL is this test's live server
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    store = make_shop()
    client = ApiClient(issue_token(owner))
    body = {
        "store_id": store.pk,
        "service_code": "minor_service",
        "vehicle_id": VehicleFactory(owner=owner).pk,
        "start": local(tomorrow() + dt.timedelta(days=2), 10).isoformat(),
    }
    booking_id = client.post("bookings", body).json()["id"]
    payment_id = client.post(f"bookings/{booking_id}/pay", {"provider": "sandbox"}).json()["payment_id"]
    # when
    response = client.post(f"payments/sandbox/{payment_id}/simulate", {"result": "success"})
    # then: the worker POSTs the notification to /api/v1/payments/notify/sandbox, which confirms the booking
    assert response.status_code == 200
    celery_worker.wait_for(lambda: Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED, timeout=20)
    assert Payment.objects.get(pk=payment_id).status == "succeeded"
    run = celery_worker.wait_for_task("payments.tasks.sandbox_notify_deliver_task")[0]
    assert run.state == "SUCCESS"
    detail = client.get(f"payments/{payment_id}").json()
    assert detail["status"] == "succeeded" and detail["amount"] == "299.00" and detail["refunds"] == []


def test_the_simulator_is_not_there_when_the_sandbox_is_off(settings, owner):
    client = ApiClient(issue_token(owner))
    store = make_shop()
    body = {
        "store_id": store.pk,
        "service_code": "minor_service",
        "vehicle_id": VehicleFactory(owner=owner).pk,
        "start": local(tomorrow() + dt.timedelta(days=2), 10).isoformat(),
    }
    booking_id = client.post("bookings", body).json()["id"]
    payment_id = client.post(f"bookings/{booking_id}/pay", {"provider": "sandbox"}).json()["payment_id"]
    settings.PAYMENT_SANDBOX_ENABLED = False
    assert client.post(f"payments/sandbox/{payment_id}/simulate", {"result": "success"}).status_code == 404
    assert client.post(f"bookings/{booking_id}/pay", {"provider": "sandbox"}).status_code == 422
