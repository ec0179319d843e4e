"""Rules: thresholds on KPIs that QA edits, every change kept with who, when, why, before and after.

The defaults are seeded by migration 0003 (see :data:`DEFAULT_RULES` for the values and why). A rule names a KPI of
``quality.kpis.METRICS``; its ``min_sample`` counts the sample that KPI stands on (completed or due bookings,
reviews); for the KPIs that are facts rather than samples (audit, overdue actions, prices) it is not used.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound, ValidationFailed
from quality.kpis import METRICS, WINDOWS
from quality.lock_objects import rule_lock
from quality.models import Comparator, Rule, RuleAction, RuleChange

THRESHOLD_MAX = Decimal("9999999.99")
MIN_SAMPLE_MAX = 1_000_000
REASON_MAX = 1000

# (metric, window_days, comparator, threshold, min_sample, action): what the platform starts with.
# - A store whose owners win more than 5 complaints per 100 jobs over 90 days (on 20 jobs at least) is on probation;
#   more than 15 (on 30) is suspended at once: a shop that wrongs one owner in seven.
# - Cancelling more than 10 % of its due bookings over 90 days puts a store on probation: owners plan around them.
# - Complaints filed (upheld or not) above 10 per 100, a 90-day rating under 3.5, a 30-day share of 1-2 star reviews
#   above 30 %, fewer than 70 % of jobs started on time, rework above 8 per 100, prices 50 % above the city median,
#   three or more overdue corrective actions: alerts for QA to look at, not verdicts.
# Upsell outliers are a monitor (quality.monitors), judged against the city's 95th percentile, not a fixed rule.
DEFAULT_RULES = (
    ("upheld_complaint_rate", 90, Comparator.GT, "5", 20, RuleAction.PROBATION),
    ("upheld_complaint_rate", 90, Comparator.GT, "15", 30, RuleAction.SUSPEND),
    ("store_cancel_rate", 90, Comparator.GT, "10", 20, RuleAction.PROBATION),
    ("complaint_rate", 90, Comparator.GT, "10", 20, RuleAction.ALERT),
    ("rating", 90, Comparator.LT, "3.5", 10, RuleAction.ALERT),
    ("low_rating_share", 30, Comparator.GT, "30", 10, RuleAction.ALERT),
    ("on_time_rate", 30, Comparator.LT, "70", 20, RuleAction.ALERT),
    ("rework_rate", 90, Comparator.GT, "8", 20, RuleAction.ALERT),
    ("price_deviation", 90, Comparator.GT, "50", 0, RuleAction.ALERT),
    ("overdue_actions", 90, Comparator.GTE, "3", 0, RuleAction.ALERT),
)


def rule_snapshot(rule: Rule) -> dict:
    return {
        "metric": rule.metric,
        "window_days": rule.window_days,
        "comparator": rule.comparator,
        "threshold": str(rule.threshold),
        "min_sample": rule.min_sample,
        "action": rule.action,
        "enabled": rule.enabled,
    }


def _text(value: str | None, field: str, errors: dict, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("Say why.")
    elif "\x00" in value:
        errors[field] = _("Remove the NUL character.")
    elif len(value) > REASON_MAX:
        errors[field] = _("At most %(n)s characters.") % {"n": REASON_MAX}
    return value


def _check(*, metric, window_days, comparator, threshold, min_sample, action, errors: dict) -> None:
    if metric not in METRICS:
        errors["metric"] = _("Unknown KPI.")
    if window_days not in WINDOWS:
        errors["window_days"] = _("The window is 30 or 90 days.")
    if comparator not in Comparator.values:
        errors["comparator"] = _("Unknown comparator.")
    if action not in RuleAction.values:
        errors["action"] = _("Unknown action.")
    if not isinstance(threshold, Decimal) or not threshold.is_finite() or not 0 <= threshold <= THRESHOLD_MAX:
        errors["threshold"] = _("A number from 0 to %(max)s.") % {"max": THRESHOLD_MAX}
    elif threshold != threshold.quantize(Decimal("0.01")):
        errors["threshold"] = _("At most two decimal places.")
    if not isinstance(min_sample, int) or not 0 <= min_sample <= MIN_SAMPLE_MAX:
        errors["min_sample"] = _("A whole number from 0 to %(max)s.") % {"max": MIN_SAMPLE_MAX}


def rule_list(*, user: User) -> QuerySet[Rule]:
    require_role(user, "qa")
    return Rule.objects.all()


@transaction.atomic
def rule_update(
    *,
    rule_id: int,
    by: User,
    reason: str,
    threshold: Decimal | None = None,
    min_sample: int | None = None,
    action: str | None = None,
    enabled: bool | None = None,
) -> Rule:
    """Change a rule (fields left None stay) under a lock on its row, and keep a :class:`RuleChange` with the values
    before and after, who and why. QA only. Nothing is written when a value is out of range (``ValidationFailed``)."""
    require_role(by, "qa")
    rule = rule_lock(rule_id)
    if rule is None:
        raise NotFound()
    errors: dict = {}
    reason = _text(reason, "reason", errors, required=True)
    before = rule_snapshot(rule)
    rule.threshold = rule.threshold if threshold is None else threshold
    rule.min_sample = rule.min_sample if min_sample is None else min_sample
    rule.action = rule.action if action is None else action
    rule.enabled = rule.enabled if enabled is None else enabled
    _check(
        metric=rule.metric,
        window_days=rule.window_days,
        comparator=rule.comparator,
        threshold=rule.threshold,
        min_sample=rule.min_sample,
        action=rule.action,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)
    after = rule_snapshot(rule)
    if after != before:
        rule.save(update_fields=["threshold", "min_sample", "action", "enabled", "updated_at"])
    RuleChange.objects.create(rule=rule, by=by, reason=reason, before=before, after=after)
    return rule


@transaction.atomic
def rule_create(
    *,
    by: User,
    reason: str,
    metric: str,
    window_days: int,
    comparator: str,
    threshold: Decimal,
    min_sample: int,
    action: str,
    enabled: bool = True,
) -> Rule:
    """A new rule, kept as a change from nothing. QA only."""
    require_role(by, "qa")
    errors: dict = {}
    reason = _text(reason, "reason", errors, required=True)
    values = {
        "metric": metric,
        "window_days": window_days,
        "comparator": comparator,
        "threshold": threshold,
        "min_sample": min_sample,
        "action": action,
    }
    _check(**values, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    rule = Rule.objects.create(**values, enabled=enabled)
    RuleChange.objects.create(rule=rule, by=by, reason=reason, before={}, after=rule_snapshot(rule))
    return rule
