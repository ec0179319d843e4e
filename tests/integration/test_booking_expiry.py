"""Unpaid bookings expire at pay_before through the task queued at creation, with a real worker."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.tasks import bookings_expire_due_task
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_task_queued_at_creation_expires_the_booking_and_frees_the_bay(celery_worker):
    # given: a one-bay shop and a booking whose 15 minutes to pay end two seconds from now
    store = make_shop(bays=1)
    start = local(tomorrow(), 10)
    booking = book(
        another_owner(), store, start, now=timezone.now() - dt.timedelta(minutes=15) + dt.timedelta(seconds=2)
    )
    assert booking.pay_before > timezone.now()
    # when: the worker runs the expiry task at pay_before
    celery_worker.wait_for_task("bookings.tasks.booking_expire_task", timeout=20)
    # then
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED
    assert book(another_owner(), store, start).bay_id == booking.bay_id


def test_the_beat_sweep_expires_what_the_task_missed(celery_worker):
    store = make_shop(bays=1)
    booking = book(another_owner(), store, local(tomorrow(), 10))
    Booking.objects.filter(pk=booking.pk).update(pay_before=timezone.now() - dt.timedelta(minutes=1))
    bookings_expire_due_task.delay()
    celery_worker.wait_for(lambda: Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED)


def test_a_dead_broker_neither_holds_up_booking_nor_loses_the_expiry(celery_worker, owner_client, owner):
    from tests.factories import VehicleFactory
    from tests.notifications.support import broker_down

    store = make_shop(bays=1)
    car = VehicleFactory(owner=owner)
    body = {"store_id": store.pk, "service_code": "minor_service", "vehicle_id": car.pk}
    body["start"] = local(tomorrow(), 10).isoformat()
    with broker_down():
        started = time.monotonic()
        response = owner_client.post("bookings", body)
        elapsed = time.monotonic() - started
    assert response.status_code == 201 and elapsed < 2
    booking_id = response.json()["id"]
    # the task was never queued; when payment time is up, the sweep expires the booking
    Booking.objects.filter(pk=booking_id).update(pay_before=timezone.now())
    bookings_expire_due_task.delay()
    celery_worker.wait_for(lambda: Booking.objects.get(pk=booking_id).status == BookingStatus.EXPIRED)
    assert celery_worker.ran("bookings.tasks.booking_expire_task") == []
