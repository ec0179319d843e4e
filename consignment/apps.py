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
        # The auctions' Celery tasks (the close at ends_at, the sweep) live in a sub-package autodiscovery skips.
        from consignment.auctions import tasks  # noqa: F401
