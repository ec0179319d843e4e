"""Owners' booking endpoints and the public availability list (API.md, Bookings and schedules)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.auth import token_auth
from bookings import selectors, services
from bookings.engine import Job, calendar_for_day
from bookings.schemas import (
    AvailabilityOut,
    AvailabilityParams,
    BookingIn,
    BookingListOut,
    BookingListParams,
    BookingOut,
    CancelIn,
    CancellationTermsOut,
    CancellationTermsParams,
    RescheduleIn,
    booking_dict,
)
from chefu.errors import NotFound, PermissionDenied
from chefu.idempotency import idempotent
from chefu.money import format_money, format_quantity
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from stores.selectors import store_get_visible

availability_router = Router(tags=["bookings"])
bookings_router = Router(tags=["bookings"], auth=token_auth)


def _service_offered(store, code: str, field: str):
    return selectors.service_offered(store=store, code=code, field=field)


@availability_router.get(
    "/{int:store_id}/availability",
    response={200: AvailabilityOut, **error_responses(404, *QUERY)},
    summary="Free slots of a store for a service",
)
def store_availability(request, store_id: int, params: Query[AvailabilityParams]):
    """The day's start times with a free bay able to do ``service``, in the store's time zone. No token needed.
    Errors: 404 ``not_found`` (the store); 422 ``validation_error`` (an unknown service, one the store does not
    offer, a bad date)."""
    bookable = selectors.bookable_get(store_id=store_id, service_code=params.service)
    if bookable is None:  # say why: 404 for the store, 422 for the service
        _service_offered(store_get_visible(store_id=store_id), params.service, "service")
        raise NotFound()
    calendar = calendar_for_day(store=bookable.store, day=params.date)
    job = Job(category=bookable.category, duration=dt.timedelta(minutes=bookable.duration_min))
    slots = calendar.day_slots(day=params.date, job=job, now=timezone.now())
    return {
        "date": params.date,
        "timezone": bookable.store.timezone,
        "duration_min": bookable.duration_min,
        "slots": [{"start": s.start, "end": s.end, "free_bays": len(s.free_bay_ids)} for s in slots],
    }


def _require_owner(user) -> None:
    if "owner" not in user.roles:
        raise PermissionDenied(_("Only car owners can book."))


@bookings_router.post(
    "",
    response={201: BookingOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Book a service",
)
def booking_create(request, payload: BookingIn):
    """A booking of one of the caller's vehicles for a service at a store, on a free bay at ``start``, at the price
    quoted (``expected_total``). Car owners only. Replays the first answer for the same ``Idempotency-Key``.
    Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (not a car owner); 404 ``not_found`` (the store or
    the vehicle); 409 ``slot_unavailable``, ``store_unavailable``, ``quote_changed``, ``idempotency_in_progress``;
    422 ``validation_error``, ``service_not_applicable``, ``idempotency_key_reused``."""
    user = request.auth
    _require_owner(user)

    def work():
        booking = services.booking_book(
            owner=user,
            store_id=payload.store_id,
            service_code=payload.service_code,
            vehicle_id=payload.vehicle_id,
            start=payload.start,
            expected_total=payload.expected_total,
        )
        return 201, booking_dict(selectors.booking_as_created(booking))

    return idempotent(request, scope="POST /bookings", work=work)


@bookings_router.get("", response={200: BookingListOut, **error_responses(*AUTH, *QUERY)}, summary="List my bookings")
def booking_list(request, params: Query[BookingListParams], page: Query[PageParams]):
    """The caller's bookings, the soonest first, of one ``status`` or all. Errors: 401 ``not_authenticated``; 422
    ``validation_error``."""
    result = paginate(selectors.booking_list_for_owner(user=request.auth, status=params.status), page)
    return {"items": [booking_dict(b) for b in result["items"]], "count": result["count"]}


@bookings_router.get(
    "/{int:booking_id}", response={200: BookingOut, **error_responses(*AUTH, 404)}, summary="One of my bookings"
)
def booking_detail(request, booking_id: int):
    """The booking with its history, price, payments, refunds, extra work and review. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (someone else's alike)."""
    return booking_dict(selectors.booking_get_for_owner(user=request.auth, booking_id=booking_id))


@bookings_router.get(
    "/{int:booking_id}/cancellation-terms",
    response={200: CancellationTermsOut, **error_responses(*AUTH, *QUERY, 404)},
    summary="What cancelling my booking would cost",
)
def booking_cancellation_terms(request, booking_id: int, params: Query[CancellationTermsParams]):
    """Before the owner confirms: whether the booking can be cancelled or moved now, and the store's terms for it,
    as the cancellation would apply them at this instant (``fee`` kept, ``refund`` given back, free until
    ``free_until``). With ``start``, the terms once the booking is moved there (a reschedule never reopens a free
    window that has closed, and moving it earlier can close it). Read through
    :func:`bookings.selectors.booking_cancellation_terms_for_owner`; changes nothing. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (someone else's alike); 422 ``validation_error`` (a bad ``start``)."""
    terms = selectors.booking_cancellation_terms_for_owner(user=request.auth, booking_id=booking_id, start=params.start)
    return {
        "start": terms.start,
        "cancellable": terms.cancellable,
        "reschedulable": terms.reschedulable,
        "amount_paid": format_money(terms.amount_paid),
        "fee_pct": format_quantity(terms.fee_pct),
        "free_until": terms.free_until,
        "fee": format_money(terms.fee),
        "refund": format_money(terms.refund),
    }


@bookings_router.post(
    "/{int:booking_id}/cancel",
    response={200: BookingOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Cancel my booking",
)
def booking_cancel(request, booking_id: int, payload: CancelIn | None = None):
    """Call the booking off; what is refunded follows the store's cancellation policy. Errors: 401
    ``not_authenticated``; 404 ``not_found``; 409 ``invalid_transition`` (already started or ended); 422
    ``validation_error``."""
    user = request.auth
    selectors.booking_get_for_owner(user=user, booking_id=booking_id)
    services.booking_cancel(booking_id=booking_id, by=user, reason=payload.reason if payload else "")
    return booking_dict(selectors.booking_get_for_owner(user=user, booking_id=booking_id))


@bookings_router.post(
    "/{int:booking_id}/reschedule",
    response={200: BookingOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Move my booking",
)
def booking_reschedule(request, booking_id: int, payload: RescheduleIn):
    """Move the booking to another free ``start`` at the same store, within the policy's limits. Errors: 401
    ``not_authenticated``; 404 ``not_found``; 409 ``slot_unavailable``, ``invalid_transition``; 422
    ``validation_error``."""
    user = request.auth
    selectors.booking_get_for_owner(user=user, booking_id=booking_id)
    services.booking_reschedule(booking_id=booking_id, by=user, start=payload.start)
    return booking_dict(selectors.booking_get_for_owner(user=user, booking_id=booking_id))
