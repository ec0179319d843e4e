"""The QA console: pages for the platform's QA staff, rendered on the server (zh-hans first), signed in by the site's
session. Anyone not signed in gets the sign-in box; a signed-in user without the ``qa`` role gets 403.

Forms post back to the page, which calls the same services as the API; a refusal is shown on the page.
"""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError
from quality.alerts import alert_acknowledge, alert_list
from quality.charts import line_chart
from quality.complaints.selectors import complaint_for_qa
from quality.complaints.services import complaint_resolve
from quality.console.pages import PAGE_SIZE, int_or_none, local_datetime, qa_page, refusal, render
from quality.kpi_selectors import SORTS, kpi_latest_day
from quality.kpi_selectors import risk_table as kpi_risk_table
from quality.models import (
    AlertStatus,
    Audit,
    Complaint,
    ComplaintStatus,
    CorrectiveAction,
    StoreKpi,
)
from quality.sanctions import store_sanction
from stores.models import StatusReason, Store, StoreStatus, StoreStatusEvent
from stores.selectors import store_sanction_periods

# The risk table's columns: (StoreKpi field, heading); sortable by any of them.
KPI_COLUMNS = [
    ("risk_score", gettext_lazy("Risk")),
    ("rating", gettext_lazy("Rating")),
    ("low_rating_share", gettext_lazy("Low ratings %")),
    ("complaint_rate", gettext_lazy("Complaints /100")),
    ("upheld_complaint_rate", gettext_lazy("Upheld /100")),
    ("store_cancel_rate", gettext_lazy("Store cancels /100")),
    ("on_time_rate", gettext_lazy("On time %")),
    ("supplement_rate", gettext_lazy("Extra work /100")),
    ("upsell_ratio", gettext_lazy("Upsell ratio")),
    ("rework_rate", gettext_lazy("Rework /100")),
    ("claim_rate", gettext_lazy("Upheld claims /100 inspections")),
    ("price_deviation", gettext_lazy("Price deviation %")),
    ("last_audit_score", gettext_lazy("Last audit")),
    ("overdue_actions", gettext_lazy("Overdue actions")),
]
# The trends on a store's page: (field, title, floor of the y axis).
TRENDS = [
    ("risk_score", gettext_lazy("Risk score"), 0),
    ("rating", gettext_lazy("Rating"), None),
    ("complaint_rate", gettext_lazy("Complaints per 100 bookings"), 0),
    ("on_time_rate", gettext_lazy("On-time starts %"), 0),
    ("store_cancel_rate", gettext_lazy("Store cancellations per 100"), 0),
    ("upsell_ratio", gettext_lazy("Extra work / quote"), 0),
]


def _latest_day(window: int = 90) -> dt.date | None:
    return StoreKpi.objects.filter(window_days=window).order_by("-day").values_list("day", flat=True).first()


