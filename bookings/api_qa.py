"""QA's view of a booking: what its store sees, the quote's internal notes and price sources included (a complaint
or an audit needs to know how a line was priced)."""

from ninja import Router

from accounts.auth import token_auth
from bookings import selectors
from bookings.partner_schemas import PartnerBookingOut, partner_booking_dict
from chefu.schemas import AUTH, error_responses

qa_bookings_router = Router(tags=["qa"], auth=token_auth)


@qa_bookings_router.get(
    "/bookings/{int:booking_id}",
    response={200: PartnerBookingOut, **error_responses(*AUTH, 403, 404)},
    summary="A booking as its store sees it",
)
def booking_detail(request, booking_id: int):
    """Any booking, as its store sees it, with the quote's internal notes and price sources. QA staff only.
    Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (not QA); 404 ``not_found``."""
    return partner_booking_dict(selectors.booking_get_for_qa(user=request.auth, booking_id=booking_id))
