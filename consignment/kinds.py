"""The ``consignment`` service kind: ``consignment_inspection`` bookings write an inspection report, and completing
one publishes the report and lists the car; ``consignment_handover`` bookings hand a sold car to its dealer."""

from django.utils.translation import gettext_lazy as _

from catalog.kinds import ServiceKind

# The standard services of this kind (catalog rows, created by catalog's defaults and consignment's migration).
INSPECTION_SERVICE = "consignment_inspection"
HANDOVER_SERVICE = "consignment_handover"


class ConsignmentKind(ServiceKind):
    code = "consignment"
    label = _("Used-car consignment")

    def api_router(self):
        from consignment.api import router

        return router

    def validate_completion(self, *, booking) -> None:
        if booking.service_id == INSPECTION_SERVICE:
            from consignment.inspection.services import report_check_complete

            # An inspection ends with its report written: completing publishes it (inspection.subscribers).
            report_check_complete(booking=booking)


CONSIGNMENT = ConsignmentKind()
