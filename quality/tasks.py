"""The quality app's Celery tasks: thin, by name (``chefu.queue``), each calling one service."""

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from quality.actions import actions_overdue_alert
from quality.complaints.sla import complaints_sla_sweep
from quality.runs import QualityRunInProgress, quality_run


@shared_task(
    name="quality.tasks.complaints_sla_sweep_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=3,
)
def complaints_sla_sweep_task() -> int:
    """CELERY_BEAT_SCHEDULE, every 5 minutes: alerts and escalations for complaints past their deadlines."""
    return complaints_sla_sweep()


@shared_task(
    name="quality.tasks.actions_overdue_alert_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=3,
)
def actions_overdue_alert_task() -> int:
    """CELERY_BEAT_SCHEDULE, every 15 minutes: one alert per corrective action past its due date."""
    return actions_overdue_alert()


@shared_task(
    name="quality.tasks.quality_run_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=1800,
    time_limit=1900,
)
def quality_run_task(day: str | None = None) -> int | None:
    """CELERY_BEAT_SCHEDULE, 03:00 Asia/Shanghai: the quality run of the day that just ended (or of ``day``,
    ISO). Returns the run's id; None when another run was in progress (that one does the work)."""
    try:
        run = quality_run(day=dt.date.fromisoformat(day) if day else None)
    except QualityRunInProgress:
        return None
    return run.pk
