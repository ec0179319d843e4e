import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from ninja import Field, Schema

from reviews.models import (
    FOLLOW_UP_MAX,
    REPLY_MAX,
    TAGS,
    TEXT_MAX,
    ModerationKind,
    QaFollowUpStatus,
    ReportStatus,
    Review,
    ReviewStatus,
    Tag,
)


class RatingsIn(Schema):
    quality: int = Field(..., ge=1, le=5)
    attitude: int = Field(..., ge=1, le=5)
    timeliness: int = Field(..., ge=1, le=5)
    price_transparency: int = Field(..., ge=1, le=5)
    environment: int = Field(..., ge=1, le=5)


# A tag as sent: no longer than the longest of TAGS, so an unknown one is refused short.
TagIn = Annotated[str, Field(max_length=max(len(tag) for tag in TAGS))]


class ReviewIn(Schema):
    ratings: RatingsIn
    text: str = Field("", max_length=TEXT_MAX)
    tags: list[TagIn] = Field(default_factory=list, max_length=len(TAGS), description=f"From: {', '.join(TAGS)}.")


class ReviewEditIn(Schema):
    ratings: RatingsIn | None = None
    text: str | None = Field(None, max_length=TEXT_MAX)
    tags: list[TagIn] | None = Field(None, max_length=len(TAGS))


class FollowUpIn(Schema):
    text: str = Field(..., min_length=1, max_length=FOLLOW_UP_MAX)


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=REPLY_MAX)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class StoreReviewsParams(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)
    sort: Literal["newest", "lowest", "highest"] = "newest"
    min_rating: float | None = Field(None, ge=1, le=5)
    max_rating: float | None = Field(None, ge=1, le=5)
    tag: Tag | None = None
    with_photos: bool = False
    with_text: bool = False


class QaReviewsParams(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)
    status: Literal["published", "held", "hidden"] | None = None
    reported: bool | None = None
    store_id: int | None = None


# --- answers (API.md, Reviews): the shapes the dicts below are checked against on the way out ------------------------


class RatingsOut(Schema):
    quality: int
    attitude: int
    timeliness: int
    price_transparency: int
    environment: int


class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ReviewPartOut(Schema):
    """A published follow-up or store reply."""

    text: str
    created_at: dt.datetime


class PartWithStatusOut(ReviewPartOut):
    """A follow-up or reply as its author (or QA) sees it, whatever its status."""

    status: ReviewStatus


class ReviewPublicOut(Schema):
    id: int
    ratings: RatingsOut
    overall: float = Field(..., description="Mean of the five ratings.")
    text: str
    tags: list[str] = Field(..., description=f"From: {', '.join(TAGS)}.")
    photos: list[PhotoOut]
    author: str = Field(..., description="The reviewer's name masked (张*).")
    vehicle: str
    service: str
    created_at: dt.datetime
    edited: bool
    follow_up: ReviewPartOut | None = Field(..., description="Only once published.")
    reply: ReviewPartOut | None = Field(..., description="The store's reply, only once published.")
    follow_up_hidden: bool = Field(..., description="QA hid the follow-up (said, never silently dropped).")
    reply_hidden: bool = Field(..., description="QA hid the store's reply.")


class ReviewOwnerOut(ReviewPublicOut):
    booking_id: int
    store_id: int
    status: ReviewStatus
    follow_up: PartWithStatusOut | None = Field(..., description="Whatever its status.")
    editable_until: dt.datetime
    follow_up_until: dt.datetime


class ModerationOut(Schema):
    kind: ModerationKind
    by: int | None = Field(..., description="The user who acted; None for the automatic check.")
    reason: str
    at: dt.datetime
    follow_up: bool = Field(..., description="About the follow-up rather than the review.")
    details: dict[str, Any]


class RevisionOut(Schema):
    """Words a later edit replaced."""

    ratings: dict[str, int]
    text: str
    tags: list[str]
    written_at: dt.datetime
    replaced_at: dt.datetime


class ReportOut(Schema):
    id: int
    reason: str
    status: ReportStatus
    created_at: dt.datetime


class ReviewQaOut(ReviewOwnerOut):
    store_name: str
    owner_id: int
    reply: PartWithStatusOut | None = Field(..., description="The store's reply, whatever its status.")
    held_for: dict[str, list[str]] = Field(
        ..., description="What holds the words for QA: phone, url, blocked_words; empty when nothing does."
    )
    moderation: list[ModerationOut]
    revisions: list[RevisionOut]
    reports: list[ReportOut]


class StoreReviewsOut(Schema):
    items: list[ReviewPublicOut]
    count: int = Field(..., description="Reviews matching the filters.")
    rating: float | None = Field(..., description="The store's (Bayesian) rating; None before its first review.")
    review_count: int = Field(..., description="Published reviews.")
    means: dict[str, float] = Field(..., description="Mean of each rating dimension over published reviews.")
    distribution: dict[str, int] = Field(..., description='Published reviews by rounded overall, "1" to "5".')
    hidden_count: int = Field(..., description="Reviews QA hid: not shown.")
    held_count: int = Field(..., description="Reviews waiting for QA: not shown yet.")


