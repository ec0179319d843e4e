from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict, ServiceUnavailable


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This change is not allowed from the current state.")


class GeocoderUnavailable(ServiceUnavailable):
    code = "geocoder_unavailable"
    default_message = _("The geocoding service cannot be reached. Try again later.")


class ClosureOver(Conflict):
    code = "closure_over"
    default_message = _("This closure has already ended: it is kept as the store's history.")