@qa_page
def risk_table(request: HttpRequest) -> HttpResponse:
    """Every store's latest 90-day KPIs (:func:`quality.kpi_selectors.risk_table`, what ``GET /qa/stores`` answers),
    riskiest first; sortable by any column, filtered by status and city."""
    sort = request.GET.get("sort", "risk")
    if sort not in SORTS:
        sort = "risk"
    status = request.GET.get("status", "")
    city = request.GET.get("city", "")[:40]
    rows = kpi_risk_table(
        user=request.user, sort=sort, status=status if status in StoreStatus.values else None, city=city or None
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    day = kpi_latest_day(window_days=90)
    columns = [(name, label, _next_sort(sort, name)) for name, label in KPI_COLUMNS]
    cities = Store.objects.order_by("city").values_list("city", flat=True).distinct()
    return render(
        request,
        "quality/console/risk_table.html",
        page=page,
        rows=[(row, [getattr(row, name) for name, _ in KPI_COLUMNS]) for row in page],
        columns=columns,
        sort=sort,
        status=status,
        city=city,
        day=day,
        statuses=StoreStatus.choices,
        cities=list(cities),
        unevaluated=Store.objects.exclude(pk__in=StoreKpi.objects.filter(day=day).values("store_id")).count()
        if day
        else Store.objects.count(),
        open_alerts=alert_list(status=AlertStatus.OPEN).count(),
        open_complaints=Complaint.objects.exclude(status=ComplaintStatus.RESOLVED).count(),
    )


def _next_sort(sort: str, name: str) -> str:
    """The sort a column's heading links to: descending first (riskiest, highest), ascending on a second click."""
    if name == "risk_score":
        return "risk"
    return name if sort == f"-{name}" else f"-{name}"


_STATUS_MOVES = [
    (StoreStatus.ACTIVE, gettext_lazy("Reinstate (active)")),
    (StoreStatus.PROBATION, gettext_lazy("Put on probation")),
    (StoreStatus.SUSPENDED, gettext_lazy("Suspend")),
    (StoreStatus.TERMINATED, gettext_lazy("Terminate the partnership")),
]


@qa_page
def store_page(request: HttpRequest, store_id: int) -> HttpResponse:
    """One store for QA: KPI trends, sanctions and their evidence, audits, corrective actions, complaints, alerts, and
    the status form (an override of any automatic step, with a reason)."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            store_sanction(
                store_id=store.pk,
                to_status=request.POST.get("status", ""),
                reason=request.POST.get("reason", "").replace("\x00", ""),
                reason_category=StatusReason.MANUAL,
                by=request.user,
            )
        except ApplicationError as refused:
            error = refusal(refused)
        except Store.DoesNotExist:
            raise Http404 from None
        else:
            return HttpResponseRedirect(reverse("quality:store", args=[store.pk]))
    since = timezone.localdate() - dt.timedelta(days=90)
    series = list(StoreKpi.objects.filter(store=store, window_days=90, day__gte=since).order_by("day"))
    charts = [
        line_chart(str(title), [(k.day, getattr(k, name)) for k in series], floor=floor)
        for name, title, floor in TRENDS
    ]
    kpis = StoreKpi.objects.filter(store=store)
    latest = {window: kpis.filter(window_days=window).order_by("-day").first() for window in (30, 90)}
    return render(
        request,
        "quality/console/store.html",
        store=store,
        error=error,
        charts=charts,
        latest=latest,
        kpi_columns=KPI_COLUMNS,
        kpi_rows=[
            (label, getattr(latest[30], name, None), getattr(latest[90], name, None)) for name, label in KPI_COLUMNS
        ],
        sanctions=store_sanction_periods(store_id=store.pk),
        trail=StoreStatusEvent.objects.filter(store=store).select_related("by").order_by("-at", "-id")[:20],
        audits=Audit.objects.filter(store=store).select_related("standard", "assignee")[:20],
        actions=CorrectiveAction.objects.filter(store=store).select_related("item").order_by("status", "due")[:30],
        complaints=Complaint.objects.filter(store=store).order_by("-created_at")[:20],
        alerts=alert_list(store_id=store.pk)[:20],
        moves=[(value, label) for value, label in _STATUS_MOVES if value != store.status],
        today=timezone.localdate(),
    )


@qa_page
def alerts(request: HttpRequest) -> HttpResponse:
    """Alerts raised by the rules, the SLA sweeps and the monitors; each acknowledged with a note."""
    error = None
    if request.method == "POST":
        try:
            alert_acknowledge(
                alert_id=int(request.POST.get("alert_id", "0") or 0),
                by=request.user,
                note=request.POST.get("note", "")[:2000].replace("\x00", ""),
            )
        except ApplicationError as refused:
            error = refusal(refused)
        except ValueError:
            error = _("Choose an alert.")
        else:
            return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in AlertStatus.values:
        status = ""
    page = Paginator(alert_list(status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "quality/console/alerts.html", page=page, status=status, statuses=AlertStatus.choices, error=error
    )


@qa_page
def complaint_queue(request: HttpRequest) -> HttpResponse:
    """Complaints not yet resolved, the one due soonest first, with their SLA clocks."""
    status = request.GET.get("status", "")
    queryset = Complaint.objects.select_related("store", "booking")
    if status in ComplaintStatus.values:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.exclude(status=ComplaintStatus.RESOLVED)
    page = Paginator(queryset.order_by("resolve_by", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "quality/console/complaints.html",
        page=page,
        rows=[(c, _clock(c, now)) for c in page],
        status=status,
        statuses=ComplaintStatus.choices,
    )


@qa_page
def complaint_page(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """One complaint: the booking, the owner's text and photos, the store's answer, the trail, and the resolution
    form (rejected, or upheld with a refund, a free rework booking and penalty points)."""
    try:
        complaint = complaint_for_qa(user=request.user, complaint_id=complaint_id)
    except ApplicationError:
        raise Http404 from None
    error = None
    if request.method == "POST":
        form = request.POST
        try:
            rework_start = local_datetime(form.get("rework_start", ""), "rework_start")
            complaint_resolve(
                complaint_id=complaint.pk,
                by=request.user,
                outcome=form.get("outcome", ""),
                resolution=form.get("resolution", "").replace("\x00", ""),
                refund_amount=form.get("refund_amount") or None,
                rework=form.get("rework") == "on",
                rework_store_id=int_or_none(form.get("rework_store_id")),
                rework_start=rework_start,
                penalty_points=int_or_none(form.get("penalty_points")),
            )
        except ApplicationError as refused:
            error = refusal(refused)
        else:
            return HttpResponseRedirect(reverse("quality:complaint", args=[complaint.pk]))
    return render(
        request,
        "quality/console/complaint.html",
        complaint=complaint,
        clock=_clock(complaint, timezone.now()),
        error=error,
        form=request.POST if error else {},
    )


def _clock(complaint: Complaint, now: dt.datetime) -> dict:
    """What the queue shows of a complaint's SLA: the deadline that applies now and the time left (negative: late)."""
    if complaint.status == ComplaintStatus.RESOLVED:
        return {"label": _("Resolved"), "late": False, "left": None}
    if complaint.status == ComplaintStatus.OPEN:
        due, label = complaint.respond_by, _("Store to answer")
    else:
        due, label = complaint.resolve_by, _("QA to resolve")
    if complaint.status == ComplaintStatus.OPEN and now > complaint.respond_by:
        due, label = complaint.resolve_by, _("Store late; QA to resolve")
    minutes = int((due - now).total_seconds() / 60)  # whole minutes, toward zero
    return {
        "label": label,
        "due": due,
        "late": due < now,
        "left": _("%(h)d h %(m)02d min") % {"h": abs(minutes) // 60, "m": abs(minutes) % 60},
    }
