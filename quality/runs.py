"""The nightly quality run: KPIs, rules, sanctions, monitors; recorded as a :class:`QualityRun`.

:func:`quality_run` computes every store's KPIs for the day (``quality.kpis``), then evaluates every enabled rule in
one query over the day's KPI rows (a rule holds where the KPI of its window compares true with its threshold on at
least ``min_sample``), and:

- raises one alert per rule and store (``rule:<rule>:store:<store>``, one open at a time);
- moves a store on the strongest action it earned: ``probation`` (from active) or ``suspend`` (from active or
  probation), through ``quality.sanctions.store_sanction``, with the rules, values and samples as evidence;
- suspends a store on probation for longer than ``QUALITY_PROBATION_DAYS`` that still has overdue corrective actions
  or no passed audit since it went on probation (``probation_expired``);
- turns the monitors (``quality.monitors``) into alerts.

One run at a time (a session advisory lock): a second one asked for meanwhile is refused with
:class:`QualityRunInProgress`. Each sanction is its own transaction, so one store's failure leaves the others'.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from chefu.errors import Conflict
from quality import monitors, sanctions
from quality.kpis import METRIC_SAMPLE, kpis_compute, window_bounds
from quality.models import ActionStatus, Audit, AuditStatus, CorrectiveAction, QualityRun, Rule, RuleAction
from stores.exceptions import InvalidTransition
from stores.models import StatusReason, Store, StoreStatus, StoreStatusEvent

logger = logging.getLogger(__name__)

_LOCK = 0x5155_0001  # pg_advisory_lock key of the quality run
_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# The strongest action wins; what each moves a store to, from which statuses.
_SEVERITY = {RuleAction.ALERT: 0, RuleAction.PROBATION: 1, RuleAction.SUSPEND: 2}
_SANCTION = {
    RuleAction.PROBATION: (StoreStatus.PROBATION, (StoreStatus.ACTIVE,)),
    RuleAction.SUSPEND: (StoreStatus.SUSPENDED, (StoreStatus.ACTIVE, StoreStatus.PROBATION)),
}
# KPIs that speak of complaints: a sanction resting on one of them shows "upheld complaints" on the public record.
_COMPLAINT_METRICS = {"complaint_rate", "upheld_complaint_rate"}


class QualityRunInProgress(Conflict):
    code = "quality_run_in_progress"
    default_message = gettext_lazy("A quality run is in progress. Try again when it has finished.")


@dataclass(frozen=True)
class Breach:
    rule: Rule
    store_id: int
    store_name: str
    store_status: str
    value: Decimal
    sample: int | None

    def evidence(self) -> dict:
        return {
            "rule_id": self.rule.pk,
            "metric": self.rule.metric,
            "window_days": self.rule.window_days,
            "comparator": self.rule.comparator,
            "value": str(self.value),
            "threshold": str(self.rule.threshold),
            "sample": self.sample,
        }


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def breaches(*, day: dt.date) -> list[Breach]:
    """Every (enabled rule, store) that holds on ``day``'s KPI rows, in one query (a UNION ALL of one SELECT per
    rule over the indexed (day, window) rows)."""
    rules = {rule.pk: rule for rule in Rule.objects.filter(enabled=True)}
    parts, params = [], []
    for rule in rules.values():
        if rule.metric not in METRIC_SAMPLE or rule.comparator not in _OPERATORS:
            logger.error("Rule %s names an unknown metric or comparator; skipped", rule.pk)
            continue
        sample = METRIC_SAMPLE[rule.metric]
        condition = f"k.{rule.metric} {_OPERATORS[rule.comparator]} %s"
        params_rule = [rule.pk, day, rule.window_days, rule.threshold]
        if sample:
            condition += f" AND k.{sample} >= %s"
            params_rule.append(rule.min_sample)
        parts.append(
            f"SELECT %s, k.store_id, s.name, s.status, k.{rule.metric}::numeric, "
            f"{'k.' + sample if sample else 'NULL'}::integer "
            "FROM quality_storekpi k JOIN stores_store s ON s.id = k.store_id "
            f"WHERE k.day = %s AND k.window_days = %s AND {condition}"
        )
        params += params_rule
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 2, 1", params)
        rows = cursor.fetchall()
    return [
        Breach(rule=rules[rule_id], store_id=store_id, store_name=name, store_status=status, value=value, sample=n)
        for rule_id, store_id, name, status, value, n in rows
    ]


def _rule_alert(breach: Breach) -> monitors.AlertRow:
    rule = breach.rule
    return monitors.AlertRow(
        key=f"rule:{rule.pk}:store:{breach.store_id}",
        code=f"rule_{rule.action}",
        store_id=breach.store_id,
        message=_("%(store)s: %(metric)s over %(window)s days is %(value)s (rule: %(comparator)s %(threshold)s).")
        % {
            "store": breach.store_name,
            "metric": rule.metric,
            "window": rule.window_days,
            "value": breach.value,
            "comparator": rule.get_comparator_display(),
            "threshold": rule.threshold,
        },
        details=breach.evidence(),
    )


def _sanction(store_id: int, to_status: str, *, category: str, evidence: dict, reason: str, by: User | None):
    """One store's move in its own transaction; None when it is no longer allowed (the store moved meanwhile)."""
    try:
        with transaction.atomic():
            store = sanctions.store_sanction(
                store_id=store_id,
                to_status=to_status,
                reason_category=category,
                evidence=evidence,
                by=by,
                reason=reason,
            )
    except InvalidTransition:
        logger.info("Store %s could not move to %s; left as it is", store_id, to_status)
        return None
    return store


