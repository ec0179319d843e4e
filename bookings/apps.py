from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from bookings import events, subscribers
        from chefu.events import subscribe

        # Messages to people: durable, so a crash after the change delays them and loses none.
        subscribe(events.BookingConfirmed, subscribers.booking_confirmed_tell, durable=True)
        subscribe(events.BookingRescheduled, subscribers.booking_rescheduled_tell, durable=True)
        subscribe(events.BookingCheckedIn, subscribers.booking_arrived_tell, durable=True)
        subscribe(events.BookingNoShow, subscribers.booking_arrived_tell, durable=True)
        subscribe(events.BookingCancelled, subscribers.booking_cancelled_tell, durable=True)
        subscribe(events.BookingExpired, subscribers.booking_expired_tell, durable=True)
        subscribe(events.SupplementProposed, subscribers.supplement_proposed_tell, durable=True)
