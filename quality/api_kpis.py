"""QA's risk table, KPI series, rules, quality runs and alerts; the shop's own KPIs (API.md, Quality assurance)."""

from ninja import Query, Router, Status

from accounts.auth import require_role, token_auth
from chefu.pagination import PageParams, paginate
from chefu.schemas import error_responses
from quality import kpi_selectors as selectors
from quality import rules
from quality.alerts import alert_acknowledge
from quality.runs import quality_run
from quality.schemas_kpis import (
    AckIn,
    AlertListOut,
    AlertOut,
    AlertParams,
    KpiSeriesOut,
    PartnerKpisOut,
    QualityRunIn,
    QualityRunOut,
    RiskTableOut,
    RiskTableParams,
    RuleCreateIn,
    RuleOut,
    RuleUpdateIn,
    SeriesParams,
    alert_dict,
    kpi_day_dict,
    risk_row_dict,
    rule_dict,
)

qa_kpis_router = Router(tags=["qa"], auth=token_auth)
partner_kpis_router = Router(tags=["partner"], auth=token_auth)

BODY = (400, 413, 415, 422)
AUTH = (401,)


@qa_kpis_router.get(
    "/stores",
    response={200: RiskTableOut, **error_responses(*AUTH, 403, 422)},
    summary="The risk table (QA)",
)
def qa_risk_table(request, params: Query[RiskTableParams]):
    """Every store's KPIs of the latest nightly run, riskiest first (``sort=risk``), or sorted by a KPI (``sort=
    complaint_rate``, ``-complaint_rate`` descending; nulls last); filtered by ``status`` and ``city``; ``window`` 30
    or 90 days. KPI values are decimal strings, null below their minimum sample. QA only (403); 422 for an unknown
    sort key."""
    queryset = selectors.risk_table(
        user=request.auth, sort=params.sort, status=params.status, city=params.city, window_days=params.window
    )
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [risk_row_dict(k) for k in page["items"]], "count": page["count"]}


@qa_kpis_router.get(
    "/stores/{int:store_id}/kpis",
    response={200: KpiSeriesOut, **error_responses(*AUTH, 403, 404, 422)},
    summary="A store's daily KPIs (QA)",
)
def qa_store_kpis(request, store_id: int, params: Query[SeriesParams]):
    """The store's KPIs day by day over the last ``days`` days computed (oldest first), over the ``window``. QA only
    (403); 404 for an unknown store."""
    store = selectors.qa_store_get(user=request.auth, store_id=store_id)
    series = selectors.kpi_series(store_id=store.pk, days=params.days, window_days=params.window)
    return {"store_id": store.pk, "window_days": params.window, "items": [kpi_day_dict(k) for k in series]}


@qa_kpis_router.get(
    "/rules",
    response={200: list[RuleOut], **error_responses(*AUTH, 403)},
    summary="The KPI rules (QA)",
)
def qa_rule_list(request):
    """Every rule: its KPI (``metric``, one of the ``kpis`` keys), window, comparator, threshold, minimum sample and
    action, enabled or not. QA only (403)."""
    return [rule_dict(r) for r in rules.rule_list(user=request.auth)]


@qa_kpis_router.post(
    "/rules",
    response={201: RuleOut, **error_responses(*AUTH, *BODY, 403)},
    summary="Add a KPI rule (QA)",
)
def qa_rule_create(request, payload: RuleCreateIn):
    """A new rule, recorded as a change with who and why. 422 for an unknown metric, a negative or too large
    threshold or sample, an empty reason. QA only (403)."""
    rule = rules.rule_create(by=request.auth, **payload.dict())
    return Status(201, rule_dict(rule))


@qa_kpis_router.put(
    "/rules/{int:rule_id}",
    response={200: RuleOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Change a KPI rule (QA)",
)
def qa_rule_update(request, rule_id: int, payload: RuleUpdateIn):
    """Change a rule's threshold, minimum sample, action or whether it is enabled (fields left out stay), with a
    reason; the values before and after are kept with who and when. 422 for values out of range or no reason
    (nothing changes), 404 unknown rule. QA only (403)."""
    rule = rules.rule_update(rule_id=rule_id, by=request.auth, **payload.dict())
    return rule_dict(rule)


@qa_kpis_router.post(
    "/quality-runs",
    response={201: QualityRunOut, **error_responses(*AUTH, *BODY, 403, 409)},
    summary="Run the nightly quality evaluation now (QA)",
)
def qa_quality_run(request, payload: QualityRunIn | None = None):
    """Compute every store's KPIs for ``day`` (default yesterday), apply the rules (alerts, probation, suspension),
    expire probations and run the monitors, as the nightly job does; the run's figures and the stores it moved. 409
    ``quality_run_in_progress`` while another run is going. QA only (403)."""
    require_role(request.auth, "qa")
    run = quality_run(day=payload.day if payload else None, by=request.auth)
    return Status(
        201,
        {
            "id": run.pk,
            "day": run.day,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "stores_evaluated": run.stores_evaluated,
            "alerts_raised": run.alerts_raised,
            "status_changes": run.status_changes,
        },
    )


@qa_kpis_router.get(
    "/alerts",
    response={200: AlertListOut, **error_responses(*AUTH, 403, 422)},
    summary="Alerts (QA)",
)
def qa_alert_list(request, params: Query[AlertParams]):
    """Alerts raised by the rules, the SLA sweeps and the monitors, newest first; filtered by ``status`` and
    ``store_id``. QA only (403)."""
    queryset = selectors.qa_alerts(user=request.auth, status=params.status, store_id=params.store_id)
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [alert_dict(a) for a in page["items"]], "count": page["count"]}


@qa_kpis_router.post(
    "/alerts/{int:alert_id}/ack",
    response={200: AlertOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Acknowledge an alert (QA)",
)
def qa_alert_ack(request, alert_id: int, payload: AckIn):
    """QA has seen the alert: it leaves the open list, with who, when and the note. Acknowledging it again changes
    nothing. 404 unknown alert. QA only (403)."""
    require_role(request.auth, "qa")
    alert = alert_acknowledge(alert_id=alert_id, by=request.auth, note=payload.note)
    return alert_dict(alert)


@partner_kpis_router.get(
    "/stores/{int:store_id}/kpis",
    response={200: PartnerKpisOut, **error_responses(*AUTH, 404, 422)},
    summary="My store's KPIs",
)
def partner_store_kpis(request, store_id: int, params: Query[SeriesParams]):
    """The store's own KPIs as QA sees them: the latest day and the daily series over the last ``days`` days, over
    the ``window``. The store's staff only: 404 for anyone else."""
    store = selectors.partner_store_get(user=request.auth, store_id=store_id)
    series = [
        kpi_day_dict(k) for k in selectors.kpi_series(store_id=store.pk, days=params.days, window_days=params.window)
    ]
    return {
        "store_id": store.pk,
        "window_days": params.window,
        "latest": series[-1] if series else None,
        "items": series,
    }
