"""Shapes of the standards, audits, audit plan and corrective-action endpoints (API.md, Quality assurance)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils.translation import get_language
from ninja import Field, Schema

from quality.models import ActionStatus, AuditKind, AuditStatus, StandardCategory

TEXT_MAX = 2000


def _english() -> bool:
    return (get_language() or "").startswith("en")


def text_of(obj, field: str) -> str:
    """``<field>_en`` when the request is in English, else ``<field>_zh`` (zh-hans first)."""
    return getattr(obj, f"{field}_en") if _english() else getattr(obj, f"{field}_zh")


# --- standards ------------------------------------------------------------------------------------------------------


class StandardItemOut(Schema):
    code: str
    text: str = Field(..., description="In the request's language (Chinese unless English is asked for).")
    text_zh: str
    text_en: str
    weight: int
    critical: bool
    evidence_required: bool


class StandardOut(Schema):
    code: str
    category: StandardCategory
    version: int
    published_at: dt.datetime | None
    title: str
    title_zh: str
    title_en: str
    items: list[StandardItemOut]


class StandardQaOut(StandardOut):
    id: int
    published_by_id: int | None


class StandardItemIn(Schema):
    code: str = Field(..., min_length=1, max_length=60, pattern=r"^[a-z0-9_-]+$")
    text_zh: str = Field(..., min_length=1, max_length=TEXT_MAX)
    text_en: str = Field(..., min_length=1, max_length=TEXT_MAX)
    weight: int = Field(..., ge=1, le=100)
    critical: bool = False
    evidence_required: bool = False


class StandardDraftIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    category: StandardCategory
    title_zh: str = Field(..., min_length=1, max_length=120)
    title_en: str = Field(..., min_length=1, max_length=120)
    items: list[StandardItemIn] | None = Field(
        None, max_length=50, description="Left out: a copy of the items of the version in force."
    )


class StandardItemsIn(Schema):
    title_zh: str | None = Field(None, min_length=1, max_length=120)
    title_en: str | None = Field(None, min_length=1, max_length=120)
    items: list[StandardItemIn] = Field(..., max_length=50)


class StandardListOut(Schema):
    items: list[StandardQaOut]
    count: int


def standard_dict(standard, *, qa: bool = False) -> dict:
    out = {
        "code": standard.code,
        "category": standard.category,
        "version": standard.version,
        "published_at": standard.published_at,
        "title": text_of(standard, "title"),
        "title_zh": standard.title_zh,
        "title_en": standard.title_en,
        "items": [
            {
                "code": item.code,
                "text": text_of(item, "text"),
                "text_zh": item.text_zh,
                "text_en": item.text_en,
                "weight": item.weight,
                "critical": item.critical,
                "evidence_required": item.evidence_required,
            }
            for item in standard.items.all()
        ],
    }
    if qa:
        out.update(id=standard.pk, published_by_id=standard.published_by_id)
    return out


# --- audits ---------------------------------------------------------------------------------------------------------

MAX_ID = 2**63 - 1


class AuditIn(Schema):
    store_id: int = Field(..., ge=1, le=MAX_ID)
    standard_code: str | None = Field(
        None, max_length=40, description="Required but for a re-audit, which defaults to its failed audit's code."
    )
    kind: AuditKind
    scheduled_for: dt.date
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID, description="A QA user; the caller when left out.")
    booking_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Mystery shopper only: the QA user's own booking at the store."
    )
    reaudit_of: int | None = Field(None, ge=1, le=MAX_ID, description="An earlier failed audit of the same store.")
    complaint_id: int | None = Field(None, ge=1, le=MAX_ID)


class AuditResultIn(Schema):
    code: str = Field(..., min_length=1, max_length=60)
    result: Literal["pass", "fail", "na"]
    note: str = Field("", max_length=TEXT_MAX)


class AuditResultsIn(Schema):
    items: list[AuditResultIn] = Field(..., min_length=1, max_length=50)


class AuditListParams(Schema):
    status: AuditStatus | None = None
    kind: AuditKind | None = None
    store_id: int | None = Field(None, ge=1, le=MAX_ID)
    assignee: Literal["me"] | None = Field(None, description="me: the caller's audits only.")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_ID)


class AuditPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int
    item_code: str | None


class AuditItemOut(Schema):
    code: str
    text: str
    weight: int
    critical: bool
    evidence_required: bool
    result: Literal["pass", "fail", "na"] | None
    note: str
    photos: list[AuditPhotoOut]


class AuditActionOut(Schema):
    id: int
    item_code: str
    due: dt.date
    status: ActionStatus


class AuditOut(Schema):
    id: int
    store_id: int
    store_name: str
    standard_code: str
    standard_version: int
    kind: AuditKind
    status: AuditStatus
    scheduled_for: dt.date
    assignee_id: int | None
    booking_id: int | None
    reaudit_of: int | None
    complaint_id: int | None
    pass_mark: Decimal
    score: Decimal | None
    passed: bool | None
    critical_failed: bool
    finalized_at: dt.datetime | None
    created_at: dt.datetime


class AuditDetailOut(AuditOut):
    items: list[AuditItemOut]
    photos: list[AuditPhotoOut] = Field(..., description="Photos of the audit not tied to an item.")
    corrective_actions: list[AuditActionOut]


class AuditListOut(Schema):
    items: list[AuditOut]
    count: int


class AuditFinalizedOut(Schema):
    id: int
    score: Decimal
    passed: bool
    critical_failed: bool
    corrective_actions: list[AuditActionOut]


def photo_dict(photo) -> dict:
    return {
        "id": photo.pk,
        "url": photo.image.url,
        "width": photo.width,
        "height": photo.height,
        "item_code": photo.item.code if photo.item_id else None,
    }


def audit_dict(audit) -> dict:
    return {
        "id": audit.pk,
        "store_id": audit.store_id,
        "store_name": audit.store.name,
        "standard_code": audit.standard.code,
        "standard_version": audit.standard.version,
        "kind": audit.kind,
        "status": audit.status,
        "scheduled_for": audit.scheduled_for,
        "assignee_id": audit.assignee_id,
        "booking_id": audit.booking_id,
        "reaudit_of": audit.reaudit_of_id,
        "complaint_id": audit.complaint_id,
        "pass_mark": audit.pass_mark,
        "score": audit.score,
        "passed": audit.passed,
        "critical_failed": audit.critical_failed,
        "finalized_at": audit.finalized_at,
        "created_at": audit.created_at,
    }


def action_brief(action) -> dict:
    return {"id": action.pk, "item_code": action.item.code, "due": action.due, "status": action.status}


def audit_detail_dict(audit) -> dict:
    results = {r.item_id: r for r in audit.results.all()}
    photos = list(audit.photos.all())
    items = []
    for item in audit.standard.items.all():
        result = results.get(item.pk)
        items.append(
            {
                "code": item.code,
                "text": text_of(item, "text"),
                "weight": item.weight,
                "critical": item.critical,
                "evidence_required": item.evidence_required,
                "result": result.result if result else None,
                "note": result.note if result else "",
                "photos": [photo_dict(p) for p in photos if p.item_id == item.pk],
            }
        )
    return {
        **audit_dict(audit),
        "items": items,
        "photos": [photo_dict(p) for p in photos if p.item_id is None],
        "corrective_actions": [action_brief(a) for a in audit.corrective_actions.all()],
    }


# --- audit plan -----------------------------------------------------------------------------------------------------


class AuditPlanParams(Schema):
    weeks: int = Field(4, ge=1, le=26)
    start: dt.date | None = Field(None, description="The first day of the plan; today when left out.")


class AuditPlanIn(Schema):
    weeks: int = Field(4, ge=1, le=26)
    start: dt.date | None = None


class PlannedAuditOut(Schema):
    store_id: int
    store_name: str
    store_status: str
    standard_code: str
    scheduled_for: dt.date
    week: int = Field(..., description="0 for the plan's first week.")
    assignee_id: int
    risk_score: Decimal | None
    last_audit_at: dt.datetime | None
    due_by: dt.date | None = Field(..., description="When the store's 180 days run out; null: never audited.")
    audit_id: int | None = Field(None, description="Set once the plan is made (POST).")


class UnplannedStoreOut(Schema):
    store_id: int
    store_name: str
    due_by: dt.date | None


class AuditPlanOut(Schema):
    start: dt.date
    weeks: int
    capacity_per_week: int
    planned: list[PlannedAuditOut]
    unplanned: list[UnplannedStoreOut] = Field(..., description="Stores due that no week had room for.")


# --- corrective actions ---------------------------------------------------------------------------------------------


class CorrectiveActionEventOut(Schema):
    at: dt.datetime
    kind: str
    note: str


class CorrectiveActionPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class CorrectiveActionOut(Schema):
    id: int
    store_id: int
    origin: Literal["audit"] = Field("audit", description="Always audit: what kind of audit is not said.")
    item_code: str
    item_text: str
    critical: bool
    status: ActionStatus
    due: dt.date
    overdue: bool
    evidence_note: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    created_at: dt.datetime
    events: list[CorrectiveActionEventOut]
    photos: list[CorrectiveActionPhotoOut]


class CorrectiveActionQaOut(CorrectiveActionOut):
    audit_id: int
    store_name: str


class CorrectiveActionListOut(Schema):
    items: list[CorrectiveActionOut]
    count: int


class CorrectiveActionQaListOut(Schema):
    items: list[CorrectiveActionQaOut]
    count: int


class CorrectiveActionParams(Schema):
    status: ActionStatus | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_ID)


class CorrectiveActionQaParams(CorrectiveActionParams):
    store_id: int | None = Field(None, ge=1, le=MAX_ID)


class ActionReasonIn(Schema):
    reason: str = Field("", max_length=TEXT_MAX)


class ActionReopenIn(Schema):
    reason: str = Field(..., min_length=1, max_length=TEXT_MAX)


def action_dict(action, *, today: dt.date, qa: bool = False) -> dict:
    """``today``: the date overdue is judged against (the store's today)."""
    out = {
        "id": action.pk,
        "store_id": action.store_id,
        "origin": "audit",
        "item_code": action.item.code,
        "item_text": text_of(action.item, "text"),
        "critical": action.item.critical,
        "status": action.status,
        "due": action.due,
        "overdue": action.status == ActionStatus.OPEN and action.due < today,
        "evidence_note": action.evidence_note,
        "submitted_at": action.submitted_at,
        "accepted_at": action.accepted_at,
        "created_at": action.created_at,
        "events": [{"at": e.at, "kind": e.kind, "note": e.note} for e in action.events.all()],
        "photos": [{"id": p.pk, "url": p.image.url, "width": p.width, "height": p.height} for p in action.photos.all()],
    }
    if qa:
        out.update(audit_id=action.audit_id, store_name=action.store.name)
    return out
