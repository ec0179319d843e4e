from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError, Conflict


class PhoneTaken(Conflict):
    code = "phone_taken"
    default_message = _("An account with this phone number already exists.")


class PlateTaken(Conflict):
    code = "plate_taken"
    default_message = _("You have already added a vehicle with this plate.")


class InvalidCredentials(ApplicationError):
    status = 401
    code = "invalid_credentials"
    default_message = _("Wrong phone number or password.")
