"""Complaint endpoints (API.md, "Complaints"): owners file and add photos, stores answer, QA resolves."""

from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from accounts.auth import token_auth
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, error_responses
from quality.complaints import selectors, services
from quality.complaints.schemas import (
    ComplaintCreatedOut,
    ComplaintIn,
    ComplaintListOut,
    ComplaintListParams,
    ComplaintOut,
    PhotoCreatedOut,
    QaComplaintDetailOut,
    QaComplaintListOut,
    QaComplaintListParams,
    ResolveIn,
    RespondIn,
    complaint_dict,
    photo_dict,
    qa_complaint_detail_dict,
    qa_complaint_dict,
)

booking_complaints_router = Router(tags=["complaints"], auth=token_auth)
complaints_router = Router(tags=["complaints"], auth=token_auth)
me_complaints_router = Router(tags=["complaints"], auth=token_auth)
partner_complaints_router = Router(tags=["complaints"], auth=token_auth)
qa_complaints_router = Router(tags=["qa"], auth=token_auth)

PHOTO = (400, 413, 422)


def _page(queryset, params, shape) -> dict:
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [shape(c) for c in page["items"]], "count": page["count"]}


# --- owners -------------------------------------------------------------------------------------------------------


@booking_complaints_router.post(
    "/{int:booking_id}/complaints",
    response={201: ComplaintCreatedOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Complain about a booking",
)
def complaint_file(request, booking_id: int, payload: ComplaintIn):
    """The owner's complaint about their booking: within 30 days of its completion or of the store's cancellation,
    or (category ``no_show``) when the store did not start the job within 30 minutes of the booked start. The store
    answers within 24 h, QA resolves within 72 h (``respond_by``, ``resolve_by``). 404 not the owner's booking; 409
    ``complaint_not_allowed`` (``details.reason``: ``not_ended``, ``window_closed``, ``cancelled_by_owner``,
    ``expired``, ``category_not_allowed``) or ``complaint_exists`` (one unresolved complaint per booking and
    category)."""
    complaint = services.complaint_file(
        booking_id=booking_id, owner=request.auth, category=payload.category, description=payload.description
    )
    return Status(
        201,
        {
            "id": complaint.pk,
            "booking_id": complaint.booking_id,
            "category": complaint.category,
            "status": complaint.status,
            "respond_by": complaint.respond_by,
            "resolve_by": complaint.resolve_by,
            "created_at": complaint.created_at,
        },
    )


def _photo_created(photo) -> Status:
    return Status(201, {**photo_dict(photo), "complaint_id": photo.complaint_id})


@complaints_router.post(
    "/{int:complaint_id}/photos",
    response={201: PhotoCreatedOut, **error_responses(*AUTH, *PHOTO, 404, 409)},
    summary="Add a photo to my complaint",
)
def complaint_photo(request, complaint_id: int, photo: File[UploadedFile]):
    """A multipart image upload (re-encoded without its metadata), up to 6 per complaint (422 past it, or for a file
    that is not an image). 404 not the owner's complaint; 409 ``complaint_resolved``."""
    saved = services.photo_add(complaint_id=complaint_id, owner=request.auth, upload=photo)
    return _photo_created(saved)


@booking_complaints_router.post(
    "/{int:booking_id}/complaints/{int:complaint_id}/photos",
    response={201: PhotoCreatedOut, **error_responses(*AUTH, *PHOTO, 404, 409)},
    summary="Add a photo to my complaint about a booking",
)
def booking_complaint_photo(request, booking_id: int, complaint_id: int, photo: File[UploadedFile]):
    """As ``POST /complaints/{id}/photos``; 404 also when the complaint is not about this booking."""
    saved = services.photo_add(complaint_id=complaint_id, owner=request.auth, upload=photo, booking_id=booking_id)
    return _photo_created(saved)


@me_complaints_router.get(
    "/complaints",
    response={200: ComplaintListOut, **error_responses(*AUTH, 422)},
    summary="My complaints",
)
def my_complaints(request, params: Query[ComplaintListParams]):
    """The signed-in owner's complaints, the latest first, with the store's answer and QA's resolution."""
    return _page(selectors.complaints_for_owner(user=request.auth, status=params.status), params, complaint_dict)


# --- stores -------------------------------------------------------------------------------------------------------


@partner_complaints_router.get(
    "/stores/{int:store_id}/complaints",
    response={200: ComplaintListOut, **error_responses(*AUTH, 403, 404, 422)},
    summary="Complaints about my store",
)
def store_complaints(request, store_id: int, params: Query[ComplaintListParams]):
    """The store's complaints, the latest first (its staff; 404 for anyone with no tie to the store)."""
    queryset = selectors.complaints_for_store(user=request.auth, store_id=store_id, status=params.status)
    return _page(queryset, params, complaint_dict)


@partner_complaints_router.post(
    "/complaints/{int:complaint_id}/respond",
    response={200: ComplaintOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Answer a complaint about my store",
)
def complaint_respond(request, complaint_id: int, payload: RespondIn):
    """The store's one answer, within 24 h of the filing (later answers are taken and recorded as late). 404 when
    the complaint is missing or another store's; 409 ``complaint_answered`` (answered already) or
    ``complaint_resolved``."""
    complaint = services.complaint_respond(complaint_id=complaint_id, by=request.auth, text=payload.text)
    shown = selectors.complaints_for_store(user=request.auth, store_id=complaint.store_id)
    return complaint_dict(shown.get(pk=complaint.pk))


# --- QA -------------------------------------------------------------------------------------------------------------


@qa_complaints_router.get(
    "/complaints",
    response={200: QaComplaintListOut, **error_responses(*AUTH, 403, 422)},
    summary="The complaint queue (QA)",
)
def qa_complaint_list(request, params: Query[QaComplaintListParams]):
    """Every complaint, the one due soonest first, with its SLA clocks: ``respond_by`` and ``resolve_by``, whether
    each is overdue, and whether it was escalated. Filtered by status, store and ``overdue``. QA only (403)."""
    queryset = selectors.complaints_for_qa(
        user=request.auth, status=params.status, store_id=params.store_id, overdue=params.overdue
    )
    return _page(queryset.prefetch_related("photos"), params, qa_complaint_dict)


@qa_complaints_router.get(
    "/complaints/{int:complaint_id}",
    response={200: QaComplaintDetailOut, **error_responses(*AUTH, 403, 404)},
    summary="A complaint with its trail (QA)",
)
def qa_complaint_detail(request, complaint_id: int):
    """One complaint with its SLA clocks, its photos and every step of its trail (who, when, what)."""
    return qa_complaint_detail_dict(selectors.complaint_for_qa(user=request.auth, complaint_id=complaint_id))


@qa_complaints_router.post(
    "/complaints/{int:complaint_id}/resolve",
    response={200: QaComplaintDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Resolve a complaint (QA)",
)
def qa_complaint_resolve(request, complaint_id: int, payload: ResolveIn):
    """``rejected`` (no remedy: 422 for any), or ``upheld`` with a refund of ``refund_amount`` to the owner (never more
    than is refundable: 422), a free rework booking (``rework``, at ``rework_store_id`` or the same store, starting
    ``rework_start``; charged to the store through its statement) and ``penalty_points``. 409 ``complaint_resolved``
    when resolved already; 409 ``booking_not_ended`` for a refund on a booking still under way; 409
    ``slot_unavailable`` or ``store_unavailable`` for a rework that cannot be booked."""
    complaint = services.complaint_resolve(
        complaint_id=complaint_id,
        by=request.auth,
        outcome=payload.outcome,
        resolution=payload.resolution,
        refund_amount=payload.refund_amount,
        rework=payload.rework,
        rework_store_id=payload.rework_store_id,
        rework_start=payload.rework_start,
        penalty_points=payload.penalty_points,
    )
    return qa_complaint_detail_dict(selectors.complaint_for_qa(user=request.auth, complaint_id=complaint.pk))
