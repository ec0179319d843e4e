"""Shared-kernel housekeeping."""

from importlib import import_module

from celery import shared_task
from django.conf import settings

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


@shared_task(name="chefu.tasks.sessions_clear_task")
def sessions_clear_task() -> None:
    """CELERY_BEAT_SCHEDULE, nightly: expired sessions out of django_session (Django never removes them itself;
    production's cached_db sessions are written through to it)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
