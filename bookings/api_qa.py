"""QA's view of a booking: what its store sees, the quote's internal notes and price sources included (a complaint
or an audit needs to know how a line was priced)."""

from ninja import Router

from accounts.auth import token_auth
from bookings import selectors
from bookings.partner_schemas import PartnerBookingOut, partner_booking_dict

qa_bookings_router = Router(tags=["qa"], auth=token_auth)


@qa_bookings_router.get("/bookings/{int:booking_id}", response=PartnerBookingOut)
def booking_detail(request, booking_id: int):
    return partner_booking_dict(selectors.booking_get_for_qa(user=request.auth, booking_id=booking_id))
