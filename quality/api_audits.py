"""Standards, audits, the audit plan and corrective actions (API.md, Quality assurance).

QA's operations answer 403 to anyone else. A store's staff see their store's corrective actions (404 for a store or
action they have no tie to); nothing they are shown says what kind of audit found them."""

import zoneinfo

from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from accounts.auth import require_role, token_auth
from accounts.models import Role
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from quality import actions, audits, planner, selectors, standards
from quality.schemas_audits import (
    ActionReasonIn,
    ActionReopenIn,
    AuditDetailOut,
    AuditFinalizedOut,
    AuditIn,
    AuditListOut,
    AuditListParams,
    AuditPhotoOut,
    AuditPlanIn,
    AuditPlanOut,
    AuditPlanParams,
    AuditResultsIn,
    CorrectiveActionListOut,
    CorrectiveActionOut,
    CorrectiveActionParams,
    CorrectiveActionQaListOut,
    CorrectiveActionQaOut,
    CorrectiveActionQaParams,
    StandardDraftIn,
    StandardItemsIn,
    StandardListOut,
    StandardOut,
    StandardQaOut,
    action_brief,
    action_dict,
    audit_detail_dict,
    audit_dict,
    photo_dict,
    standard_dict,
)
from quality.standards import ItemSpec

public_standards_router = Router(tags=["quality"])
qa_quality_router = Router(tags=["qa"], auth=token_auth)
partner_quality_router = Router(tags=["partner"], auth=token_auth)
MULTIPART = (400, 413, 422)


def _store_today(store):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(store.timezone)).date()


def _items(payload_items) -> list[ItemSpec]:
    return [ItemSpec(**item.dict()) for item in payload_items]


# --- standards ------------------------------------------------------------------------------------------------------


@public_standards_router.get("/standards", response={200: list[StandardOut]}, summary="The standards in force")
def standards_public(request):
    """The latest published version of every standard code, by category, with its items (``text`` in the request's
    language). No sign-in needed."""
    return [standard_dict(s) for s in standards.standards_in_force()]


