"""The shop's side of quality, rendered on the server for a store's staff signed in by the site's session: its own
KPIs with their trends, its status and sanctions, its corrective actions (with the evidence form) and the complaints
about it (with the answer form). A visitor gets the sign-in box; anyone with no tie to the store, 404.

Like the API for the store, nothing here says what kind of audit found an action: a mystery shop stays hidden (the
audits behind the actions are never read, and the KPI's latest-audit figures, which count every audit, are not shown:
the latest audit shown is the latest one the public record may show)."""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError, NotFound, PermissionDenied
from quality import kpi_selectors, selectors
from quality.actions import MAX_EVIDENCE_PHOTOS, action_evidence_submit
from quality.charts import line_chart
from quality.complaints.selectors import complaints_for_store
from quality.complaints.services import complaint_respond
from quality.console.pages import SIGN_IN_TEXTS, refusal, render
from quality.models import ActionStatus, ComplaintStatus
from quality.parts import last_public_audit
from quality.schemas_audits import text_of
from stores.models import StoreStatus, StoreStatusEvent
from stores.selectors import membership_list_for_user, store_get_for_staff, store_sanction_periods

# The KPIs a store sees, each with what it means in a line: (StoreKpi field, name, explanation, unit). The
# latest-audit figures are left out (see the module docstring).
KPIS = [
    (
        "rating",
        gettext_lazy("Rating"),
        gettext_lazy(
            "Owners' average rating of your reviews in the period, weighted toward the platform average "
            "until you have many reviews."
        ),
        "",
    ),
    (
        "low_rating_share",
        gettext_lazy("Low ratings"),
        gettext_lazy("Share of reviews rating you 2 stars or less."),
        "%",
    ),
    (
        "complaint_rate",
        gettext_lazy("Complaints"),
        gettext_lazy("Complaints filed per 100 completed bookings."),
        "/100",
    ),
    (
        "upheld_complaint_rate",
        gettext_lazy("Upheld complaints"),
        gettext_lazy("Complaints QA found justified, per 100 completed bookings."),
        "/100",
    ),
    (
        "store_cancel_rate",
        gettext_lazy("Store cancellations"),
        gettext_lazy("Bookings you cancelled, per 100 bookings due."),
        "/100",
    ),
    (
        "on_time_rate",
        gettext_lazy("On-time starts"),
        gettext_lazy(
            "Share of jobs started within 15 minutes of the booked time (or of the owner's arrival, if later)."
        ),
        "%",
    ),
    (
        "supplement_rate",
        gettext_lazy("Extra work proposed"),
        gettext_lazy("Completed bookings where you proposed extra work, per 100."),
        "/100",
    ),
    (
        "upsell_ratio",
        gettext_lazy("Extra work / quote"),
        gettext_lazy("Approved extra work as a share of the quoted amounts (0.10: a tenth more than quoted)."),
        "",
    ),
    (
        "rework_rate",
        gettext_lazy("Rework"),
        gettext_lazy("Cars back for the same kind of service within 30 days, per 100 completed bookings."),
        "/100",
    ),
    (
        "price_deviation",
        gettext_lazy("Price deviation"),
        gettext_lazy("How far your posted prices are from the city's typical price (+10: ten percent above)."),
        "%",
    ),
]
# The trends drawn, over the 90-day window: {field: floor of the y axis (None: from the lowest value)}.
TRENDS = {"rating": None, "complaint_rate": 0, "store_cancel_rate": 0, "on_time_rate": 0, "low_rating_share": 0}
TREND_DAYS = 90
MAX_COMPLAINTS = 50
_COMPLAINT_ORDER = {ComplaintStatus.OPEN: 0, ComplaintStatus.ANSWERED: 1, ComplaintStatus.RESOLVED: 2}


