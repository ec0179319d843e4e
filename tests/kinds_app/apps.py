from django.apps import AppConfig


class KindsAppConfig(AppConfig):
    name = "tests.kinds_app"
    label = "test_kinds_app"
    verbose_name = "Test service kinds"

    def ready(self) -> None:
        from bookings.events import BookingCompleted, BookingConfirmed
        from catalog import kinds
        from chefu.events import subscribe
        from tests.kinds_app.kinds import INSPECTION_DEMO, booking_completed, booking_confirmed, of_this_kind

        kinds.register(INSPECTION_DEMO)
        subscribe(BookingConfirmed, booking_confirmed, when=of_this_kind)
        subscribe(BookingCompleted, booking_completed, when=of_this_kind)