class FollowUpOut(Schema):
    id: int
    review_id: int
    text: str
    status: ReviewStatus


class ReplyOut(Schema):
    id: int
    review_id: int
    text: str
    status: ReviewStatus
    created_at: dt.datetime


class ReportCreatedOut(Schema):
    id: int
    review_id: int
    status: ReportStatus


class QaReviewListOut(Schema):
    items: list[ReviewQaOut]
    count: int


class QaFollowUpOut(Schema):
    id: int
    review_id: int
    store_id: int
    store_name: str
    overall: float
    reason: str
    status: QaFollowUpStatus
    created_at: dt.datetime


class QaFollowUpListOut(Schema):
    items: list[QaFollowUpOut]
    count: int


class QaFollowUpClosedOut(Schema):
    id: int
    status: QaFollowUpStatus
    closed_at: dt.datetime | None


class QaStoreStatsOut(Schema):
    """Every review of the store, hidden and held ones included."""

    total: int
    published: int
    held: int
    hidden: int
    low: int = Field(..., description="Reviews with an overall of 2 or less.")
    mean_all: float | None
    mean_published: float | None
    open_reports: int
    follow_ups: int


def masked_name(name: str) -> str:
    """What the public sees of a reviewer: the first character of their name (张*)."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "车主"


def _photo(photo) -> dict:
    return {"id": photo.pk, "url": photo.image.url, "width": photo.width, "height": photo.height}


def _part(review: Review, name: str, *, any_status: bool = False) -> dict | None:
    """The review's follow-up or reply (``name``): only once published, unless ``any_status`` (with its status)."""
    part = getattr(review, name, None)
    if part is None or (not any_status and part.status != ReviewStatus.PUBLISHED):
        return None
    out: dict[str, Any] = {"text": part.text, "created_at": part.created_at}
    if any_status:
        out["status"] = part.status
    return out


def _part_hidden(review: Review, name: str) -> bool:
    part = getattr(review, name, None)
    return part is not None and part.status == ReviewStatus.HIDDEN


def review_public_dict(review: Review) -> dict[str, Any]:
    booking = review.booking
    return {
        "id": review.pk,
        "ratings": review.ratings,
        "overall": float(review.overall),
        "text": review.text,
        "tags": list(review.tags),
        "photos": [_photo(p) for p in review.photos.all()],
        "author": masked_name(review.owner.name),
        "vehicle": f"{booking.vehicle.make} {booking.vehicle.model}".strip(),
        "service": booking.service.name,
        "created_at": review.created_at,
        "edited": review.edited_at is not None,
        "follow_up": _part(review, "follow_up"),
        "reply": _part(review, "reply"),
        # Said, never silently dropped: QA hid the follow-up or the store's reply.
        "follow_up_hidden": _part_hidden(review, "follow_up"),
        "reply_hidden": _part_hidden(review, "reply"),
    }


def review_owner_dict(review: Review) -> dict[str, Any]:
    return {
        **review_public_dict(review),
        "booking_id": review.booking_id,
        "store_id": review.store_id,
        "status": review.status,
        "follow_up": _part(review, "follow_up", any_status=True),
        "editable_until": review.created_at + dt.timedelta(hours=settings.REVIEW_EDIT_HOURS),
        "follow_up_until": review.created_at + dt.timedelta(days=settings.REVIEW_FOLLOW_UP_DAYS),
    }


def review_qa_dict(review: Review) -> dict[str, Any]:
    return {
        **review_owner_dict(review),
        "store_name": review.store.name,
        "owner_id": review.owner_id,
        "reply": _part(review, "reply", any_status=True),
        "held_for": review.held_for,
        "moderation": [
            {
                "kind": m.kind,
                "by": m.by_id,
                "reason": m.reason,
                "at": m.at,
                "follow_up": m.follow_up,
                "details": m.details,
            }
            for m in review.moderation.all()
        ],
        "revisions": [
            {
                "ratings": r.ratings,
                "text": r.text,
                "tags": list(r.tags),
                "written_at": r.written_at,
                "replaced_at": r.replaced_at,
            }
            for r in review.revisions.all()
        ],
        "reports": [
            {"id": r.pk, "reason": r.reason, "status": r.status, "created_at": r.created_at}
            for r in review.reports.all()
        ],
    }


def reputation_dict(reputation) -> dict[str, Any]:
    return {
        "review_count": reputation.count,
        "means": reputation.means or {},
        "distribution": reputation.distribution or {str(n): 0 for n in range(1, 6)},
        "hidden_count": reputation.hidden,
        "held_count": reputation.held,
    }
