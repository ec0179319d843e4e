"""The audit planner: every active or probation store is audited at least once per ``QUALITY_AUDIT_INTERVAL_DAYS``
(180), the riskiest first, within each QA user's weekly capacity.

A store is due by its last finalized audit plus the interval (never audited: due now). The plan of ``weeks`` weeks
from ``start`` takes every store due before the plan ends that has no planned or in-progress audit, orders them by
the latest 90-day ``StoreKpi.risk_score`` (highest first; stores with no KPI row after those with one), then by the
oldest audit (never audited first), and fills week after week: in each week every QA user (role ``qa``) takes at most
``QUALITY_AUDITS_PER_WEEK`` audits, counting the ones already scheduled for them that week; the user with the most
room takes the next store, on the next weekday-offset of the week. What no week has room for is listed as
unplanned. Each planned audit is of the standard the store was audited against longest ago (never first), so visits
rotate through the categories.

Set-based: a fixed number of queries whatever the number of stores.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import ValidationFailed
from quality.lock_objects import audit_plan_lock
from quality.models import Audit, AuditKind, AuditStatus, StoreKpi
from quality.standards import standards_in_force
from stores.models import Store, StoreStatus

PLANNED_STATUSES = (StoreStatus.ACTIVE, StoreStatus.PROBATION)
OPEN_AUDIT = (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS)
RISK_WINDOW_DAYS = 90
DAYS_PER_WEEK_SPREAD = 5


@dataclass
class PlannedAudit:
    store_id: int
    store_name: str
    store_status: str
    standard_code: str
    scheduled_for: dt.date
    week: int
    assignee_id: int
    risk_score: Decimal | None
    last_audit_at: dt.datetime | None
    due_by: dt.date | None
    audit_id: int | None = None


@dataclass
class UnplannedStore:
    store_id: int
    store_name: str
    due_by: dt.date | None


@dataclass
class Plan:
    start: dt.date
    weeks: int
    capacity_per_week: int
    planned: list[PlannedAudit] = field(default_factory=list)
    unplanned: list[UnplannedStore] = field(default_factory=list)


def _candidates(end: dt.date) -> list[dict]:
    """Stores due before ``end`` with no open audit, riskiest first: one query."""
    last_audit = (
        Audit.objects.filter(store_id=OuterRef("pk"), status=AuditStatus.FINALIZED)
        .order_by("-finalized_at")
        .values("finalized_at")[:1]
    )
    risk = (
        StoreKpi.objects.filter(store_id=OuterRef("pk"), window_days=RISK_WINDOW_DAYS)
        .order_by("-day")
        .values("risk_score")[:1]
    )
    open_audit = Audit.objects.filter(store_id=OuterRef("pk"), status__in=OPEN_AUDIT)
    interval = dt.timedelta(days=settings.QUALITY_AUDIT_INTERVAL_DAYS)
    # Due before ``end``: audited last before the start of the day ``end - interval``.
    audited_before = timezone.make_aware(dt.datetime.combine(end - interval, dt.time.min))
    out = list(
        Store.objects.filter(status__in=PLANNED_STATUSES)
        .annotate(last_audit_at=Subquery(last_audit), risk=Subquery(risk), has_open=Exists(open_audit))
        .filter(Q(last_audit_at__isnull=True) | Q(last_audit_at__lt=audited_before), has_open=False)
        .values("pk", "name", "status", "last_audit_at", "risk")
    )
    for row in out:
        last = row["last_audit_at"]
        row["due_by"] = timezone.localdate(last) + interval if last else None
    # Riskiest first, stores without a KPI row after those with one, then the oldest audit (never audited first).
    out.sort(
        key=lambda r: (
            r["risk"] is None,
            -(r["risk"] or 0),
            r["last_audit_at"] is not None,
            r["last_audit_at"] or dt.datetime.min.replace(tzinfo=dt.UTC),
            r["pk"],
        )
    )
    return out


def _codes_by_age(store_ids: list[int], codes: list[str]) -> dict[int, str]:
    """For each store, the code in force it was audited against longest ago (never first; ties in ``codes`` order).
    One query."""
    last: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    rows = (
        Audit.objects.filter(store__status__in=PLANNED_STATUSES, status=AuditStatus.FINALIZED)
        .values("store_id", "standard__code")
        .annotate(at=Max("finalized_at"))
        .values_list("store_id", "standard__code", "at")
    )
    for store_id, code, at in rows:
        last[store_id][code] = at
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return {
        store_id: min(codes, key=lambda c: (last[store_id].get(c, never), codes.index(c))) for store_id in store_ids
    }


# How far from today a plan may start: a plan is for the weeks ahead, not the past nor another year.
START_WINDOW = dt.timedelta(days=366)


def audit_plan(*, start: dt.date, weeks: int) -> Plan:
    """The proposal (see the module docstring); writes nothing. ``ValidationFailed`` on ``start`` more than a year
    from today either way."""
    today = timezone.localdate()
    if not today - START_WINDOW <= start <= today + START_WINDOW:
        raise ValidationFailed({"start": _("Start the plan within a year of today.")})
    capacity = settings.QUALITY_AUDITS_PER_WEEK
    plan = Plan(start=start, weeks=weeks, capacity_per_week=capacity)
    end = start + dt.timedelta(days=7 * weeks)
    codes = [standard.code for standard in standards_in_force()]
    candidates = _candidates(end)
    qa_ids = list(
        User.objects.filter(roles__contains=[Role.QA], is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    load: dict[tuple[int, int], int] = defaultdict(int)
    scheduled = Audit.objects.filter(
        assignee_id__in=qa_ids, status__in=OPEN_AUDIT, scheduled_for__gte=start, scheduled_for__lt=end
    ).values_list("assignee_id", "scheduled_for")
    for assignee_id, day in scheduled:
        load[(assignee_id, (day - start).days // 7)] += 1

    chosen = _codes_by_age([row["pk"] for row in candidates], codes) if codes else {}
    week = 0
    for row in candidates:
        placed = False
        while codes and qa_ids and week < weeks:
            assignee_id = min(qa_ids, key=lambda user_id: (load[(user_id, week)], user_id))
            taken = load[(assignee_id, week)]
            if taken >= capacity:
                week += 1
                continue
            load[(assignee_id, week)] += 1
            plan.planned.append(
                PlannedAudit(
                    store_id=row["pk"],
                    store_name=row["name"],
                    store_status=row["status"],
                    standard_code=chosen[row["pk"]],
                    scheduled_for=start + dt.timedelta(days=7 * week + taken % DAYS_PER_WEEK_SPREAD),
                    week=week,
                    assignee_id=assignee_id,
                    risk_score=row["risk"],
                    last_audit_at=row["last_audit_at"],
                    due_by=row["due_by"],
                )
            )
            placed = True
            break
        if not placed:
            plan.unplanned.append(UnplannedStore(store_id=row["pk"], store_name=row["name"], due_by=row["due_by"]))
    return plan


@transaction.atomic
def audit_plan_create(*, by: User, start: dt.date, weeks: int) -> Plan:
    """Make the proposal real: one planned ``scheduled`` audit per planned store, with today's pass mark. Two plans
    made at once wait for each other (an advisory lock), and a store with an open audit is not planned again.
    ``PermissionDenied`` unless ``by`` is QA."""
    require_role(by, Role.QA)
    audit_plan_lock()
    plan = audit_plan(start=start, weeks=weeks)
    standard_ids = {standard.code: standard.pk for standard in standards_in_force()}
    pass_mark = Decimal(settings.QUALITY_AUDIT_PASS_MARK).quantize(Decimal("0.01"))
    created = Audit.objects.bulk_create(
        Audit(
            store_id=planned.store_id,
            standard_id=standard_ids[planned.standard_code],
            kind=AuditKind.SCHEDULED,
            scheduled_for=planned.scheduled_for,
            assignee_id=planned.assignee_id,
            created_by=by,
            pass_mark=pass_mark,
        )
        for planned in plan.planned
    )
    for planned, audit in zip(plan.planned, created, strict=True):
        planned.audit_id = audit.pk
    return plan
