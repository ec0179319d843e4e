from celery import shared_task
from django.db import InterfaceError, OperationalError

from quality.actions import actions_overdue_alert


@shared_task(
    name="quality.tasks.actions_overdue_alert_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=3,
)
def actions_overdue_alert_task() -> int:
    """CELERY_BEAT_SCHEDULE, every 15 minutes: one alert per corrective action past its due date."""
    return actions_overdue_alert()
