"""Catalog background work. Tasks take codes, call one service and own their retry policy; serializer,
``acks_late`` and time limits are set once in settings."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from catalog import reference

# Lost connections, failovers, deadlocks and lock timeouts pass; recomputing is idempotent, so retrying is safe.
_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="catalog.tasks.reference_prices_recompute_task", **_DB_RETRY)
def reference_prices_recompute_task(service_code: str, city: str) -> None:
    """Queued by ``reference.reference_prices_schedule`` (coalesced, after commit)."""
    # Cleared before computing: a price change committed while this runs queues a recompute of its own.
    reference.reference_prices_pending_clear(service_code=service_code, city=city)
    reference.reference_prices_recompute(service_code=service_code, city=city)


@shared_task(name="catalog.tasks.reference_prices_nightly_task", **_DB_RETRY)
def reference_prices_nightly_task() -> None:
    """Every band in one pass (CELERY_BEAT_SCHEDULE): repairs whatever a lost or failed recompute missed."""
    reference.reference_prices_recompute_all()
