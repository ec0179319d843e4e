"""Store KPIs: every store's numbers over the rolling 30 and 90 days ending on a day, in one SQL statement.

:func:`kpis_compute` writes one :class:`quality.models.StoreKpi` row per store (all but terminated ones), day and
window (upsert: recomputing a day replaces its rows). A window of ``w`` days ending on ``day`` is
``[day − w + 1, day + 1)`` in ``TIME_ZONE`` (Asia/Shanghai). Bookings belong to the window of their booked
``start``; reviews and complaints to the window of their ``created_at``. What happened later than the day is left
out, so a past day recomputes as it was known then (statuses are today's).

A value is NULL when its sample is below the minimum: ``QUALITY_KPI_MIN_SAMPLE`` (10) completed or due bookings,
``QUALITY_KPI_MIN_REVIEWS`` (5) reviews. Rates are per 100 (2 places, half away from zero).

==========================  ==================================================================  =================
KPI                         Formula                                                             Sample
==========================  ==================================================================  =================
``rating``                  Bayesian mean of the window's published reviews, with the prior     reviews ≥ 5
                            ``reviews.reputation`` uses for ``Store.rating``:
                            ``(C × m + Σ overall) / (C + n)``, ``C`` = ``REVIEW_PRIOR_WEIGHT``,
                            ``m`` = the platform mean of every published review (today's).
                            Recomputed over the window, so a store's recent slide shows.
``low_rating_share``        100 × published reviews with overall ≤ 2 / published reviews        reviews ≥ 5
``complaint_rate``          100 × complaints filed / completed bookings                         completed ≥ 10
``upheld_complaint_rate``   100 × complaints filed in the window and upheld / completed         completed ≥ 10
``store_cancel_rate``       100 × bookings cancelled by the store / due bookings                due ≥ 10
``no_show_rate``            100 × bookings the store marked ``no_show`` (the owner did not      due ≥ 10
                            come; the store keeps a late fee) / due bookings. A store that
                            failed the owner shows in ``no_show`` complaints instead.
``on_time_rate``            100 × completed bookings whose work started (``in_service`` event)  timed ≥ 10
                            at most 15 min after the later of the booked start and the check-in
                            (an owner who comes late is not the store's delay) / completed
                            bookings with a start event
``supplement_rate``         100 × completed bookings with extra work proposed / completed       completed ≥ 10
``upsell_ratio``            Σ approved extra work / Σ quote totals of completed bookings        completed ≥ 10
                            (4 places)
``rework_rate``             100 × completed bookings followed by another completed booking of   completed ≥ 10
                            the same vehicle in the same service category (any store) within 30
                            days after / completed. ``QUALITY_REWORK_EXCLUDED_CATEGORIES``
                            (washing) are left out: washing again is routine.
``claim_rate``              100 × dealers' claims filed in the window and upheld (adjusted      inspections ≥ 10
                            or unwound) against the store's consignment inspection reports /
                            inspection reports the store published in the window
``price_deviation``         mean over the store's active offerings of                           1 banded offering
                            ``100 × (total / median − 1)`` against its city's reference band
                            (``catalog.reference``), bands of ≥ ``QUALITY_BAND_MIN_SAMPLE``
                            stores only; today's prices (a posted price is a fact, not a sample)
``last_audit_score``        score of the latest finalized audit before the day ends             —
``last_audit_age_days``     days from that audit (local date) to the day; NULL: never audited   —
``overdue_actions``         corrective actions still ``open`` whose ``due`` is before the day   —
``risk_score``              see :data:`RISK` below                                              —
==========================  ==================================================================  =================

``completed``: completed bookings of the window; ``booked``: due bookings of the window (``start`` in it and not
``pending_payment`` or ``expired``: every booking the store had to serve, whoever called it off); ``reviews``:
published reviews of the window; ``inspections``: consignment inspection reports published in the window (their
``published_at``), the sample of ``claim_rate`` (``QUALITY_KPI_MIN_SAMPLE`` as for bookings). Claims count in the
window of their filing, with their status of today, as complaints do. ``claim_rate`` is not part of the risk score:
most stores inspect no car.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookings.models import BookingStatus, SupplementStatus
from consignment.models import ClaimStatus
from quality.models import ActionStatus, AuditStatus, ComplaintOutcome
from reviews.models import ReviewStatus
from reviews.reputation import platform_mean, prior_weight
from stores.models import StoreStatus

WINDOWS = (30, 90)
ON_TIME_GRACE_MIN = 15
REWORK_DAYS = 30


@dataclass(frozen=True)
class Risk:
    """A KPI's part of ``risk_score``: ``weight`` points, none at ``good`` or better, all at ``bad`` or worse,
    linear in between. A NULL value (too small a sample) adds nothing, unless ``if_null`` says how bad it counts."""

    weight: int
    good: Decimal
    bad: Decimal
    if_null: Decimal | None = None


# risk_score = Σ weight × clamp((value − good) / (bad − good), 0, 1), weights summing to 100: 0 is a store with
# nothing against it, 100 one at or past every "bad" mark. A store never audited counts as audited a year ago.
RISK: dict[str, Risk] = {
    "upheld_complaint_rate": Risk(20, Decimal("0"), Decimal("5")),
    "rating": Risk(12, Decimal("4.8"), Decimal("3.0")),
    "complaint_rate": Risk(10, Decimal("0"), Decimal("10")),
    "store_cancel_rate": Risk(10, Decimal("0"), Decimal("10")),
    "low_rating_share": Risk(8, Decimal("0"), Decimal("20")),
    "last_audit_score": Risk(8, Decimal("95"), Decimal("60")),
    "overdue_actions": Risk(8, Decimal("0"), Decimal("3")),
    "on_time_rate": Risk(5, Decimal("95"), Decimal("60")),
    "upsell_ratio": Risk(5, Decimal("0.05"), Decimal("0.5")),
    "rework_rate": Risk(5, Decimal("0"), Decimal("10")),
    "price_deviation": Risk(5, Decimal("10"), Decimal("60")),
    "last_audit_age_days": Risk(4, Decimal("180"), Decimal("365"), if_null=Decimal("365")),
}
assert sum(r.weight for r in RISK.values()) == 100

# The KPIs a rule may name, with the sample each is judged on (a StoreKpi column; None: no sample, a fact).
METRIC_SAMPLE: dict[str, str | None] = {
    "rating": "reviews",
    "low_rating_share": "reviews",
    "complaint_rate": "completed",
    "upheld_complaint_rate": "completed",
    "store_cancel_rate": "booked",
    "no_show_rate": "booked",
    "on_time_rate": "completed",
    "supplement_rate": "completed",
    "upsell_ratio": "completed",
    "rework_rate": "completed",
    "claim_rate": "inspections",
    "price_deviation": None,
    "last_audit_score": None,
    "last_audit_age_days": None,
    "overdue_actions": None,
    "risk_score": None,
}
METRICS = tuple(METRIC_SAMPLE)

# The columns written besides store, day and window, in the order of the SELECT below.
_COLUMNS = (
    "completed",
    "booked",
    "reviews",
    "inspections",
    "rating",
    "low_rating_share",
    "complaint_rate",
    "upheld_complaint_rate",
    "store_cancel_rate",
    "no_show_rate",
    "on_time_rate",
    "supplement_rate",
    "upsell_ratio",
    "rework_rate",
    "claim_rate",
    "price_deviation",
    "last_audit_score",
    "last_audit_age_days",
    "overdue_actions",
)


def _risk_sql() -> str:
    parts = []
    for name, risk in RISK.items():
        value = f"k.{name}" if risk.if_null is None else f"coalesce(k.{name}, {risk.if_null})"
        share = f"({value} - {risk.good}) / ({risk.bad - risk.good})"
        parts.append(f"{risk.weight} * coalesce(least(greatest({share}, 0), 1), 0)")
    return "round(" + "\n + ".join(parts) + ", 2)"


def _rate(numerator: str, denominator: str, minimum: str) -> str:
    """100 × numerator / denominator to 2 places, NULL below the minimum sample (capped to fit the column)."""
    return (
        f"CASE WHEN {denominator} >= {minimum} "
        f"THEN least(round(100.0 * coalesce({numerator}, 0) / {denominator}, 2), 99999.99) END"
    )


KPI_SQL = f"""
WITH w (window_days, lo) AS (VALUES (30, %(lo30)s::timestamptz), (90, %(lo90)s::timestamptz)),
st AS (SELECT s.id, s.city FROM stores_store s WHERE s.status <> %(terminated)s),
b AS (  -- the bookings due in the widest window
    SELECT bk.id, bk.store_id, bk.start, bk.status, bk.cancelled_by_store, bk.quote_total, bk.vehicle_id,
           sv.category_id
      FROM bookings_booking bk
      JOIN catalog_service sv ON sv.code = bk.service_id
     WHERE bk.start >= %(lo90)s AND bk.start < %(hi)s AND bk.status <> ALL(%(not_due)s)
),
c AS (  -- completed ones, with the start of the same vehicle's next completed job of the same category
    SELECT b.id, b.store_id, b.start, b.quote_total, b.category_id,
           lead(b.start) OVER (PARTITION BY b.vehicle_id, b.category_id ORDER BY b.start, b.id) AS next_start
      FROM b
     WHERE b.status = %(completed)s
),
sup AS (
    SELECT s.booking_id, count(*) AS proposed,
           coalesce(sum(s.total) FILTER (WHERE s.status = %(approved)s), 0) AS approved
      FROM bookings_supplement s
      JOIN c ON c.id = s.booking_id
     GROUP BY s.booking_id
),
ev AS (
    SELECT e.booking_id,
           min(e.at) FILTER (WHERE e.to_status = %(checked_in)s) AS checked_in_at,
           min(e.at) FILTER (WHERE e.to_status = %(in_service)s) AS started_at
      FROM bookings_bookingevent e
      JOIN c ON c.id = e.booking_id
     WHERE e.to_status IN (%(checked_in)s, %(in_service)s)
     GROUP BY e.booking_id
),
cf AS (  -- one row per completed booking: its facts
    SELECT c.id, c.store_id, c.start, c.quote_total,
           (c.next_start <= c.start + interval '{REWORK_DAYS} days'
            AND c.category_id <> ALL(%(rework_excluded)s)) AS reworked,
           coalesce(sup.proposed, 0) > 0 AS supplemented,
           coalesce(sup.approved, 0) AS approved,
           ev.started_at <= greatest(c.start, ev.checked_in_at) + interval '{ON_TIME_GRACE_MIN} minutes' AS on_time
      FROM c
      LEFT JOIN sup ON sup.booking_id = c.id
      LEFT JOIN ev ON ev.booking_id = c.id
),
bk AS (
    SELECT b.store_id, w.window_days, count(*) AS due,
           count(*) FILTER (WHERE b.status = %(cancelled)s AND b.cancelled_by_store) AS store_cancelled,
           count(*) FILTER (WHERE b.status = %(no_show)s) AS no_shows
      FROM b JOIN w ON b.start >= w.lo
     GROUP BY b.store_id, w.window_days
),
ck AS (
    SELECT cf.store_id, w.window_days, count(*) AS completed,
           count(*) FILTER (WHERE cf.reworked) AS reworked,
           count(*) FILTER (WHERE cf.supplemented) AS supplemented,
           sum(cf.approved) AS approved, sum(cf.quote_total) AS quoted,
           count(cf.on_time) AS timed, count(*) FILTER (WHERE cf.on_time) AS on_time
      FROM cf JOIN w ON cf.start >= w.lo
     GROUP BY cf.store_id, w.window_days
),
rv AS (
    SELECT r.store_id, w.window_days, count(*) AS n, sum(r.overall) AS total,
           count(*) FILTER (WHERE r.overall <= 2) AS low
      FROM reviews_review r JOIN w ON r.created_at >= w.lo
     WHERE r.status = %(published)s AND r.created_at >= %(lo90)s AND r.created_at < %(hi)s
     GROUP BY r.store_id, w.window_days
),
cp AS (
    SELECT q.store_id, w.window_days, count(*) AS filed, count(*) FILTER (WHERE q.outcome = %(upheld)s) AS upheld
      FROM quality_complaint q JOIN w ON q.created_at >= w.lo
     WHERE q.created_at >= %(lo90)s AND q.created_at < %(hi)s
     GROUP BY q.store_id, w.window_days
),
cs AS (  -- consignment: inspection reports published, and dealers' claims upheld against them, in one pass
    SELECT x.store_id, w.window_days, count(*) FILTER (WHERE x.inspection) AS inspections,
           count(*) FILTER (WHERE NOT x.inspection) AS upheld
      FROM (SELECT r.store_id, r.published_at AS at, true AS inspection
              FROM consignment_inspectionreport r
             WHERE r.published_at >= %(lo90)s AND r.published_at < %(hi)s
            UNION ALL
            SELECT c.store_id, c.created_at, false
              FROM consignment_claim c
             WHERE c.status = ANY(%(claim_upheld)s) AND c.created_at >= %(lo90)s AND c.created_at < %(hi)s) x
      JOIN w ON x.at >= w.lo
     GROUP BY x.store_id, w.window_days
),
pr AS (
    SELECT o.store_id, count(*) AS n, avg(100 * (o.total / r.median - 1)) AS deviation
      FROM catalog_offering o
      JOIN st ON st.id = o.store_id
      JOIN catalog_referenceprice r ON r.service_id = o.service_id AND r.city = st.city
     WHERE o.is_active AND o.total IS NOT NULL AND r.median > 0 AND r.sample_size >= %(band_min)s
     GROUP BY o.store_id
),
au AS (
    SELECT DISTINCT ON (a.store_id) a.store_id, a.score, a.finalized_at
      FROM quality_audit a
     WHERE a.status = %(finalized)s AND a.finalized_at < %(hi)s
     ORDER BY a.store_id, a.finalized_at DESC, a.id DESC
),
ov AS (
    SELECT ca.store_id, count(*) AS n
      FROM quality_correctiveaction ca
     WHERE ca.status = %(open)s AND ca.due < %(day)s
     GROUP BY ca.store_id
),
k AS (
    SELECT st.id AS store_id, w.window_days,
           coalesce(ck.completed, 0) AS completed, coalesce(bk.due, 0) AS booked, coalesce(rv.n, 0) AS reviews,
           coalesce(cs.inspections, 0) AS inspections,
           CASE WHEN rv.n >= %(min_reviews)s
                THEN round((%(prior_weight)s * %(prior_mean)s::numeric + rv.total) / (%(prior_weight)s + rv.n), 2)
           END AS rating,
           {_rate("rv.low", "rv.n", "%(min_reviews)s")} AS low_rating_share,
           {_rate("cp.filed", "ck.completed", "%(min_sample)s")} AS complaint_rate,
           {_rate("cp.upheld", "ck.completed", "%(min_sample)s")} AS upheld_complaint_rate,
           {_rate("bk.store_cancelled", "bk.due", "%(min_sample)s")} AS store_cancel_rate,
           {_rate("bk.no_shows", "bk.due", "%(min_sample)s")} AS no_show_rate,
           {_rate("ck.on_time", "ck.timed", "%(min_sample)s")} AS on_time_rate,
           {_rate("ck.supplemented", "ck.completed", "%(min_sample)s")} AS supplement_rate,
           CASE WHEN ck.completed >= %(min_sample)s AND ck.quoted > 0
                THEN least(round(ck.approved / ck.quoted, 4), 999.9999) END AS upsell_ratio,
           {_rate("ck.reworked", "ck.completed", "%(min_sample)s")} AS rework_rate,
           {_rate("cs.upheld", "cs.inspections", "%(min_sample)s")} AS claim_rate,
           round(least(greatest(pr.deviation, -99999.99), 99999.99), 2) AS price_deviation,
           au.score AS last_audit_score,
           %(day)s::date - (au.finalized_at AT TIME ZONE %(tz)s)::date AS last_audit_age_days,
           coalesce(ov.n, 0) AS overdue_actions
      FROM st
     CROSS JOIN w
      LEFT JOIN bk ON bk.store_id = st.id AND bk.window_days = w.window_days
      LEFT JOIN ck ON ck.store_id = st.id AND ck.window_days = w.window_days
      LEFT JOIN rv ON rv.store_id = st.id AND rv.window_days = w.window_days
      LEFT JOIN cp ON cp.store_id = st.id AND cp.window_days = w.window_days
      LEFT JOIN cs ON cs.store_id = st.id AND cs.window_days = w.window_days
      LEFT JOIN pr ON pr.store_id = st.id
      LEFT JOIN au ON au.store_id = st.id
      LEFT JOIN ov ON ov.store_id = st.id
)
INSERT INTO quality_storekpi (store_id, day, window_days, {", ".join(_COLUMNS)}, risk_score, computed_at)
SELECT k.store_id, %(day)s, k.window_days, {", ".join("k." + c for c in _COLUMNS)}, {_risk_sql()}, %(now)s
  FROM k
