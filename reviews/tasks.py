from celery import shared_task
from django.db import InterfaceError, OperationalError

from reviews.reputation import ratings_refresh_all


@shared_task(
    name="reviews.tasks.ratings_refresh_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=5,
)
def ratings_refresh_task() -> int:
    """CELERY_BEAT_SCHEDULE, hourly: every store's rating onto the current platform mean."""
    return ratings_refresh_all()
