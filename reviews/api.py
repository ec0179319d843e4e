"""Review endpoints (API.md, Reviews): owners write, stores reply and report, QA moderates, everyone reads."""

from typing import Any, Literal

from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from reviews import selectors, services
from reviews.models import QaFollowUpStatus
from reviews.schemas import (
    FollowUpIn,
    NoteIn,
    QaReviewsParams,
    ReasonIn,
    ReplyIn,
    ReviewEditIn,
    ReviewIn,
    StoreReviewsParams,
    reputation_dict,
    review_owner_dict,
    review_public_dict,
    review_qa_dict,
)
from stores.selectors import store_get_visible

booking_review_router = Router(tags=["reviews"], auth=token_auth)
reviews_router = Router(tags=["reviews"], auth=token_auth)
store_reviews_router = Router(tags=["reviews"])
partner_reviews_router = Router(tags=["reviews"], auth=token_auth)
qa_reviews_router = Router(tags=["qa"], auth=token_auth)

Json = dict[str, Any]


def _owner_view(review) -> Json:
    return review_owner_dict(selectors.review_for_booking(owner=review.owner, booking_id=review.booking_id))


# --- owners -------------------------------------------------------------------------------------------------------


@booking_review_router.post("/{int:booking_id}/review", response={201: Json})
def review_write(request, booking_id: int, payload: ReviewIn):
    review = services.review_create(
        booking_id=booking_id,
        owner=request.auth,
        ratings=payload.ratings.dict(),
        text=payload.text,
        tags=payload.tags,
    )
    return Status(201, _owner_view(review))


@booking_review_router.get("/{int:booking_id}/review", response=Json)
def review_mine(request, booking_id: int):
    return review_owner_dict(selectors.review_for_booking(owner=request.auth, booking_id=booking_id))


@reviews_router.put("/{int:review_id}", response=Json)
def review_change(request, review_id: int, payload: ReviewEditIn):
    review = services.review_edit(
        review_id=review_id,
        owner=request.auth,
        ratings=payload.ratings.dict() if payload.ratings else None,
        text=payload.text,
        tags=payload.tags,
    )
    return _owner_view(review)


@reviews_router.post("/{int:review_id}/follow-up", response={201: Json})
def follow_up_write(request, review_id: int, payload: FollowUpIn):
    follow_up = services.follow_up_add(review_id=review_id, owner=request.auth, text=payload.text)
    return Status(201, {"id": follow_up.pk, "review_id": review_id, "text": follow_up.text, "status": follow_up.status})


@reviews_router.post("/{int:review_id}/photos", response={201: Json})
def photo_upload(request, review_id: int, photo: File[UploadedFile]):
    saved = services.photo_add(review_id=review_id, owner=request.auth, upload=photo)
    return Status(201, {"id": saved.pk, "url": saved.image.url, "width": saved.width, "height": saved.height})


# --- everyone -------------------------------------------------------------------------------------------------------


@store_reviews_router.get("/{int:store_id}/reviews", response=Json)
def store_reviews(request, store_id: int, params: Query[StoreReviewsParams]):
    """A store's published reviews; ``hidden_count`` says how many QA hid (they are not shown, never silently)."""
    store = store_get_visible(store_id=store_id)
    queryset = selectors.store_reviews(
        store_id=store_id,
        sort=params.sort,
        min_rating=params.min_rating,
        max_rating=params.max_rating,
        tag=params.tag,
        with_photos=params.with_photos,
        with_text=params.with_text,
    )
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {
        "items": [review_public_dict(r) for r in page["items"]],
        "count": page["count"],
        "rating": float(store.rating) if store.rating is not None else None,
        **reputation_dict(selectors.store_reputation(store_id=store_id)),
    }


# --- stores -------------------------------------------------------------------------------------------------------


@partner_reviews_router.post("/reviews/{int:review_id}/reply", response={201: Json})
def reply_write(request, review_id: int, payload: ReplyIn):
    reply = services.reply_add(review_id=review_id, by=request.auth, text=payload.text)
    return Status(
        201,
        {
            "id": reply.pk,
            "review_id": review_id,
            "text": reply.text,
            "status": reply.status,
            "created_at": reply.created_at,
        },
    )


