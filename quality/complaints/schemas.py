"""Complaint shapes (API.md, "Complaints"): what comes in, and what goes out as the owner, the store and QA see it."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema

from chefu.inputs import Instant
from chefu.money import format_money
from quality.complaints.selectors import sla_clocks
from quality.complaints.services import DESCRIPTION_MAX, PENALTY_MAX, RESOLUTION_MAX, RESPONSE_MAX
from quality.models import Complaint, ComplaintCategory, ComplaintOutcome, ComplaintStatus

CategoryIn = Literal[tuple(ComplaintCategory.values)]  # type: ignore[valid-type]
StatusIn = Literal[tuple(ComplaintStatus.values)]  # type: ignore[valid-type]


class ComplaintIn(Schema):
    category: CategoryIn = Field(..., description=f"One of: {', '.join(ComplaintCategory.values)}.")
    description: str = Field(..., min_length=1, max_length=DESCRIPTION_MAX)


class RespondIn(Schema):
    text: str = Field(..., min_length=1, max_length=RESPONSE_MAX)


class ResolveIn(Schema):
    outcome: Literal[tuple(ComplaintOutcome.values)]  # type: ignore[valid-type]
    resolution: str = Field(..., min_length=1, max_length=RESOLUTION_MAX)
    refund_amount: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description='CNY refunded to the owner, e.g. "100.00".'
    )
    rework: bool = Field(False, description="Book a free rework of the same service for the same car.")
    rework_store_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Where the rework is done; the complaint's store when left out."
    )
    rework_start: Instant | None = Field(None, description="When the rework starts (a start the store offers).")
    penalty_points: int | None = Field(None, ge=0, le=PENALTY_MAX)


class ComplaintListParams(Schema):
    status: StatusIn | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class QaComplaintListParams(ComplaintListParams):
    store_id: int | None = Field(None, ge=1, le=2**31 - 1)
    overdue: bool | None = Field(None, description="Only those past a running deadline (true) or none (false).")


# --- answers --------------------------------------------------------------------------------------------------------


class ComplaintPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ComplaintCreatedOut(Schema):
    id: int
    booking_id: int
    category: str
    status: str
    respond_by: dt.datetime
    resolve_by: dt.datetime
    created_at: dt.datetime


class ComplaintOut(Schema):
    """A complaint as its owner or the store's staff see it."""

    id: int
    booking_id: int
    store_id: int
    store_name: str
    service: str
    category: str
    description: str
    status: str
    created_at: dt.datetime
    respond_by: dt.datetime
    resolve_by: dt.datetime
    store_response: str
    responded_at: dt.datetime | None
    outcome: str = Field(..., description='"rejected", "upheld", or "" while unresolved.')
    resolution: str
    refund_amount: str = Field(..., description='CNY, "0.00" when none.')
    rework_booking_id: int | None
    penalty_points: int
    resolved_at: dt.datetime | None
    escalated: bool
    photos: list[ComplaintPhotoOut]


class ComplaintListOut(Schema):
    items: list[ComplaintOut]
    count: int


class QaComplaintOut(ComplaintOut):
    owner_id: int
    respond_overdue: bool = Field(..., description="Still open past respond_by.")
    resolve_overdue: bool = Field(..., description="Unresolved past resolve_by.")
    escalated_at: dt.datetime | None


class QaComplaintListOut(Schema):
    items: list[QaComplaintOut]
    count: int


class ComplaintStepOut(Schema):
    at: dt.datetime
    kind: str = Field(..., description="filed, photo, answered, escalated, refund, rework, resolved.")
    by: int | None
    by_role: str
    text: str
    details: dict


class QaComplaintDetailOut(QaComplaintOut):
    events: list[ComplaintStepOut]


class PhotoCreatedOut(ComplaintPhotoOut):
    complaint_id: int


def photo_dict(photo) -> dict:
    return {"id": photo.pk, "url": photo.image.url, "width": photo.width, "height": photo.height}


def complaint_dict(complaint: Complaint) -> dict:
    return {
        "id": complaint.pk,
        "booking_id": complaint.booking_id,
        "store_id": complaint.store_id,
        "store_name": complaint.store.name,
        "service": complaint.booking.service.name_zh,
        "category": complaint.category,
        "description": complaint.description,
        "status": complaint.status,
        "created_at": complaint.created_at,
        "respond_by": complaint.respond_by,
        "resolve_by": complaint.resolve_by,
        "store_response": complaint.store_response,
        "responded_at": complaint.responded_at,
        "outcome": complaint.outcome,
        "resolution": complaint.resolution,
        "refund_amount": format_money(complaint.refund_amount),
        "rework_booking_id": complaint.rework_booking_id,
        "penalty_points": complaint.penalty_points,
        "resolved_at": complaint.resolved_at,
        "escalated": complaint.escalated_at is not None,
        "photos": [photo_dict(p) for p in complaint.photos.all()],
    }


def qa_complaint_dict(complaint: Complaint, now: dt.datetime | None = None) -> dict:
    clocks = sla_clocks(complaint, now or timezone.now())
    return {
        **complaint_dict(complaint),
        "owner_id": complaint.owner_id,
        "respond_overdue": clocks["respond_overdue"],
        "resolve_overdue": clocks["resolve_overdue"],
        "escalated_at": complaint.escalated_at,
    }


def qa_complaint_detail_dict(complaint: Complaint) -> dict:
    return {
        **qa_complaint_dict(complaint),
        "events": [
            {"at": e.at, "kind": e.kind, "by": e.by_id, "by_role": e.by_role, "text": e.text, "details": e.details}
            for e in complaint.events.all()
        ],
    }
