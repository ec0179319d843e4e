from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings.events import BookingCancelled, BookingCompleted, BookingExpired, BookingNoShow
        from bookings.parts import part_register
        from chefu.events import subscribe
        from payments import settlements, subscribers  # noqa: F401  (settlements registers its Celery task)
        from payments.events import PaymentSettled
        from payments.parts import PaymentsPart

        # Money and messages: durable. A booking called off is refunded, then its fee earned, in one reaction.
        for called_off in (BookingCancelled, BookingNoShow, BookingExpired):
            subscribe(called_off, subscribers.booking_called_off_settle, durable=True)
        subscribe(BookingCompleted, subscribers.booking_completed_earn, durable=True)
        subscribe(BookingCompleted, subscribers.booking_completed_coupons_release, durable=True)
        subscribe(PaymentSettled, subscribers.payment_refunded_tell, durable=True, when=lambda e: not e.applied)
        # The booking's answer asks payments for its refunds, coupon and cancellation refund.
        part_register("payments", PaymentsPart())
