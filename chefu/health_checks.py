"""Probes used by the health endpoint. Each answers quickly and never raises."""

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health: database unreachable", exc_info=True)
        return False


def broker_ok(broker_url: str | None = None, timeout_s: float = 1.0) -> bool:
    from kombu import Connection

    try:
        with Connection(broker_url or settings.CELERY_BROKER_URL, connect_timeout=timeout_s) as conn:
            # No retries: a health probe answers now; kombu would otherwise back off for seconds.
            conn.ensure_connection(max_retries=0, timeout=timeout_s)
        return True
    except Exception:
        logger.warning("health: broker unreachable")
        return False
