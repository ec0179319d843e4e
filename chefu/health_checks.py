"""Probes used by the health and readiness endpoints. Each answers quickly and never raises."""

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


# Set once every migration on disk is applied: after that the answer costs nothing for the process's lifetime (a
# process only meets new migrations by being restarted with new code).
_migrations_all_applied = False


def migrations_applied() -> bool:
    """Whether the database has every migration of the code this process runs (the plan ``migrate`` would run is
    empty). Until it has, each call reads the applied ones again (a graph load, tens of milliseconds); False too when
    the database does not answer."""
    global _migrations_all_applied
    if _migrations_all_applied:
        return True
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("ready: could not read the migrations", exc_info=True)
        return False
    if plan:
        logger.warning("ready: %s migrations not applied, the first %s", len(plan), plan[0][0])
        return False
    _migrations_all_applied = True
    return True


def migrations_forget() -> None:
    """Ask the database again at the next :func:`migrations_applied` (tests)."""
    global _migrations_all_applied
    _migrations_all_applied = False
