from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings import hooks
        from payments.services import refunds_for_cancelled_booking

        hooks.on_cancelled(refunds_for_cancelled_booking)
