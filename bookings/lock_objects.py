"""Row locks on bookings, in one place (the order they are taken in is the order written here).

A function that changes a booking takes the booking's row first, then (for extra work) the supplement's. No function
locks two bookings.
"""

from bookings.models import Booking
from chefu.errors import NotFound


def booking_lock(booking_id: int) -> Booking:
    """``SELECT ... FOR UPDATE`` of the booking's own row (not its joined rows); NotFound when there is none."""
    booking = Booking.objects.select_for_update(of=("self",)).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking
