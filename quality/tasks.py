import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from quality.runs import QualityRunInProgress, quality_run


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