def _rule_sanctions(found: list[Breach], by: User | None) -> list[dict]:
    per_store: dict[int, list[Breach]] = {}
    for breach in found:
        if breach.rule.action != RuleAction.ALERT:
            per_store.setdefault(breach.store_id, []).append(breach)
    changes = []
    for store_id, hits in per_store.items():
        action = max((b.rule.action for b in hits), key=_SEVERITY.__getitem__)
        to_status, from_statuses = _SANCTION[action]
        if hits[0].store_status not in from_statuses:
            continue
        metrics = {b.rule.metric for b in hits}
        category = StatusReason.COMPLAINTS if metrics & _COMPLAINT_METRICS else StatusReason.KPI
        evidence = {"rules": [b.evidence() for b in hits]}
        reason = _("Quality indicators crossed the platform's thresholds: %(metrics)s.") % {
            "metrics": ", ".join(sorted(metrics))
        }
        if _sanction(store_id, to_status, category=category, evidence=evidence, reason=reason, by=by):
            changes.append({"store_id": store_id, "from": hits[0].store_status, "to": to_status})
    return changes


def probation_expired(*, at: dt.datetime, day: dt.date) -> list[tuple[Store, dict]]:
    """Stores on probation since before ``at`` − ``QUALITY_PROBATION_DAYS`` that have not cleared it: corrective
    actions still open past their due date, or no passed audit finalized since probation began. With the evidence."""
    since = Subquery(
        StoreStatusEvent.objects.filter(store=OuterRef("pk"), to_status=StoreStatus.PROBATION)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    overdue = CorrectiveAction.objects.filter(store=OuterRef("pk"), status=ActionStatus.OPEN, due__lt=day)
    passed = Audit.objects.filter(
        store=OuterRef("pk"), status=AuditStatus.FINALIZED, passed=True, finalized_at__gt=OuterRef("since")
    )
    stores = (
        Store.objects.filter(status=StoreStatus.PROBATION)
        .annotate(since=since, overdue=Exists(overdue), passed=Exists(passed))
        .filter(since__lt=at - dt.timedelta(days=settings.QUALITY_PROBATION_DAYS))
        .filter(Q(overdue=True) | Q(passed=False))
    )
    result = []
    for store in stores:
        actions = list(
            CorrectiveAction.objects.filter(store=store, status=ActionStatus.OPEN, due__lt=day).values_list(
                "pk", flat=True
            )
        )
        evidence = {
            "probation_since": store.since.isoformat(),
            "overdue_actions": actions,
            "passed_audit_since": store.passed,
        }
        result.append((store, evidence))
    return result


def _expire_probations(*, at: dt.datetime, day: dt.date, by: User | None) -> list[dict]:
    changes = []
    reason = _("Probation was not cleared within %(days)s days.") % {"days": settings.QUALITY_PROBATION_DAYS}
    for store, evidence in probation_expired(at=at, day=day):
        moved = _sanction(
            store.pk,
            StoreStatus.SUSPENDED,
            category=StatusReason.PROBATION_EXPIRED,
            evidence=evidence,
            reason=reason,
            by=by,
        )
        if moved:
            changes.append({"store_id": store.pk, "from": StoreStatus.PROBATION, "to": StoreStatus.SUSPENDED})
    return changes


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK])
        return cursor.fetchone()[0]


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def quality_run(*, day: dt.date | None = None, by: User | None = None) -> QualityRun:
    """Evaluate every store for ``day`` (default: yesterday, the last whole day in ``TIME_ZONE``) and record the run.

    Not atomic as a whole: the KPIs are written in one transaction, each sanction in its own, the alerts in bulk.
    Running it twice for a day rewrites the KPIs and raises nothing new (open alerts are not duplicated, a store
    already sanctioned is not moved again). Raises :class:`QualityRunInProgress` when another run holds the lock.
    Call it outside a transaction (the task and the API do): the session lock must not outlive a rollback."""
    day = day or yesterday()
    if not _try_lock():
        raise QualityRunInProgress()
    try:
        run = QualityRun.objects.create(day=day, by=by)
        with transaction.atomic():
            written = kpis_compute(day=day)
        found = breaches(day=day)
        alerts = [_rule_alert(b) for b in found]
        changes = _rule_sanctions(found, by)
        at = min(timezone.now(), window_bounds(day)["hi"])
        changes += _expire_probations(at=at, day=day, by=by)
        alerts += monitors.price_outliers() + monitors.low_rating_follow_ups() + monitors.upsell_outliers(day=day)
        raised = monitors.alerts_raise_many(alerts)
        run.stores_evaluated = written // 2
        run.alerts_raised = raised
        run.status_changes = changes
        run.finished_at = timezone.now()
        run.save(update_fields=["stores_evaluated", "alerts_raised", "status_changes", "finished_at"])
        return run
    finally:
        _unlock()
