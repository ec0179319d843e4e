from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsignmentConfig(AppConfig):
    name = "consignment"
    verbose_name = _("Used-car consignment")

    def ready(self) -> None:
        from catalog.kinds import register
        from consignment.kinds import CONSIGNMENT

        # The consignment_inspection service's workflow: its report, its listing (nothing in bookings names it).
        register(CONSIGNMENT)
        # Deals: the deal's payment purpose, and its reactions to payments, handovers and payouts.
        from consignment.deals.wiring import connect as deals_connect

        deals_connect()
