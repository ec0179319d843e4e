from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError, Conflict, ServiceUnavailable


class PhoneTaken(Conflict):
    code = "phone_taken"
    default_message = _("An account with this phone number already exists.")


class PlateTaken(Conflict):
    code = "plate_taken"
    default_message = _("You have already added a vehicle with this plate.")


class VehicleInUse(Conflict):
    code = "vehicle_in_use"
    default_message = _("This car has bookings: it stays on your list so that they keep it.")


class InvalidCredentials(ApplicationError):
    status = 401
    code = "invalid_credentials"
    default_message = _("Wrong phone number or password.")


class InvalidCode(ApplicationError):
    """The SMS code is wrong, expired, used, out of tries, or was never sent to this phone for this purpose."""

    status = 422
    code = "invalid_code"
    default_message = _("The code is wrong or has expired. Request a new one.")

    def __init__(self, message: str | None = None):
        # Like every 422, it names the field (the code keeps its own error code).
        super().__init__(message)
        self.details["fields"] = {"code": [self.message]}


class CsrfFailed(ApplicationError):
    """A session-authenticated unsafe request without a valid CSRF token (bearer requests never need one)."""

    status = 403
    code = "csrf_failed"
    default_message = _("The page's security token is missing or out of date. Reload the page and try again.")


class ThrottlesUnavailable(ServiceUnavailable):
    """The throttles' counters (Redis) do not answer: sign-in, registration and SMS codes are refused rather than let
    through uncounted (accounts.throttling fails closed). The code stays ``service_unavailable``."""

    default_message = _(
        "Signing in, registering and sending codes are paused for a moment. Try again in a minute; if you are signed "
        "in already, nothing changes for you."
    )