def shop_page(view: Callable) -> Callable:
    """The shop's pages: the sign-in box for a visitor; the view for anyone signed in (it checks the store)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            texts = {key: str(text) for key, text in SIGN_IN_TEXTS.items()}
            return render(request, "quality/partner/signin.html", texts=texts, config={})
        return view(request, *args, **kwargs)

    return wrapped


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _left(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _store_for(request: HttpRequest):
    """The store the page is about: ``?store=`` or the first the user works at; 404 with no tie to it."""
    store_id = _int(request.GET.get("store"))
    stores = [m.store for m in membership_list_for_user(user=request.user)]
    if store_id is None:
        if not stores:
            raise Http404
        store_id = stores[0].pk
    try:
        store = store_get_for_staff(user=request.user, store_id=store_id)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    return store, stores


def _post(request: HttpRequest) -> tuple[str, int | None, str | None]:
    """Run the form posted: (which form, its object's id, the refusal or None)."""
    form = request.POST.get("form", "")
    object_id = _int(request.POST.get("id"))
    try:
        if object_id is None:
            raise NotFound()
        if form == "evidence":
            action_evidence_submit(
                action_id=object_id,
                by=request.user,
                note=request.POST.get("note", "").replace("\x00", ""),
                uploads=request.FILES.getlist("photos"),
            )
        elif form == "answer":
            complaint_respond(
                complaint_id=object_id, by=request.user, text=request.POST.get("text", "").replace("\x00", "")
            )
        else:
            raise NotFound()
    except ApplicationError as refused:
        return form, object_id, refusal(refused)
    return form, object_id, None


def _kpi_rows(latest: dict) -> list[dict]:
    return [
        {
            "name": name,
            "explanation": explanation,
            "unit": unit,
            "v30": getattr(latest[30], field, None),
            "v90": getattr(latest[90], field, None),
        }
        for field, name, explanation, unit in KPIS
    ]


@shop_page
def quality_page(request: HttpRequest) -> HttpResponse:
    """One store's quality for its staff (``?store=`` when they work at several; the first by default)."""
    store, stores = _store_for(request)
    error = None
    if request.method == "POST":
        form, object_id, error = _post(request)
        anchor = f"#{'action' if form == 'evidence' else 'complaint'}-{object_id}"
        if error is None:
            return HttpResponseRedirect(f"{reverse('quality_partner:page')}?store={store.pk}{anchor}")
        error = {"form": form, "id": object_id, "message": error, "values": request.POST}
    now = timezone.now()
    today = now.astimezone(zoneinfo.ZoneInfo(store.timezone)).date()
    series = {w: list(kpi_selectors.kpi_series(store_id=store.pk, days=TREND_DAYS, window_days=w)) for w in (30, 90)}
    latest = {w: rows[-1] if rows else None for w, rows in series.items()}
    charts = [
        line_chart(str(name), [(k.day, getattr(k, field)) for k in series[90]], floor=TRENDS[field])
        for field, name, _explanation, _unit in KPIS
        if field in TRENDS
    ]
    actions = list(selectors.actions_for_store(user=request.user, store_id=store.pk))
    pending = [a for a in actions if a.status != ActionStatus.ACCEPTED]
    for action in actions:
        action.item_text = text_of(action.item, "text")
    for action in pending:
        action.overdue = action.status == ActionStatus.OPEN and action.due < today
    complaints = sorted(
        complaints_for_store(user=request.user, store_id=store.pk)[:MAX_COMPLAINTS],
        key=lambda c: (_COMPLAINT_ORDER.get(c.status, 3), -c.created_at.timestamp()),
    )
    for complaint in complaints:
        if complaint.status == ComplaintStatus.OPEN:
            complaint.late = now > complaint.respond_by
            complaint.left = _left(complaint.respond_by - now)
    if error is not None:
        # A refusal is shown by its form; one about nothing on this page (another store's id), at the top.
        forms = {"evidence": {a.pk for a in pending if a.status == ActionStatus.OPEN}}
        forms["answer"] = {c.pk for c in complaints if c.status == ComplaintStatus.OPEN}
        error["inline"] = error["id"] in forms.get(error["form"], set())
    status_event = (
        StoreStatusEvent.objects.filter(store=store).order_by("-at", "-id").first()
        if store.status in (StoreStatus.PROBATION, StoreStatus.SUSPENDED)
        else None
    )
    return render(
        request,
        "quality/partner/page.html",
        store=store,
        stores=stores,
        error=error,
        day=latest[90].day if latest[90] else (latest[30].day if latest[30] else None),
        kpi_rows=_kpi_rows(latest),
        completed={w: getattr(latest[w], "completed", None) for w in (30, 90)},
        charts=charts,
        sanctions=store_sanction_periods(store_id=store.pk),
        status_event=status_event,
        last_audit=last_public_audit(store.pk),
        pending=pending,
        overdue_count=sum(a.overdue for a in pending),
        open_complaints=sum(c.status == ComplaintStatus.OPEN for c in complaints),
        history=[a for a in actions if a.status == ActionStatus.ACCEPTED],
        complaints=complaints,
        max_photos=MAX_EVIDENCE_PHOTOS,
        today=today,
    )
