"""Alerts: conditions QA must look at, raised by the rules, the SLA sweeps and the monitors.

An alert has a ``key`` naming its condition (``sla:complaint:12:respond``, ``rule:4:store:9``, ``action:31:overdue``).
At most one alert per key is open at a time, which a partial unique index enforces, so a condition that stays true
across sweeps raises one alert, and a condition seen by two sweeps at once still raises one. Once acknowledged, the
same condition may raise a new alert later (a store that crosses the threshold again).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from chefu.errors import NotFound, ValidationFailed
from quality.lock_objects import alert_lock
from quality.models import Alert, AlertStatus


def alert_raise(
    *, key: str, code: str, message: str, store_id: int | None = None, details: dict | None = None
) -> Alert | None:
    """Open an alert for ``key`` unless one is open already: the new alert, or None when one was open (nothing
    written). Safe under concurrency: the partial unique index decides, in a savepoint of the caller's transaction."""
    try:
        with transaction.atomic():
            return Alert.objects.create(key=key, code=code, message=message, store_id=store_id, details=details or {})
    except IntegrityError as error:
        if "alert_one_open_per_key" not in str(error):
            raise
        return None


def alert_acknowledge(*, alert_id: int, by: User, note: str, now: dt.datetime | None = None) -> Alert:
    """QA has seen the alert: it leaves the open list with who, when and their note. Acknowledging one already
    acknowledged keeps the first acknowledgement (idempotent; the answer is the alert as it is)."""
    with transaction.atomic():
        alert = alert_lock(alert_id)
        if alert is None:
            raise NotFound()
        if alert.status == AlertStatus.OPEN:
            if "\x00" in note:
                raise ValidationFailed({"note": "NUL"})
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acked_by = by
            alert.acked_at = now or timezone.now()
            alert.note = note
            alert.save(update_fields=["status", "acked_by", "acked_at", "note"])
        return alert


def alert_list(*, status: str | None = None, store_id: int | None = None) -> QuerySet[Alert]:
    queryset = Alert.objects.select_related("store", "acked_by")
    if status:
        queryset = queryset.filter(status=status)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    return queryset
