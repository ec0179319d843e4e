"""Shared-kernel housekeeping."""

from celery import shared_task

from chefu import idempotency


@shared_task
def idempotency_records_purge_task() -> int:
    """CELERY_BEAT_SCHEDULE, nightly."""
    return idempotency.records_purge()
