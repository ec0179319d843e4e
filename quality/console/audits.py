"""The QA console's audit pages: the list with the "new audit" form, the audit form itself (made for a tablet: one
pass / fail / n.a. choice, a note and photos per item), and the audit planner. Every write goes through
quality.audits and quality.planner, as the JSON API's does."""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from chefu.errors import ApplicationError, NotFound, ValidationFailed
from quality import audits, planner, selectors
from quality.console.pages import PAGE_SIZE, int_or_none, qa_page, refusal, render
from quality.models import AuditKind, AuditResultValue, AuditStatus
from quality.schemas_audits import text_of
from quality.standards import standards_in_force

PLAN_WEEKS_MAX = 26


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed({field: _("Give a date.")}) from None


def _qa_users():
    return User.objects.filter(roles__overlap=[Role.QA, Role.ADMIN], is_active=True).order_by("name", "pk")


@qa_page
def audit_list(request: HttpRequest) -> HttpResponse:
    """Audits, the soonest scheduled first, filtered by status, kind, store and "mine"; and the form for a new one."""
    error, form = None, {}
    if request.method == "POST":
        form = request.POST
        try:
            audit = audits.audit_create(
                by=request.user,
                store_id=int_or_none(form.get("store_id")) or 0,
                standard_code=form.get("standard_code", "").strip() or None,
                kind=form.get("kind", ""),
                scheduled_for=_date(form.get("scheduled_for", ""), "scheduled_for"),
                assignee_id=int_or_none(form.get("assignee_id")),
                booking_id=int_or_none(form.get("booking_id")),
                reaudit_of_id=int_or_none(form.get("reaudit_of")),
            )
        except ApplicationError as refused:
            error = refusal(refused)
        else:
            return HttpResponseRedirect(reverse("quality:audit", args=[audit.pk]))
    params = request.GET
    status = params.get("status", "") if params.get("status") in AuditStatus.values else ""
    kind = params.get("kind", "") if params.get("kind") in AuditKind.values else ""
    store = params.get("store", "").strip()
    store_id = int(store) if store.isdigit() and len(store) < 10 else None
    mine = params.get("assignee") == "me"
    queryset = selectors.audit_list(
        user=request.user, status=status, kind=kind, store_id=store_id, assignee_id=request.user.pk if mine else None
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "quality/console/audits.html",
        page=page,
        status=status,
        kind=kind,
        store=store_id or "",
        mine=mine,
        statuses=AuditStatus.choices,
        kinds=AuditKind.choices,
        standards=[(s.code, text_of(s, "title")) for s in standards_in_force()],
        assignees=_qa_users(),
        error=error,
        form=form,
        made=params.get("made", "") if params.get("made", "").isdigit() else "",
        today=timezone.localdate(),
    )


def _items(audit) -> list[dict]:
    results = {r.item_id: r for r in audit.results.all()}
    photos = list(audit.photos.all())
    rows = []
    for item in audit.standard.items.all():
        result = results.get(item.pk)
        rows.append(
            {
                "item": item,
                "text": text_of(item, "text"),
                "result": result.result if result else "",
                "note": result.note if result else "",
                "photos": [p for p in photos if p.item_id == item.pk],
            }
        )
    return rows


def _record(request: HttpRequest, audit_id: int, codes: list[str]) -> list[str]:
    """Save the results the form carries, then its photos: each photo refused is named by its item, the others are
    kept. Returns the refusals."""
    form = request.POST
    specs = [
        audits.ResultSpec(code=code, result=form[f"result-{code}"], note=form.get(f"note-{code}", "")[:2000])
        for code in codes
        if form.get(f"result-{code}")
    ]
    if specs:
        audits.audit_results_set(audit_id=audit_id, by=request.user, items=specs)
    refusals = []
    for code in codes:
        for upload in request.FILES.getlist(f"photo-{code}"):
            try:
                audits.audit_photo_add(audit_id=audit_id, by=request.user, upload=upload, item_code=code)
            except ValidationFailed as refused:
                refusals.append(f"{code}: {refusal(refused)}")
    return refusals


@qa_page
def audit_page(request: HttpRequest, audit_id: int) -> HttpResponse:
    """The audit form: every item of the audit's standard version with its result, note and photos. "Save" records
    what is filled in (photos included); "Finalize" saves, then scores the audit and opens its corrective actions.
    A finalized or cancelled audit is shown read-only."""
    try:
        audit = selectors.audit_get(user=request.user, audit_id=audit_id)
    except NotFound:
        raise Http404 from None
    error = None
    if request.method == "POST":
        codes = [item.code for item in audit.standard.items.all()]
        try:
            refusals = _record(request, audit.pk, codes)
            if refusals:
                raise ValidationFailed({"photo": refusals}, message=_("Some photos were not kept."))
            if request.POST.get("action") == "finalize":
                audits.audit_finalize(audit_id=audit.pk, by=request.user)
        except ApplicationError as refused:
            error = refusal(refused)
            audit = selectors.audit_get(user=request.user, audit_id=audit_id)
        else:
            return HttpResponseRedirect(reverse("quality:audit", args=[audit.pk]))
    open_ = audit.status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS)
    return render(
        request,
        "quality/console/audit.html",
        audit=audit,
        title=text_of(audit.standard, "title"),
        items=_items(audit),
        loose_photos=[p for p in audit.photos.all() if p.item_id is None],
        actions=list(audit.corrective_actions.all()),
        open=open_,
        choices=[
            (AuditResultValue.PASS, _("Pass")),
            (AuditResultValue.FAIL, _("Fail")),
            (AuditResultValue.NA, _("N/A")),
        ],
        error=error,
    )


@qa_page
def audit_plan(request: HttpRequest) -> HttpResponse:
    """The planner's proposal for the next N weeks (nothing written), and the button that creates those audits."""
    source = request.POST if request.method == "POST" else request.GET
    weeks = source.get("weeks", "4")
    weeks = min(max(int(weeks), 1), PLAN_WEEKS_MAX) if weeks.isdigit() and len(weeks) < 4 else 4
    start = timezone.localdate()
    error = None
    if request.method == "POST":
        try:
            plan = planner.audit_plan_create(by=request.user, start=start, weeks=weeks)
        except ApplicationError as refused:
            error = refusal(refused)
        else:
            made = len(plan.planned)
            return HttpResponseRedirect(f"{reverse('quality:audits')}?status=planned&made={made}")
    plan = planner.audit_plan(start=start, weeks=weeks)
    names = dict(User.objects.filter(pk__in={p.assignee_id for p in plan.planned}).values_list("pk", "name"))
    return render(
        request,
        "quality/console/audit_plan.html",
        plan=plan,
        rows=[(p, names.get(p.assignee_id, "")) for p in plan.planned],
        weeks=weeks,
        week_choices=[1, 2, 4, 8, 13, 26],
        error=error,
    )
