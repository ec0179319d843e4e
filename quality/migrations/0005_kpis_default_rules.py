"""The default rules (quality.rules.DEFAULT_RULES, written out here: a migration keeps the values it shipped)."""

from decimal import Decimal

from django.db import migrations

RULES = (
    ("upheld_complaint_rate", 90, "gt", "5", 20, "probation"),
    ("upheld_complaint_rate", 90, "gt", "15", 30, "suspend"),
    ("store_cancel_rate", 90, "gt", "10", 20, "probation"),
    ("complaint_rate", 90, "gt", "10", 20, "alert"),
    ("rating", 90, "lt", "3.5", 10, "alert"),
    ("low_rating_share", 30, "gt", "30", 10, "alert"),
    ("on_time_rate", 30, "lt", "70", 20, "alert"),
    ("rework_rate", 90, "gt", "8", 20, "alert"),
    ("price_deviation", 90, "gt", "50", 0, "alert"),
    ("overdue_actions", 90, "gte", "3", 0, "alert"),
)


def seed(apps, schema_editor):
    Rule = apps.get_model("quality", "Rule")
    RuleChange = apps.get_model("quality", "RuleChange")
    for metric, window, comparator, threshold, min_sample, action in RULES:
        if Rule.objects.filter(metric=metric, window_days=window, comparator=comparator, action=action).exists():
            continue
        rule = Rule.objects.create(
            metric=metric,
            window_days=window,
            comparator=comparator,
            threshold=Decimal(threshold),
            min_sample=min_sample,
            action=action,
        )
        after = {
            "metric": metric,
            "window_days": window,
            "comparator": comparator,
            "threshold": str(Decimal(threshold).quantize(Decimal("0.01"))),
            "min_sample": min_sample,
            "action": action,
            "enabled": True,
        }
        RuleChange.objects.create(rule=rule, reason="Default rule (migration 0003)", before={}, after=after)


class Migration(migrations.Migration):
    dependencies = [("quality", "0004_complaints_sla")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