@qa_quality_router.get(
    "/standards",
    response={200: StandardListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Every standard version, drafts included (QA)",
)
def standard_versions(request, page: Query[PageParams], code: str | None = None):
    """Every version of every code (or of ``code``), newest first, drafts included. QA only (403)."""
    require_role(request.auth, Role.QA)
    result = paginate(standards.standard_list(code=code), page)
    return {"items": [standard_dict(s, qa=True) for s in result["items"]], "count": result["count"]}


@qa_quality_router.post(
    "/standards",
    response={201: StandardQaOut, **error_responses(*AUTH, *BODY, 403, 409)},
    summary="Draft a new standard version (QA)",
)
def standard_draft(request, payload: StandardDraftIn):
    """The next version of ``code`` as a draft, with ``items`` or a copy of the version in force. 409 ``conflict``
    while the code has a draft already; 422 for a category other than the code's."""
    require_role(request.auth, Role.QA)
    standard = standards.standard_draft_create(
        code=payload.code,
        category=payload.category,
        title_zh=payload.title_zh,
        title_en=payload.title_en,
        items=_items(payload.items) if payload.items is not None else None,
        by=request.auth,
    )
    return Status(201, standard_dict(standards.standard_get(standard_id=standard.pk), qa=True))


@qa_quality_router.put(
    "/standards/{int:standard_id}/items",
    response={200: StandardQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Replace a draft's items (QA)",
)
def standard_items(request, standard_id: int, payload: StandardItemsIn):
    """Replace the items (and the titles when given) of a draft. 409 ``standard_published`` once it is published."""
    require_role(request.auth, Role.QA)
    standards.standard_items_set(
        standard_id=standard_id, items=_items(payload.items), title_zh=payload.title_zh, title_en=payload.title_en
    )
    return standard_dict(standards.standard_get(standard_id=standard_id), qa=True)


@qa_quality_router.post(
    "/standards/{int:standard_id}/publish",
    response={200: StandardQaOut, **error_responses(*AUTH, 403, 404, 409, 422)},
    summary="Publish a draft standard (QA)",
)
def standard_publish(request, standard_id: int):
    """Publish the draft: it becomes the version in force of its code and never changes again (the database refuses
    any change). 409 ``standard_published`` when it already is; 422 without items."""
    require_role(request.auth, Role.QA)
    standards.standard_publish(standard_id=standard_id, by=request.auth)
    return standard_dict(standards.standard_get(standard_id=standard_id), qa=True)


# --- audits ---------------------------------------------------------------------------------------------------------


def _detail(request, audit_id: int) -> dict:
    return audit_detail_dict(selectors.audit_get(user=request.auth, audit_id=audit_id))


@qa_quality_router.post(
    "/audits",
    response={201: AuditDetailOut, **error_responses(*AUTH, *BODY, 403)},
    summary="Create an audit (QA)",
)
def audit_create(request, payload: AuditIn):
    """A planned audit of a store against the version of ``standard_code`` in force, with today's pass mark.
    A mystery-shopper audit may name the QA user's own booking at the store; ``reaudit_of`` names an earlier failed
    audit of the same store. 422 ``validation_error`` naming each field that does not hold."""
    audit = audits.audit_create(
        by=request.auth,
        store_id=payload.store_id,
        standard_code=payload.standard_code,
        kind=payload.kind,
        scheduled_for=payload.scheduled_for,
        assignee_id=payload.assignee_id,
        booking_id=payload.booking_id,
        reaudit_of_id=payload.reaudit_of,
        complaint_id=payload.complaint_id,
    )
    return Status(201, _detail(request, audit.pk))


@qa_quality_router.get(
    "/audits",
    response={200: AuditListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Audits (QA)",
)
def audit_list(request, params: Query[AuditListParams]):
    """Audits, the soonest scheduled first, filtered by status, kind, store, or ``assignee=me``."""
    queryset = selectors.audit_list(
        user=request.auth,
        status=params.status,
        store_id=params.store_id,
        kind=params.kind,
        assignee_id=request.auth.pk if params.assignee == "me" else None,
    )
    result = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [audit_dict(a) for a in result["items"]], "count": result["count"]}


@qa_quality_router.get(
    "/audits/{int:audit_id}",
    response={200: AuditDetailOut, **error_responses(*AUTH, 403, 404)},
    summary="An audit with its items, results and photos (QA)",
)
def audit_detail(request, audit_id: int):
    """The audit with every item of its standard version, the result and photos recorded so far, and its corrective
    actions once finalized."""
    return _detail(request, audit_id)


@qa_quality_router.put(
    "/audits/{int:audit_id}/results",
    response={200: AuditDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Record item results (QA)",
)
def audit_results(request, audit_id: int, payload: AuditResultsIn):
    """Record or change the results (pass, fail, na, with a note) of the items named; the others keep theirs. 422 for
    an item code not in the audit's standard; 409 ``audit_finalized`` once finalized or cancelled."""
    audits.audit_results_set(
        audit_id=audit_id,
        by=request.auth,
        items=[audits.ResultSpec(code=i.code, result=i.result, note=i.note) for i in payload.items],
    )
    return _detail(request, audit_id)


@qa_quality_router.post(
    "/audits/{int:audit_id}/photos",
    response={201: AuditPhotoOut, **error_responses(*AUTH, *MULTIPART, 403, 404, 409)},
    summary="Add an evidence photo to an audit (QA)",
)
def audit_photo(request, audit_id: int, photo: File[UploadedFile], item_code: Form[str | None] = None):
    """Multipart: ``photo`` (JPEG, PNG or WebP; re-encoded, kept private) and optionally ``item_code``, the item it
    is evidence of. 422 for a file that is not an accepted image or an unknown item; 409 ``audit_finalized``."""
    saved = audits.audit_photo_add(audit_id=audit_id, by=request.auth, upload=photo, item_code=item_code or None)
    return Status(201, photo_dict(saved))


@qa_quality_router.post(
    "/audits/{int:audit_id}/finalize",
    response={200: AuditFinalizedOut, **error_responses(*AUTH, 403, 404, 409, 422)},
    summary="Finalize an audit (QA)",
)
def audit_finalize(request, audit_id: int):
    """Score the audit and open a corrective action for every failed item. 422 ``validation_error`` naming the items
    without a result (``details.fields.results``) or without the evidence photo they need (``photos``), nothing
    written; 409 ``audit_finalized`` when it already is."""
    audit = audits.audit_finalize(audit_id=audit_id, by=request.auth)
    return {
        "id": audit.pk,
        "score": audit.score,
        "passed": audit.passed,
        "critical_failed": audit.critical_failed,
        "corrective_actions": [action_brief(a) for a in audits.audit_actions(audit)],
    }


@qa_quality_router.post(
    "/audits/{int:audit_id}/cancel",
    response={200: AuditDetailOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="Cancel an audit (QA)",
)
def audit_cancel(request, audit_id: int):
    """Call off an audit not finalized yet. 409 ``audit_finalized`` when finalized or cancelled already."""
    audits.audit_cancel(audit_id=audit_id, by=request.auth)
    return _detail(request, audit_id)


# --- the plan -------------------------------------------------------------------------------------------------------


def _plan_dict(plan) -> dict:
    return {
        "start": plan.start,
        "weeks": plan.weeks,
        "capacity_per_week": plan.capacity_per_week,
        "planned": [vars(p) for p in plan.planned],
        "unplanned": [vars(u) for u in plan.unplanned],
    }


@qa_quality_router.get(
    "/audit-plan",
    response={200: AuditPlanOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Proposed audit schedule (QA)",
)
def audit_plan(request, params: Query[AuditPlanParams]):
    """The audits the planner proposes for the next ``weeks`` weeks so every active or probation store is audited at
    least once per 180 days, riskiest first, within each QA user's weekly capacity. Writes nothing."""
    require_role(request.auth, Role.QA)
    return _plan_dict(planner.audit_plan(start=params.start or timezone.localdate(), weeks=params.weeks))


@qa_quality_router.post(
    "/audit-plan",
    response={201: AuditPlanOut, **error_responses(*AUTH, *BODY, 403)},
    summary="Create the proposed audits (QA)",
)
def audit_plan_make(request, payload: AuditPlanIn):
    """Create the planned audits the proposal lists (``audit_id`` in the answer); a store with an audit planned or
    in progress is not planned again."""
    plan = planner.audit_plan_create(by=request.auth, start=payload.start or timezone.localdate(), weeks=payload.weeks)
    return Status(201, _plan_dict(plan))


# --- corrective actions: QA -----------------------------------------------------------------------------------------


def _qa_action(request, action_id: int) -> dict:
    action = selectors.action_get_qa(user=request.auth, action_id=action_id)
    return action_dict(action, today=_store_today(action.store), qa=True)


@qa_quality_router.get(
    "/corrective-actions",
    response={200: CorrectiveActionQaListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Corrective actions (QA)",
)
def qa_action_list(request, params: Query[CorrectiveActionQaParams]):
    """Every store's corrective actions, the soonest due first, by status and store."""
    queryset = selectors.action_list_qa(user=request.auth, status=params.status, store_id=params.store_id)
    result = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {
        "items": [action_dict(a, today=_store_today(a.store), qa=True) for a in result["items"]],
        "count": result["count"],
    }


@qa_quality_router.post(
    "/corrective-actions/{int:action_id}/accept",
    response={200: CorrectiveActionQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Accept a store's evidence (QA)",
)
def qa_action_accept(request, action_id: int, payload: ActionReasonIn):
    """submitted → accepted, with an optional reason; the store is told. 409 ``invalid_transition`` otherwise."""
    actions.action_accept(action_id=action_id, by=request.auth, reason=payload.reason)
    return _qa_action(request, action_id)


@qa_quality_router.post(
    "/corrective-actions/{int:action_id}/reopen",
    response={200: CorrectiveActionQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Reopen a corrective action (QA)",
)
def qa_action_reopen(request, action_id: int, payload: ActionReopenIn):
    """submitted → open, with the reason the store is told; the due date stays. 409 ``invalid_transition``
    otherwise."""
    actions.action_reopen(action_id=action_id, by=request.auth, reason=payload.reason)
    return _qa_action(request, action_id)


# --- corrective actions: the store ----------------------------------------------------------------------------------


@partner_quality_router.get(
    "/stores/{int:store_id}/corrective-actions",
    response={200: CorrectiveActionListOut, **error_responses(*AUTH, 404, *QUERY)},
    summary="My store's corrective actions",
)
def partner_action_list(request, store_id: int, params: Query[CorrectiveActionParams]):
    """The store's corrective actions, the soonest due first, with their trail and evidence. The store's staff
    (404 for anyone with no tie to it)."""
    queryset = selectors.actions_for_store(user=request.auth, store_id=store_id, status=params.status)
    result = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    items = result["items"]
    today = _store_today(items[0].store) if items else timezone.localdate()
    return {"items": [action_dict(a, today=today) for a in items], "count": result["count"]}


@partner_quality_router.post(
    "/corrective-actions/{int:action_id}/evidence",
    response={200: CorrectiveActionOut, **error_responses(*AUTH, *MULTIPART, 403, 404, 409)},
    summary="Send evidence for a corrective action",
)
def partner_action_evidence(request, action_id: int, note: Form[str], photos: File[list[UploadedFile]] = None):
    """Multipart: ``note`` (required) and up to 10 ``photos`` (JPEG, PNG or WebP; re-encoded, private) in one
    request: open → submitted. 404 for an action of a store the caller has no tie to; 422 for an empty note or a
    bad photo; 409 ``invalid_transition`` unless the action is open."""
    actions.action_evidence_submit(action_id=action_id, by=request.auth, note=note, uploads=photos or [])
    action = selectors.action_get_for_store_staff(user=request.auth, action_id=action_id)
    return action_dict(action, today=_store_today(action.store))
