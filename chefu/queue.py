"""Queue Celery tasks by name, after commit, without ever holding up a request when the broker is down.

Services name the task (``"bookings.booking_expire"``) instead of importing their tasks module, so a service never
imports the tasks that import it. The rows the tasks act on are committed first; a broker that cannot be reached is
logged and the beat sweeps pick the work up later (ARCHITECTURE.md: a dead broker delays work, it loses none).

A call whose ETA (or countdown) is further away than ``CELERY_ETA_MAX_S`` is not queued at all: a worker would hold
its message unacknowledged until then (Redis delivers such a message again after its visibility timeout, RabbitMQ
closes the channel after its consumer_timeout). The sweep behind each such task (bookings_expire_due, auctions_sweep,
deals_default_sweep) does that work once it is due; a short ETA only spares it the wait for the next sweep.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chefu.celery import app

logger = logging.getLogger(__name__)

Calls = Iterable[tuple[tuple, dict[str, Any]]]


def _within_eta_max(options: dict[str, Any], now: dt.datetime) -> bool:
    """Whether a call with these options waits no longer than ``CELERY_ETA_MAX_S`` before it runs."""
    limit = dt.timedelta(seconds=settings.CELERY_ETA_MAX_S)
    if options.get("eta") is not None:
        return options["eta"] - now <= limit
    if options.get("countdown") is not None:
        return dt.timedelta(seconds=options["countdown"]) <= limit
    return True


def send_now(task: str, calls: Calls, *, what: str) -> bool:
    """``send_task(task, args, **options)`` for each ``(args, options)``; False (logged) if the broker is down.
    Calls due later than ``CELERY_ETA_MAX_S`` are left to the task's sweep (see the module's docstring).

    ``retry=False`` alone still waits for the broker: kombu retries the first connect for
    ``broker_connection_timeout`` (about 6 s on a refused port). Connect once without retries first."""
    now = timezone.now()
    calls = [(args, options) for args, options in calls if _within_eta_max(options, now)]
    if not calls:
        return True
    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            for args, options in calls:
                app.send_task(task, args, producer=producer, retry=False, **options)
    except Exception as exc:
        logger.warning("Could not queue %s; the sweep will do it: %s", what, exc)
        return False
    return True


def send_on_commit(task: str, calls: Calls, *, what: str) -> None:
    """:func:`send_now` once the current transaction commits (at once outside a transaction)."""
    calls = list(calls)
    if calls:
        transaction.on_commit(lambda: send_now(task, calls, what=what))
