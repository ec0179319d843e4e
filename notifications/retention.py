"""Retention of the outbox: messages that reached a final state leave it after ``NOTIFICATION_RETENTION_DAYS``.

Final: ``sent``, ``cancelled``, and ``failed`` with ``gave_up``. Pending, sending and failed-but-retrying messages stay
whatever their age. An in-app message leaves the user's inbox with its row. A purged message's ``dedupe_key`` is free
again: keys name one booking's or one event's message, and nothing emits them again months later.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chefu.retention import rows_purge
from notifications.models import Message, MessageStatus

logger = logging.getLogger(__name__)

FINAL = Q(status__in=(MessageStatus.SENT, MessageStatus.CANCELLED)) | Q(status=MessageStatus.FAILED, gave_up=True)


def messages_purge(*, now: dt.datetime | None = None, **batching) -> int:
    """Delete final messages created more than ``NOTIFICATION_RETENTION_DAYS`` ago, in batches
    (:func:`chefu.retention.rows_purge`); returns how many. Call it outside a transaction."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted = rows_purge(queryset=Message.objects.filter(FINAL, created_at__lt=cutoff), **batching)
    if deleted:
        logger.info("Purged %s delivered or final messages created before %s", deleted, cutoff.isoformat())
    return deleted
