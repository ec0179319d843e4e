from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError


class ServiceNotApplicable(ApplicationError):
    """The service is not for this vehicle (an oil change for an electric car): it is neither quoted nor booked."""

    status = 422
    code = "service_not_applicable"
    default_message = _("This service does not apply to this car.")

    def __init__(self, *, service: str, reason: str, message=None):
        super().__init__(message, details={"service": service, "reason": reason})
