"""Shop-floor endpoints (staff of the booking's store) and the owner's decision on extra work.

Staff endpoints answer 404 alike for a booking or store that does not exist and for one of a store the user has no
tie to, and 403 only to the store's own staff whose role is not enough (API.md); the owner's endpoints answer 404 for
someone else's booking. The shop-floor services check who acts themselves
(:func:`bookings.selectors.booking_access_check`): the handlers call them first and read the booking afterwards.
"""

from collections.abc import Callable

from ninja import File, Query, Router, Status, UploadedFile

from accounts.auth import token_auth
from bookings import selectors, services
from bookings.checklists import checklist_answer
from bookings.engine import policy_for
from bookings.partner_schemas import (
    BookingPolicyIn,
    BookingPolicyOut,
    ChecklistIn,
    ChecklistOut,
    PartnerBookingOut,
    ScheduleOut,
    ScheduleParams,
    StoreCancelIn,
    SupplementDecisionIn,
    SupplementDetailOut,
    SupplementIn,
    checklist_dict,
    partner_booking_dict,
    schedule_dict,
    supplement_detail_dict,
)
from bookings.photos import photo_add
from bookings.schedule import store_schedule, store_today
from bookings.schemas import BookingPhotoOut, photo_dict
from bookings.supplements import supplement_approve, supplement_propose, supplement_reject
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from stores import selectors as store_selectors
from stores import services as store_services
from stores.schemas import ClosureIn, ClosureListOut, ClosureOut
from stores.selectors import store_get_for_manager, store_get_for_staff

partner_bookings_router = Router(tags=["shop floor"], auth=token_auth)
owner_supplements_router = Router(tags=["bookings"], auth=token_auth)
# A closure is the stores app's row, but how far ahead one may start depends on the store's booking horizon, which
# is bookings': the endpoints sit here, in the lowest layer that knows both. Their operation ids are the ones they
# had in stores/api.py.
partner_closures_router = Router(tags=["partner"], auth=token_auth)


@partner_bookings_router.get(
    "/stores/{int:store_id}/schedule",
    response={200: ScheduleOut, **error_responses(*AUTH, 404, *QUERY)},
    summary="A store's day, bay by bay",
)
def schedule(request, store_id: int, params: Query[ScheduleParams]):
    """The store's bookings and closures of ``date`` (today in the store's zone by default), per bay. The store's
    staff. Errors: 401 ``not_authenticated``; 404 ``not_found`` (not the caller's store alike); 422
    ``validation_error``."""
    store = store_get_for_staff(user=request.auth, store_id=store_id)
    day = params.date or store_today(store)
    return schedule_dict(store=store, day=day, bays=store_schedule(store=store, day=day))


@partner_bookings_router.get(
    "/stores/{int:store_id}/booking-policy",
    response={200: BookingPolicyOut, **error_responses(*AUTH, 404)},
    summary="A store's booking policy",
)
def booking_policy(request, store_id: int):
    """How far ahead and how late the store takes bookings, and its cancellation terms. The store's staff.
    Errors: 401 ``not_authenticated``; 404 ``not_found``."""
    return policy_for(store_get_for_staff(user=request.auth, store_id=store_id))


@partner_bookings_router.put(
    "/stores/{int:store_id}/booking-policy",
    response={200: BookingPolicyOut, **error_responses(*AUTH, *BODY, 403, 404)},
    summary="Change a store's booking policy",
)
def booking_policy_set(request, store_id: int, payload: BookingPolicyIn):
    """Change the fields given; the rest stay. The store's managers only. Errors: 401 ``not_authenticated``; 403
    ``permission_denied``; 404 ``not_found``; 422 ``validation_error``."""
    store = store_get_for_manager(user=request.auth, store_id=store_id)
    return services.booking_policy_set(store=store, **payload.dict(exclude_unset=True))


@partner_bookings_router.get(
    "/bookings/{int:booking_id}",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404)},
    summary="A booking of my store",
)
def booking_detail(request, booking_id: int):
    """The booking as its store sees it: the customer, the quote with internal notes, the checklist, extra work.
    Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not enough); 404
    ``not_found`` (no such booking, or not of the caller's store)."""
    return partner_booking_dict(selectors.booking_get_for_staff(user=request.auth, booking_id=booking_id))


