from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings import hooks
        from bookings.parts import part_register
        from payments.coupons import release_unused as release_unused_coupons
        from payments.parts import PaymentsPart
        from payments.services import refunds_for_cancelled_booking
        from payments.settlements import earn_cancellation_fee, earn_on_completed

        hooks.on_called_off(refunds_for_cancelled_booking)
        # After the refund: the fee is what the refund leaves held.
        hooks.on_called_off(earn_cancellation_fee)
        hooks.on_completed(earn_on_completed)
        hooks.on_completed(release_unused_coupons)
        part_register("payments", PaymentsPart())
