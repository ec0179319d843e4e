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
        if service.code == HANDOVER_SERVICE and not by_platform:
            # A handover is booked by the platform for a paid deal (consignment.deals.handover), never by an owner.
            raise ValidationFailed(
                {"service_code": gettext("A handover is arranged by Chefu once a dealer has paid for the car.")}
            )

    def validate_completion(self, *, booking) -> None:
        if booking.service_id == INSPECTION_SERVICE:
            from consignment.inspection.services import report_check_complete

            # An inspection ends with its report written: completing publishes it (inspection.subscribers).
            report_check_complete(booking=booking)


CONSIGNMENT = ConsignmentKind()
