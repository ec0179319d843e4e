"""Review endpoints (API.md, Reviews): owners write, stores reply and report, QA moderates, everyone reads."""

from typing import Literal

from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from chefu.schemas import error_responses
from reviews import selectors, services
from reviews.models import QaFollowUpStatus
from reviews.schemas import (
    FollowUpIn,
    FollowUpOut,
    NoteIn,
    PhotoOut,
    QaFollowUpClosedOut,
    QaFollowUpListOut,
    QaReviewListOut,
    QaReviewsParams,
    QaStoreStatsOut,
    ReasonIn,
    ReplyIn,
    ReplyOut,
    ReportCreatedOut,
    ReviewEditIn,
    ReviewIn,
    ReviewOwnerOut,
    ReviewQaOut,
    StoreReviewsOut,
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

# Errors every operation of a kind can answer: a body that cannot be read (400), is too large (413), is not JSON
# (415) or breaks a rule (422); no or a bad token (401).
BODY = (400, 413, 415, 422)
AUTH = (401,)


def _owner_view(review) -> dict:
    return review_owner_dict(selectors.review_for_booking(owner=review.owner, booking_id=review.booking_id))


# --- owners -------------------------------------------------------------------------------------------------------


@booking_review_router.post(
    "/{int:booking_id}/review",
    response={201: ReviewOwnerOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Review a completed booking",
)
def review_write(request, booking_id: int, payload: ReviewIn):
    """The owner's one review of their completed, paid booking, within the review window. Words carrying contact
    details or blocked words are held for QA (``status`` says so). 403 ``not_reviewable`` (not completed, not paid,
    too late, staff of the store), 404 not the owner's booking, 409 ``already_reviewed``."""
    review = services.review_create(
        booking_id=booking_id,
        owner=request.auth,
        ratings=payload.ratings.dict(),
        text=payload.text,
        tags=payload.tags,
    )
    return Status(201, _owner_view(review))


@booking_review_router.get(
    "/{int:booking_id}/review",
    response={200: ReviewOwnerOut, **error_responses(*AUTH, 404)},
    summary="My review of a booking",
)
def review_mine(request, booking_id: int):
    """The owner's review of their booking, whatever its status, with its follow-up and the store's published reply.
    404 when there is none or the booking is not the owner's."""
    return review_owner_dict(selectors.review_for_booking(owner=request.auth, booking_id=booking_id))


@reviews_router.put(
    "/{int:review_id}",
    response={200: ReviewOwnerOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Edit my review",
)
def review_change(request, review_id: int, payload: ReviewEditIn):
    """Change the ratings, text or tags (fields left out stay) within the edit window; the previous words are kept as a
    revision. 404 not the owner's review, 409 ``edit_window_closed``."""
    review = services.review_edit(
        review_id=review_id,
        owner=request.auth,
        ratings=payload.ratings.dict() if payload.ratings else None,
        text=payload.text,
        tags=payload.tags,
    )
    return _owner_view(review)


@reviews_router.post(
    "/{int:review_id}/follow-up",
    response={201: FollowUpOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Add a follow-up to my review",
)
def follow_up_write(request, review_id: int, payload: FollowUpIn):
    """The owner's one follow-up, within the follow-up window; held for QA like a review when its words need it.
    404 not the owner's review, 409 ``already_followed_up`` or ``follow_up_window_closed``."""
    follow_up = services.follow_up_add(review_id=review_id, owner=request.auth, text=payload.text)
    return Status(201, {"id": follow_up.pk, "review_id": review_id, "text": follow_up.text, "status": follow_up.status})


@reviews_router.post(
    "/{int:review_id}/photos",
    response={201: PhotoOut, **error_responses(*AUTH, 400, 413, 422, 404, 409)},
    summary="Add a photo to my review",
)
def photo_upload(request, review_id: int, photo: File[UploadedFile]):
    """A multipart image upload within the edit window, up to the review's photo limit (422 past it, or for a file that
    is not an image). 404 not the owner's review, 409 ``edit_window_closed``."""
    saved = services.photo_add(review_id=review_id, owner=request.auth, upload=photo)
    return Status(201, {"id": saved.pk, "url": saved.image.url, "width": saved.width, "height": saved.height})


# --- everyone -------------------------------------------------------------------------------------------------------


@store_reviews_router.get(
    "/{int:store_id}/reviews",
    response={200: StoreReviewsOut, **error_responses(404, 422)},
    summary="A store's reviews",
)
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


@partner_reviews_router.post(
    "/reviews/{int:review_id}/reply",
    response={201: ReplyOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Reply to a review of my store",
)
def reply_write(request, review_id: int, payload: ReplyIn):
    """The store's one public reply (its staff), held for QA when it carries contact details or blocked words. 404 when
    the review is missing or another store's, 409 ``already_replied``."""
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


@partner_reviews_router.post(
    "/reviews/{int:review_id}/report",
    response={201: ReportCreatedOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Report a review of my store to QA",
)
def report_write(request, review_id: int, payload: ReasonIn):
    """Ask QA to look at a review (a store cannot hide one). 404 when the review is missing or another store's, 409
    ``already_reported`` while a report of it is open."""
    report = services.report_add(review_id=review_id, by=request.auth, reason=payload.reason)
    return Status(201, {"id": report.pk, "review_id": review_id, "status": report.status})


# --- QA -------------------------------------------------------------------------------------------------------------


@qa_reviews_router.get(
    "/reviews",
    response={200: QaReviewListOut, **error_responses(*AUTH, 403, 422)},
    summary="Reviews for moderation (QA)",
)
def qa_review_list(request, params: Query[QaReviewsParams]):
    """Every review, hidden and held ones included, with their moderation history, revisions and reports; filtered by
    status, open report and store. QA only (403)."""
    queryset = selectors.qa_reviews(
        user=request.auth, status=params.status, reported=params.reported, store_id=params.store_id
    )
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [review_qa_dict(r) for r in page["items"]], "count": page["count"]}


@qa_reviews_router.get(
    "/reviews/{int:review_id}",
    response={200: ReviewQaOut, **error_responses(*AUTH, 403, 404)},
    summary="A review for moderation (QA)",
)
def qa_review_detail(request, review_id: int):
    """One review as QA sees it: any status, what held it, its moderation history, revisions and reports."""
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


def _qa_done(request, review) -> dict:
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review.pk))


@qa_reviews_router.post(
    "/reviews/{int:review_id}/hide",
    response={200: ReviewQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Hide a review (QA)",
)
def qa_hide(request, review_id: int, payload: ReasonIn):
    """Take a published or held review off the store's page, with a reason the owner is told. 409
    ``invalid_moderation`` from any other status."""
    return _qa_done(request, services.review_hide(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post(
    "/reviews/{int:review_id}/restore",
    response={200: ReviewQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Restore a hidden review (QA)",
)
def qa_restore(request, review_id: int, payload: ReasonIn):
    """Show a hidden review again (back to held when its words still need QA). 409 ``invalid_moderation`` unless
    hidden."""
    return _qa_done(request, services.review_restore(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post(
    "/reviews/{int:review_id}/publish",
    response={200: ReviewQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Publish a held review (QA)",
)
def qa_publish(request, review_id: int, payload: ReasonIn):
    """Publish a review the automatic check held. 409 ``invalid_moderation`` unless held."""
    return _qa_done(request, services.review_publish(review_id=review_id, by=request.auth, reason=payload.reason))


@qa_reviews_router.post(
    "/reviews/{int:review_id}/{part}/publish",
    response={200: ReviewQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Publish a follow-up or store reply (QA)",
)
def qa_part_publish(request, review_id: int, part: Literal["follow-up", "reply"], payload: ReasonIn):
    """Publish a held (or show again a hidden) follow-up or store reply."""
    services.part_moderate(
        review_id=review_id, part=part.replace("-", "_"), by=request.auth, reason=payload.reason, publish=True
    )
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


@qa_reviews_router.post(
    "/reviews/{int:review_id}/{part}/hide",
    response={200: ReviewQaOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Hide a follow-up or store reply (QA)",
)
def qa_part_hide(request, review_id: int, part: Literal["follow-up", "reply"], payload: ReasonIn):
    """Hide a follow-up or a store reply; the public list says it was hidden."""
    services.part_moderate(
        review_id=review_id, part=part.replace("-", "_"), by=request.auth, reason=payload.reason, publish=False
    )
    return review_qa_dict(selectors.qa_review(user=request.auth, review_id=review_id))


@qa_reviews_router.get(
    "/review-follow-ups",
    response={200: QaFollowUpListOut, **error_responses(*AUTH, 403, 422)},
    summary="Low ratings to follow up (QA)",
)
def qa_follow_up_list(
    request, page: Query[PageParams], status: QaFollowUpStatus | Literal["all"] = QaFollowUpStatus.OPEN
):
    """Reviews rated low enough for QA to call the store about; open ones unless ``status`` says otherwise (``all``)."""
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


@qa_reviews_router.post(
    "/review-follow-ups/{int:follow_up_id}/close",
    response={200: QaFollowUpClosedOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Close a low-rating follow-up (QA)",
)
def qa_follow_up_close(request, follow_up_id: int, payload: NoteIn):
    """Mark a low-rating follow-up as handled, with an optional note."""
    item = services.qa_follow_up_close(follow_up_id=follow_up_id, by=request.auth, note=payload.note)
    return {"id": item.pk, "status": item.status, "closed_at": item.closed_at}


@qa_reviews_router.get(
    "/stores/{int:store_id}/review-stats",
    response={200: QaStoreStatsOut, **error_responses(*AUTH, 403, 404)},
    summary="A store's review numbers (QA)",
)
def qa_store_review_stats(request, store_id: int):
    """Counts and means over every review of the store, hidden and held ones included: what QA judges a store on."""
    stats = selectors.qa_store_stats(user=request.auth, store_id=store_id)
    return {
        **stats,
        "mean_all": float(stats["mean_all"]) if stats["mean_all"] is not None else None,
        "mean_published": float(stats["mean_published"]) if stats["mean_published"] is not None else None,
    }
