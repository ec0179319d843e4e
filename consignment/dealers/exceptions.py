"""Dealers' errors with their stable codes (API.md, Used-car consignment)."""

from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict, PermissionDenied


class DealerNotVerified(PermissionDenied):
    """Not a dealer who may bid: no dealer account, not verified (yet, or any more: suspended), or no deposit held.
    ``details.reason``: ``no_dealer``, ``status`` (with ``status``) or ``deposit`` (with ``deposit_status``)."""

    code = "dealer_not_verified"
    default_message = _("Only verified dealers with a deposit held may do this.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("The dealer account cannot make this change in its current state.")

    def __init__(self, *, from_status: str, to_status: str, **details):
        super().__init__(details={"from": from_status, "to": to_status, **details})


class DealerExists(Conflict):
    code = "dealer_exists"
    default_message = _("You have already applied as a dealer.")

    def __init__(self, *, status: str):
        super().__init__(details={"status": status})


class LicenseTaken(Conflict):
    code = "license_taken"
    default_message = _("Another dealer has applied with this business licence number.")


class DepositInUse(Conflict):
    """A deposit backs what the dealer has going: an open auction they lead, or a deal not yet settled."""

    code = "deposit_in_use"
    default_message = _("The deposit backs a bid or a deal in progress and cannot be returned now.")


class DepositHeld(Conflict):
    """``POST /dealers/deposit`` while the dealer's deposit is held: there is nothing to pay."""

    code = "deposit_held"
    default_message = _("Your deposit is held already.")
