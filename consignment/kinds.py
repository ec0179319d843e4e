"""The ``consignment`` service kind: ``consignment_inspection`` bookings write an inspection report, and completing
one publishes the report and lists the car; ``consignment_handover`` bookings hand a sold car to its dealer."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.kinds import ServiceKind
from chefu.errors import ValidationFailed

# The standard services of this kind (catalog rows, created by catalog's defaults and consignment's migration).
INSPECTION_SERVICE = "consignment_inspection"
HANDOVER_SERVICE = "consignment_handover"


class ConsignmentKind(ServiceKind):
    code = "consignment"
    label = _("Used-car consignment")

    def api_router(self):
        from consignment.api import router

        return router

    def validate_booking(self, *, service, store, vehicle, by_platform: bool = False) -> None:
        # A handover is booked by the platform for a paid deal of this car at the store that inspected it, waiting for
        # one (consignment.deals.handover): never by an owner, nor by another free booking (a complaint's rework).
        if service.code == HANDOVER_SERVICE and not (
            by_platform and _deal_awaits_handover(store=store, vehicle=vehicle)
        ):
            raise ValidationFailed(
                {"service_code": gettext("A handover is arranged by Chefu once a dealer has paid for the car.")}
            )

    def validate_completion(self, *, booking) -> None:
        if booking.service_id == INSPECTION_SERVICE:
            from consignment.inspection.services import report_check_complete

            # An inspection ends with its report written: completing publishes it (inspection.subscribers).
            report_check_complete(booking=booking)


def _deal_awaits_handover(*, store, vehicle) -> bool:
    from consignment.models import Deal, DealStatus

    return Deal.objects.filter(
        status=DealStatus.PAID,
        handover_booking__isnull=True,
        listing__report__store=store,
        listing__report__booking__vehicle=vehicle,
    ).exists()


CONSIGNMENT = ConsignmentKind()