def _act(request, booking_id: int, action: Callable, **kwargs) -> dict:
    """Run the shop-floor ``action`` on the booking (it checks who acts), answer the booking as it now is."""
    action(booking_id=booking_id, by=request.auth, **kwargs)
    return partner_booking_dict(selectors.booking_get_for_staff(user=request.auth, booking_id=booking_id))


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/check-in",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="Check a car in",
)
def booking_check_in(request, booking_id: int):
    """The car has arrived: the booking moves on and the event is recorded. The store's staff. Errors: 401
    ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not enough); 404 ``not_found``
    (no such booking, or not of the caller's store); 409 ``too_early_to_check_in`` (check-in opens 2 hours before
    the booked start: ``details.opens_at``), ``invalid_transition``, ``booking_not_at_shop``,
    ``checklist_incomplete``, ``payment_due``."""
    return _act(request, booking_id, services.booking_check_in)


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/start",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="Start the work",
)
def booking_start(request, booking_id: int):
    """Work begins on the bay: the booking moves on and the event is recorded. The store's staff. Errors: 401
    ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not enough); 404 ``not_found``
    (no such booking, or not of the caller's store); 409
    ``invalid_transition``, ``booking_not_at_shop``, ``checklist_incomplete``, ``payment_due``."""
    return _act(request, booking_id, services.booking_start)


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/complete",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="Complete the work",
)
def booking_complete(request, booking_id: int):
    """The work is done (the checklist answered, what is owed paid): the booking moves on and the event is recorded. The
    store's staff. Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not
    enough); 404 ``not_found`` (no such booking, or not of the caller's store); 409
    ``invalid_transition``, ``booking_not_at_shop``, ``checklist_incomplete``, ``payment_due``, or the code of what the
    service's kind still needs done (``catalog.kinds.ServiceKind.validate_completion``)."""
    return _act(request, booking_id, services.booking_complete)


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/no-show",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="Mark a no-show",
)
def booking_no_show(request, booking_id: int):
    """The owner did not come (once the grace period has passed): the booking moves on and the event is recorded. The
    store's staff. Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not
    enough); 404 ``not_found`` (no such booking, or not of the caller's store); 409
    ``invalid_transition``, ``booking_not_at_shop``, ``checklist_incomplete``, ``payment_due``."""
    return _act(request, booking_id, services.booking_no_show)


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/cancel",
    response={200: PartnerBookingOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Call a booking off",
)
def booking_cancel(request, booking_id: int, payload: StoreCancelIn):
    """The store calls the booking off: the owner is refunded in full and told why. Errors: 401 ``not_authenticated``;
    403 ``permission_denied`` (the store's staff whose role is not enough); 404 ``not_found`` (no such booking, or not
    of the caller's store); 409
    ``invalid_transition``; 422 ``validation_error`` (a reason is needed)."""
    return _act(request, booking_id, services.booking_cancel, reason=payload.reason, by_store=True)


@partner_bookings_router.get(
    "/bookings/{int:booking_id}/checklist",
    response={200: ChecklistOut, **error_responses(*AUTH, 403, 404)},
    summary="A booking's checklist",
)
def checklist_get(request, booking_id: int):
    """The service's checklist for the booking, with the answers given so far. Errors: 401 ``not_authenticated``; 403
    ``permission_denied`` (the store's staff whose role is not enough); 404 ``not_found`` (no such booking, or not of
    the caller's store)."""
    return checklist_dict(selectors.booking_get_for_staff(user=request.auth, booking_id=booking_id))


@partner_bookings_router.put(
    "/bookings/{int:booking_id}/checklist",
    response={200: ChecklistOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Answer a booking's checklist",
)
def checklist_put(request, booking_id: int, payload: ChecklistIn):
    """Answer checklist items (others keep their answers). Errors: 401 ``not_authenticated``; 403 ``permission_denied``
    (the store's staff whose role is not enough); 404 ``not_found`` (no such booking, or not of the caller's store);
    409 ``invalid_transition`` (the
    booking is not in work); 422 ``validation_error`` (an unknown item, a photo not of this booking)."""
    checklist_answer(booking_id=booking_id, by=request.auth, items=[item.dict() for item in payload.items])
    return checklist_dict(selectors.booking_get_for_staff(user=request.auth, booking_id=booking_id))


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/photos",
    response={201: BookingPhotoOut, **error_responses(*AUTH, 400, 403, 404, 409, 413, 422)},
    summary="Upload a photo of the work",
)
def photo_upload(request, booking_id: int, photo: File[UploadedFile]):
    """A photo (multipart ``photo``: JPEG, PNG or WebP) for the checklist or extra work; kept private. Errors:
    400 ``bad_request`` (an unreadable form); 401 ``not_authenticated``; 403 ``permission_denied`` (the store's staff
    whose role is not enough); 404 ``not_found`` (no such booking, or not of the caller's store); 409
    ``invalid_transition``; 413 ``payload_too_large``; 422
    ``validation_error`` (not an image, too large)."""
    return Status(201, photo_dict(photo_add(booking_id=booking_id, by=request.auth, upload=photo)))


