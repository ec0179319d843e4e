from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality assurance")

    def ready(self) -> None:
        from bookings.events import BookingCompleted
        from chefu.events import subscribe
        from consignment.events import HandoverNotBooked
        from quality import sanctions
        from quality.complaints.rework import rework_completed_charge
        from quality.events import AuditFinalized
        from quality.events_sanctions import StoreSuspended
        from quality.monitors import handover_not_booked_alert
        from quality.parts import QualityRecordPart
        from stores.parts import store_part_register

        # Owners whose booking a suspension cancelled are offered other stores: a message, durable.
        subscribe(StoreSuspended, sanctions.suspended_bookings_offer_alternatives, durable=True)
        # A failed critical item suspends the store; a passed re-audit reinstates it. Durable: a sanction is not lost.
        subscribe(AuditFinalized, sanctions.audit_finalized_enforce, durable=True)
        # A complaint's free rework done at another store is charged to the store at fault once it is done.
        subscribe(BookingCompleted, rework_completed_charge, durable=True)
        # A paid consignment deal whose handover cannot be booked: QA is alerted. Not durable: the consignment sweep
        # emits it again every ten minutes while it lasts.
        subscribe(HandoverNotBooked, handover_not_booked_alert)
        # The store's page shows its public quality record.
        store_part_register("quality", QualityRecordPart())
