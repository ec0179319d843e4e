"""Retention: rows that only record what was already done leave the database after a while, in small batches.

Each batch is its own short transaction (ids picked, then ``DELETE … WHERE id IN``), so a purge never holds a long
lock, never writes one huge WAL burst, and a purge that stops half way leaves nothing half done. docs/growth.md says
which tables are purged, which are kept for good (the ledger) and why.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from chefu.models import EventDelivery

logger = logging.getLogger(__name__)

PURGE_BATCH_SIZE = 5000
# A nightly run stops after this many batches (1 M rows); the next night carries on.
PURGE_MAX_BATCHES = 200


def rows_purge(*, queryset: QuerySet, batch_size: int = PURGE_BATCH_SIZE, max_batches: int = PURGE_MAX_BATCHES) -> int:
    """Delete the rows of ``queryset`` (a filter on one model with no rows that cascade from it), oldest id first,
    ``batch_size`` per transaction, at most ``max_batches`` batches; returns how many were deleted. Call it outside
    a transaction: each batch commits on its own."""
    model = queryset.model
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            count, _by_model = model._default_manager.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < batch_size:
            break
    return deleted


def event_deliveries_dead_purge(*, now: dt.datetime | None = None, **batching) -> int:
    """Delete the dead event deliveries (given up after ``EVENT_DELIVERY_MAX_ATTEMPTS``) older than
    ``EVENT_DELIVERY_DEAD_RETENTION_DAYS``; returns how many. Delivered ones need no purge: a delivery is deleted in
    the transaction in which its handler succeeds."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.EVENT_DELIVERY_DEAD_RETENTION_DAYS)
    deleted = rows_purge(queryset=EventDelivery.objects.filter(dead_at__lt=cutoff), **batching)
    if deleted:
        logger.info("Purged %s dead event deliveries given up before %s", deleted, cutoff.isoformat())
    return deleted
