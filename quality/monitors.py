"""Monitors: feeds other apps keep, turned into alerts by the nightly run.

- prices above the city's reference band (``catalog.reference_selectors.offerings_flagged_for_qa``): one alert per
  offering (``price:offering:<id>``);
- low-rating reviews to follow up (``reviews.models.QaFollowUp`` still open): one per follow-up
  (``review:follow-up:<id>``);
- upsell outliers: a store whose 90-day ``upsell_ratio`` is above its city's 95th percentile (cities with at least
  ``QUALITY_UPSELL_MIN_STORES`` stores that have a ratio, itself on the KPI's minimum sample): one per store
  (``upsell:store:<id>``).

Alerts are written in bulk (:func:`alerts_raise_many`), with the same one-open-per-key rule as
``quality.alerts.alert_raise``: a condition that stays true raises one alert, not one per night. Once QA acknowledges
it, the condition stays quiet for ``QUALITY_ALERT_QUIET_DAYS``: a store still over a threshold is not raised again
every night QA has already looked at it.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.reference_selectors import offerings_flagged_for_qa
from quality.models import AlertStatus
from reviews.models import QaFollowUp, QaFollowUpStatus


@dataclass(frozen=True)
class AlertRow:
    key: str
    code: str
    message: str
    store_id: int | None
    details: dict = field(default_factory=dict)


_RAISE_SQL = """
INSERT INTO quality_alert (key, code, store_id, message, details, status, raised_at, note)
SELECT r.key, r.code, r.store_id, r.message, r.details::jsonb, %(open)s, %(now)s, ''
  FROM unnest(%(keys)s::text[], %(codes)s::text[], %(stores)s::bigint[], %(messages)s::text[], %(details)s::text[])
       AS r (key, code, store_id, message, details)
 WHERE NOT EXISTS (
       SELECT 1 FROM quality_alert quiet
        WHERE quiet.key = r.key AND quiet.status = %(acknowledged)s AND quiet.acked_at > %(quiet_since)s)
ON CONFLICT (key) WHERE status = %(open)s DO NOTHING
"""


def alerts_raise_many(rows: Iterable[AlertRow], *, now: dt.datetime | None = None) -> int:
    """Open an alert for each row whose key has none open and none acknowledged in the last
    ``QUALITY_ALERT_QUIET_DAYS``; one statement per 5,000 rows. Returns the alerts opened. Safe under concurrency like
    ``alert_raise``: the partial unique index on open keys decides."""
    rows = list(rows)
    now = now or timezone.now()
    opened = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            batch = rows[start : start + 5000]
            cursor.execute(
                _RAISE_SQL,
                {
                    "open": AlertStatus.OPEN,
                    "acknowledged": AlertStatus.ACKNOWLEDGED,
                    "quiet_since": now - dt.timedelta(days=settings.QUALITY_ALERT_QUIET_DAYS),
                    "now": now,
                    "keys": [r.key for r in batch],
                    "codes": [r.code for r in batch],
                    "stores": [r.store_id for r in batch],
                    "messages": [r.message for r in batch],
                    "details": [json.dumps(r.details, ensure_ascii=False) for r in batch],
                },
            )
            opened += cursor.rowcount
    return opened


def price_outliers() -> list[AlertRow]:
    return [
        AlertRow(
            key=f"price:offering:{offering.pk}",
            code="price_outlier",
            store_id=offering.store_id,
            message=_("%(store)s charges %(total)s for %(service)s, %(pct)s%% above the city's median of %(median)s.")
            % {
                "store": offering.store.name,
                "service": offering.service.name_zh,
                "total": offering.total,
                "median": offering.median,
                "pct": round(offering.deviation * 100),
            },
            details={
                "offering_id": offering.pk,
                "service": offering.service_id,
                "total": str(offering.total),
                "median": str(offering.median),
                "deviation": str(offering.deviation),
            },
        )
        for offering in offerings_flagged_for_qa()
    ]


def low_rating_follow_ups() -> list[AlertRow]:
    follow_ups = QaFollowUp.objects.filter(status=QaFollowUpStatus.OPEN).select_related("review", "store")
    return [
        AlertRow(
            key=f"review:follow-up:{item.pk}",
            code="low_rating_review",
            store_id=item.store_id,
            message=_("A review of %(overall)s stars at %(store)s waits for a follow-up.")
            % {"overall": item.review.overall, "store": item.store.name},
            details={"follow_up_id": item.pk, "review_id": item.review_id, "overall": str(item.review.overall)},
        )
        for item in follow_ups
    ]


_UPSELL_SQL = """
WITH k AS (
    SELECT k.store_id, s.name, s.city, k.upsell_ratio, k.completed
      FROM quality_storekpi k JOIN stores_store s ON s.id = k.store_id
     WHERE k.day = %(day)s AND k.window_days = 90 AND k.upsell_ratio IS NOT NULL
),
p AS (
    SELECT city, percentile_cont(%(percentile)s) WITHIN GROUP (ORDER BY upsell_ratio) AS p95, count(*) AS stores
      FROM k GROUP BY city HAVING count(*) >= %(min_stores)s
)
SELECT k.store_id, k.name, k.city, k.upsell_ratio, round(p.p95::numeric, 4), p.stores, k.completed
  FROM k JOIN p ON p.city = k.city
 WHERE k.upsell_ratio > p.p95
"""


def upsell_outliers(*, day: dt.date) -> list[AlertRow]:
    """Stores above their city's 95th percentile of 90-day upsell ratios on ``day`` (the KPI rows must exist)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSELL_SQL,
            {
                "day": day,
                "percentile": settings.QUALITY_UPSELL_PERCENTILE,
                "min_stores": settings.QUALITY_UPSELL_MIN_STORES,
            },
        )
        rows = cursor.fetchall()
    return [
        AlertRow(
            key=f"upsell:store:{store_id}",
            code="upsell_outlier",
            store_id=store_id,
            message=_(
                "%(store)s adds %(ratio)s of the quoted amount in extra work over 90 days, above the 95th percentile "
                "of %(city)s (%(p95)s)."
            )
            % {"store": name, "ratio": ratio, "city": city, "p95": p95},
            details={
                "upsell_ratio": str(ratio),
                "city_p95": str(p95),
                "city": city,
                "city_stores": stores,
                "completed": completed,
                "day": day.isoformat(),
            },
        )
        for store_id, name, city, ratio, p95, stores, completed in rows
    ]


def handover_not_booked_alert(event) -> None:
    """A paid consignment deal whose handover the inspecting store cannot take (``HandoverNotBooked``): one alert per
    deal (``handover:deal:<id>``), quiet once acknowledged like the nightly monitors; the consignment sweep that
    emits it again every ten minutes raises nothing new meanwhile."""
    reasons = {
        "not_offered": _("the store does not offer the handover or takes no bookings"),
        "no_free_start": _("the store has no free start within its horizon"),
        "slots_taken": _("each free start was taken by another booking meanwhile"),
    }
    reason = reasons.get(event.reason, event.reason)
    message = _("Consignment deal %(deal)s is paid but its handover cannot be booked: %(reason)s.") % {
        "deal": event.deal_id,
        "reason": reason,
    }
    row = AlertRow(
        key=f"handover:deal:{event.deal_id}",
        code="handover_not_booked",
        message=message,
        store_id=event.store_id,
        details={"deal_id": event.deal_id, "reason": event.reason},
    )
    alerts_raise_many([row])
