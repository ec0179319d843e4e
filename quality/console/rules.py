"""The QA console's rules page: every KPI rule with its edit form (a reason is required), the form for a new rule,
and the change history. Writes go through quality.rules."""

from decimal import Decimal, InvalidOperation

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError, NotFound, ValidationFailed
from quality import rules as rule_services
from quality.console.pages import int_or_none, qa_page, refusal, render
from quality.console.views import KPI_COLUMNS
from quality.kpis import METRICS, WINDOWS
from quality.models import Comparator, RuleAction, RuleChange

HISTORY_ROWS = 50


def _threshold(value: str | None) -> Decimal:
    try:
        return Decimal((value or "").strip())
    except InvalidOperation:
        raise ValidationFailed({"threshold": _("Give a number.")}) from None


def _whole(value: str | None, field: str) -> int:
    number = int_or_none(value)
    if number is None:
        raise ValidationFailed({field: _("Give a whole number.")})
    return number


def _metric_labels() -> dict[str, str]:
    labels = {name: str(label) for name, label in KPI_COLUMNS}
    return {metric: labels.get(metric, metric) for metric in METRICS}


@qa_page
def rules(request: HttpRequest) -> HttpResponse:
    """The rules, each editable with a reason; a new rule; the latest changes, newest first."""
    errors: dict[str, str] = {}  # by form: a rule's id, or "new"
    form = {}
    if request.method == "POST":
        form = request.POST
        which = form.get("rule_id", "new")
        try:
            if which == "new":
                rule_services.rule_create(
                    by=request.user,
                    reason=form.get("reason", ""),
                    metric=form.get("metric", ""),
                    window_days=_whole(form.get("window_days"), "window_days"),
                    comparator=form.get("comparator", ""),
                    threshold=_threshold(form.get("threshold")),
                    min_sample=_whole(form.get("min_sample"), "min_sample"),
                    action=form.get("action", ""),
                    enabled=form.get("enabled") == "on",
                )
            else:
                rule_services.rule_update(
                    rule_id=_whole(which, "rule_id"),
                    by=request.user,
                    reason=form.get("reason", ""),
                    threshold=_threshold(form.get("threshold")),
                    min_sample=_whole(form.get("min_sample"), "min_sample"),
                    action=form.get("action", ""),
                    enabled=form.get("enabled") == "on",
                )
        except NotFound:
            raise Http404 from None
        except ApplicationError as refused:
            errors[which] = refusal(refused)
        else:
            return HttpResponseRedirect(reverse("quality:rules"))
    labels = _metric_labels()
    rule_rows = list(rule_services.rule_list(user=request.user).order_by("metric", "window_days", "id"))
    history = RuleChange.objects.select_related("rule", "by").order_by("-at", "-id")[:HISTORY_ROWS]
    return render(
        request,
        "quality/console/rules.html",
        rules=[(rule, labels.get(rule.metric, rule.metric), errors.get(str(rule.pk))) for rule in rule_rows],
        history=[
            (change, labels.get(change.rule.metric, change.rule.metric), _diff(change, labels)) for change in history
        ],
        new_error=errors.get("new"),
        form=form,
        metrics=list(labels.items()),
        windows=WINDOWS,
        comparators=Comparator.choices,
        actions=RuleAction.choices,
    )


# The values a change shows, in this order: (field of quality.rules.rule_snapshot, heading).
SNAPSHOT_FIELDS = [
    ("metric", gettext_lazy("KPI")),
    ("window_days", gettext_lazy("Window (days)")),
    ("comparator", gettext_lazy("Comparator")),
    ("threshold", gettext_lazy("Threshold")),
    ("min_sample", gettext_lazy("Minimum sample")),
    ("action", gettext_lazy("Action")),
    ("enabled", gettext_lazy("Enabled")),
]


def _shown(name: str, value: object, labels: dict[str, str]) -> object:
    """A snapshot value as the page says it: the labels of choices, yes / no."""
    if name == "enabled" and isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = {"metric": labels, "action": dict(RuleAction.choices), "comparator": dict(Comparator.choices)}
    return choices.get(name, {}).get(value, value)


def _diff(change: RuleChange, labels: dict[str, str]) -> list[tuple[str, object, object]]:
    """(heading, before, after) for each value the change altered; every value for a new rule."""
    return [
        (
            str(label),
            _shown(name, change.before.get(name, ""), labels),
            _shown(name, change.after.get(name, ""), labels),
        )
        for name, label in SNAPSHOT_FIELDS
        if change.before.get(name) != change.after.get(name)
    ]
