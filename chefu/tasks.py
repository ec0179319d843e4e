"""Shared-kernel housekeeping."""

from celery import shared_task

from chefu import events, idempotency, retention


@shared_task(name="chefu.tasks.idempotency_records_purge_task")
def idempotency_records_purge_task() -> int:
    """CELERY_BEAT_SCHEDULE, nightly."""
    return idempotency.records_purge()


@shared_task(name="chefu.tasks.events_retry_due_task")
def events_retry_due_task() -> int:
    """CELERY_BEAT_SCHEDULE, every 30 s: the reactions to domain events that are due again (``chefu.events``)."""
    return events.deliveries_retry_due()


@shared_task(name="chefu.tasks.event_deliveries_dead_purge_task")
def event_deliveries_dead_purge_task() -> int:
    """CELERY_BEAT_SCHEDULE, nightly: dead event deliveries past EVENT_DELIVERY_DEAD_RETENTION_DAYS."""
    return retention.event_deliveries_dead_purge()