ON CONFLICT (store_id, day, window_days) DO UPDATE
   SET {", ".join(f"{c} = EXCLUDED.{c}" for c in (*_COLUMNS, "risk_score", "computed_at"))}
"""


def window_bounds(day: dt.date) -> dict[str, dt.datetime]:
    """The instants that bound the windows ending on ``day`` (``TIME_ZONE`` days): ``lo30``, ``lo90`` and ``hi``
    (the end of ``day``, exclusive)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return {f"lo{w}": dt.datetime.combine(day - dt.timedelta(days=w - 1), dt.time(), tzinfo=zone) for w in WINDOWS} | {
        "hi": hi
    }


def kpi_params(day: dt.date) -> dict:
    """The parameters of the KPI statement for ``day`` (the benchmark explains the statement with them)."""
    return {
        **window_bounds(day),
        "day": day,
        "tz": settings.TIME_ZONE,
        "now": timezone.now(),
        "min_sample": settings.QUALITY_KPI_MIN_SAMPLE,
        "min_reviews": settings.QUALITY_KPI_MIN_REVIEWS,
        "band_min": settings.QUALITY_BAND_MIN_SAMPLE,
        "rework_excluded": list(settings.QUALITY_REWORK_EXCLUDED_CATEGORIES),
        "prior_weight": prior_weight(),
        "prior_mean": platform_mean(),
        "terminated": StoreStatus.TERMINATED,
        "not_due": [BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED],
        "completed": BookingStatus.COMPLETED,
        "cancelled": BookingStatus.CANCELLED,
        "no_show": BookingStatus.NO_SHOW,
        "checked_in": BookingStatus.CHECKED_IN,
        "in_service": BookingStatus.IN_SERVICE,
        "approved": SupplementStatus.APPROVED,
        "published": ReviewStatus.PUBLISHED,
        "upheld": ComplaintOutcome.UPHELD,
        "claim_upheld": [ClaimStatus.ADJUSTED, ClaimStatus.UNWOUND],
        "finalized": AuditStatus.FINALIZED,
        "open": ActionStatus.OPEN,
    }


def kpis_compute(*, day: dt.date) -> int:
    """Compute every store's KPIs for the windows ending on ``day`` and upsert them (one statement). Returns the
    rows written (two per store). Run it in a transaction of the caller's choosing; it takes no locks beyond the
    rows it writes, and two runs of one day at once both succeed (the later upsert wins)."""
    with connection.cursor() as cursor:
        cursor.execute(KPI_SQL, kpi_params(day))
        return cursor.rowcount