@partner_bookings_router.post(
    "/bookings/{int:booking_id}/supplements",
    response={201: SupplementDetailOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Propose extra work",
)
def supplement_create(request, booking_id: int, payload: SupplementIn):
    """Extra work found on the car, priced line by line, for the owner to approve or reject. Errors: 401
    ``not_authenticated``; 403 ``permission_denied`` (the store's staff whose role is not enough); 404 ``not_found``
    (no such booking, or not of the caller's store); 409
    ``invalid_transition`` (the booking is not in work); 422 ``validation_error``."""
    supplement = supplement_propose(
        booking_id=booking_id,
        by=request.auth,
        reason=payload.reason,
        lines=[line.dict() for line in payload.lines],
        photo_ids=payload.photos,
    )
    booking = selectors.booking_get_for_staff(user=request.auth, booking_id=booking_id)
    return Status(201, supplement_detail_dict(booking, supplement.pk))


def _decide(request, booking_id: int, supplement_id: int, decide: Callable, **kwargs) -> dict:
    selectors.booking_get_for_owner(user=request.auth, booking_id=booking_id)
    decide(booking_id=booking_id, supplement_id=supplement_id, by=request.auth, **kwargs)
    booking = selectors.booking_get_for_owner(user=request.auth, booking_id=booking_id)
    return supplement_detail_dict(booking, supplement_id)


@owner_supplements_router.post(
    "/{int:booking_id}/supplements/{int:supplement_id}/approve",
    response={200: SupplementDetailOut, **error_responses(*AUTH, 404, 409)},
    summary="Approve extra work",
)
def supplement_approve_endpoint(request, booking_id: int, supplement_id: int):
    """Accept the extra work: from now on it is part of the booking's ``amount_due``. The booking's owner.
    Errors: 401 ``not_authenticated``; 404 ``not_found`` (the booking, someone else's alike, or the proposal); 409
    ``supplement_decided``, ``invalid_transition``."""
    return _decide(request, booking_id, supplement_id, supplement_approve)


@owner_supplements_router.post(
    "/{int:booking_id}/supplements/{int:supplement_id}/reject",
    response={200: SupplementDetailOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Reject extra work",
)
def supplement_reject_endpoint(
    request, booking_id: int, supplement_id: int, payload: SupplementDecisionIn | None = None
):
    """Decline the extra work; it is never charged. The booking's owner. Errors: 401 ``not_authenticated``; 404
    ``not_found``; 409 ``supplement_decided``, ``invalid_transition``; 422 ``validation_error``."""
    return _decide(request, booking_id, supplement_id, supplement_reject, note=payload.note if payload else "")


# --- Closures ---------------------------------------------------------------------------------------------


@partner_closures_router.get(
    "/stores/{int:store_id}/closures",
    response={200: ClosureListOut, **error_responses(*AUTH, 404, *QUERY)},
    summary="List a store's closures",
    operation_id="stores_api_closure_list",
)
def closure_list(request, store_id: int, page: Query[PageParams]):
    """Times the store, or one of its bays, takes no booking. The store's staff. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (no such store, or not the caller's); 422 ``validation_error``
    (paging)."""
    store = store_get_for_staff(user=request.auth, store_id=store_id)
    return paginate(store_selectors.closure_list(store=store), page)


@partner_closures_router.post(
    "/stores/{int:store_id}/closures",
    response={201: ClosureOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Close a store or a bay for a while",
    operation_id="stores_api_closure_create",
)
def closure_create(request, store_id: int, payload: ClosureIn):
    """The store (or one bay) takes no booking from ``starts_at`` to ``ends_at``. The store's managers. Errors:
    401 ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found`` (no such store, or not the caller's); 409
    ``conflict`` (bookings in the way); 422 ``validation_error``."""
    store = store_get_for_manager(user=request.auth, store_id=store_id)
    closure = store_services.closure_create(
        store=store,
        by=request.auth,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        bay_id=payload.bay_id,
        horizon_days=policy_for(store).horizon_days,
    )
    return Status(201, closure)


@partner_closures_router.delete(
    "/stores/{int:store_id}/closures/{int:closure_id}",
    response={204: None, **error_responses(*AUTH, 403, 404, 409)},
    summary="Lift a store's or a bay's closure",
    operation_id="stores_api_closure_delete",
)
def closure_delete(request, store_id: int, closure_id: int):
    """The closed time is bookable again at once: a future closure is deleted, one under way ends now (its past
    stays). The store's managers. Errors: 401 ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``
    (no such store or closure, or not the caller's); 409 ``closure_over`` (it has ended: it is history)."""
    store_services.closure_delete(store_id=store_id, closure_id=closure_id, by=request.auth)
    return Status(204, None)
