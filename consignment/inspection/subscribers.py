"""consignment's reactions to bookings' events (subscribed in ``ConsignmentConfig.ready``)."""

from bookings.events import BookingCompleted
from consignment.inspection.services import report_publish
from consignment.kinds import CONSIGNMENT


def is_consignment(event: BookingCompleted) -> bool:
    """A booking of a consignment service (the event carries its kind: no query for anyone else's)."""
    return event.kind == CONSIGNMENT.code


def inspection_booking_completed(event: BookingCompleted) -> None:
    """A consignment inspection completed: publish its report and list the car (idempotent: a handover booking, or a
    report already published, changes nothing)."""
    report_publish(booking_id=event.booking_id)