@partner_reviews_router.post("/reviews/{int:review_id}/report", response={201: Json})
def report_write(request, review_id: int, payload: ReasonIn):
    report = services.report_add(review_id=review_id, by=request.auth, reason=payload.reason)
    return Status(201, {"id": report.pk, "review_id": review_id, "status": report.status})


# --- QA -------------------------------------------------------------------------------------------------------------


@qa_reviews_router.get("/reviews", response=Json)
def qa_review_list(request, params: Query[QaReviewsParams]):
    queryset = selectors.qa_reviews(
        user=request.auth, status=params.status, reported=params.reported, store_id=params.store_id
    )
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [review_qa_dict(r) for r in page["items"]], "count": page["count"]}


@qa_reviews_router.get("/reviews/{int:review_id}", response=Json)
def qa_review_detail(request, review_id: int):
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


def _qa_done(request, review) -> Json:
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review.pk))


@qa_reviews_router.post("/reviews/{int:review_id}/hide", response=Json)
def qa_hide(request, review_id: int, payload: ReasonIn):
    return _qa_done(request, services.review_hide(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post("/reviews/{int:review_id}/restore", response=Json)
def qa_restore(request, review_id: int, payload: ReasonIn):
    return _qa_done(request, services.review_restore(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post("/reviews/{int:review_id}/publish", response=Json)
def qa_publish(request, review_id: int, payload: ReasonIn):
    return _qa_done(request, services.review_publish(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post("/reviews/{int:review_id}/{part}/publish", response=Json)
def qa_part_publish(request, review_id: int, part: Literal["follow-up", "reply"], payload: ReasonIn):
    """Publish a held (or show again a hidden) follow-up or store reply."""
    services.part_moderate(
        review_id=review_id, part=part.replace("-", "_"), by=request.auth, reason=payload.reason, publish=True
    )
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


@qa_reviews_router.post("/reviews/{int:review_id}/{part}/hide", response=Json)
def qa_part_hide(request, review_id: int, part: Literal["follow-up", "reply"], payload: ReasonIn):
    """Hide a follow-up or a store reply; the public list says it was hidden."""
    services.part_moderate(
        review_id=review_id, part=part.replace("-", "_"), by=request.auth, reason=payload.reason, publish=False
    )
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


@qa_reviews_router.get("/review-follow-ups", response=Json)
def qa_follow_up_list(
    request, page: Query[PageParams], status: QaFollowUpStatus | Literal["all"] = QaFollowUpStatus.OPEN
):
    queryset = selectors.qa_follow_ups(user=request.auth, status=None if status == "all" else status)
    result = paginate(queryset, page)
    return {
        "items": [
            {
                "id": f.pk,
                "review_id": f.review_id,
                "store_id": f.store_id,
                "store_name": f.store.name,
                "overall": float(f.review.overall),
                "reason": f.reason,
                "status": f.status,
                "created_at": f.created_at,
            }
            for f in result["items"]
        ],
        "count": result["count"],
    }


@qa_reviews_router.post("/review-follow-ups/{int:follow_up_id}/close", response=Json)
def qa_follow_up_close(request, follow_up_id: int, payload: NoteIn):
    item = services.qa_follow_up_close(follow_up_id=follow_up_id, by=request.auth, note=payload.note)
    return {"id": item.pk, "status": item.status, "closed_at": item.closed_at}


@qa_reviews_router.get("/stores/{int:store_id}/review-stats", response=Json)
def qa_store_review_stats(request, store_id: int):
    stats = selectors.qa_store_stats(user=request.auth, store_id=store_id)
    return {
        **stats,
        "mean_all": float(stats["mean_all"]) if stats["mean_all"] is not None else None,
        "mean_published": float(stats["mean_published"]) if stats["mean_published"] is not None else None,
    }
