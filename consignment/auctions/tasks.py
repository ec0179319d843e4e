"""Auction background work: thin tasks that take ids and call one service, which re-checks the state under the
auction's lock, so a task delivered twice (acks_late), early, or racing the sweep changes nothing the second time."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from consignment.auctions import services

_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="consignment.auctions.tasks.auction_close_task", **_DB_RETRY)
def auction_close_task(auction_id: int) -> str | None:
    """Queued with ``eta=ends_at`` at the start and again whenever a late bid moves ``ends_at`` (the earlier one then
    finds the auction not due and does nothing), when ``ends_at`` is within ``CELERY_ETA_MAX_S``: the sweep closes
    the others. Returns the outcome, or None when nothing was closed."""
    auction = services.auction_close(auction_id=auction_id)
    return auction.status if auction is not None else None


@shared_task(name="consignment.auctions.tasks.auctions_sweep_task", **_DB_RETRY)
def auctions_sweep_task() -> dict[str, int]:
    """CELERY_BEAT_SCHEDULE, every minute: the closes the per-auction tasks missed, and the sellers' decisions left
    past their 24 hours."""
    return services.auctions_sweep()
