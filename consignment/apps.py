from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsignmentConfig(AppConfig):
    name = "consignment"
    verbose_name = _("Used-car consignment")

    def ready(self) -> None:
        from bookings.events import BookingCompleted
        from catalog.kinds import register
        from chefu.events import subscribe

        # The auctions' Celery tasks (the close at ends_at, the sweep) live in a sub-package autodiscovery skips.
        from consignment.auctions import tasks  # noqa: F401
        from consignment.dealers import deposits
        from consignment.deals import defaults  # noqa: F401  (the default's task and sweep)
        from consignment.deals.wiring import connect as deals_connect
        from consignment.inspection import subscribers as inspection
        from consignment.kinds import CONSIGNMENT
        from payments import purposes
        from payments.events import PurposePaymentSettled

        # The consignment_inspection service's workflow: its report, its listing (nothing in bookings names it).
        register(CONSIGNMENT)
        # A completed inspection publishes its report and lists the car. Durable: a listing is not lost.
        subscribe(
            BookingCompleted, inspection.inspection_booking_completed, durable=True, when=inspection.is_consignment
        )
        # Deals: the deal's payment purpose, and its reactions to payments, handovers and payouts.
        deals_connect()
        # The dealer's deposit is a payments purpose; its money arriving holds the deposit. Durable: none is lost.
        purposes.register(deposits.DEALER_DEPOSIT)
        subscribe(
            PurposePaymentSettled, deposits.deposit_payment_settled, durable=True, when=deposits.is_dealer_deposit
        )
