"""Booking background work: thin tasks that take ids and call one service. The services re-check state under a
row lock, so a task delivered twice (acks_late) or racing the beat sweep changes nothing the second time."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from bookings import services

_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="bookings.tasks.booking_expire_task", **_DB_RETRY)
def booking_expire_task(booking_id: int) -> None:
    """Queued at creation with ``eta=pay_before`` when that is within ``CELERY_ETA_MAX_S``; the sweep expires the
    others."""
    services.booking_expire(booking_id=booking_id)


@shared_task(name="bookings.tasks.bookings_expire_due_task", **_DB_RETRY)
def bookings_expire_due_task() -> int:
    """CELERY_BEAT_SCHEDULE, every minute: expires the bookings past ``pay_before`` (those with more than
    ``CELERY_ETA_MAX_S`` to pay had no task; a broker down or a worker lost lost theirs)."""
    return services.bookings_expire_due()
