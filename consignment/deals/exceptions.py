from django.utils.translation import gettext_lazy as _

from bookings.exceptions import InvalidTransition
from chefu.errors import Conflict


class InvalidDealTransition(InvalidTransition):
    default_message = _("The deal cannot make this change in its current state.")


class DealNotAwaitingPayment(Conflict):
    """``details.status``: the deal's status."""

    code = "deal_not_awaiting_payment"
    default_message = _("This deal is not awaiting payment.")


class PayBeforePassed(Conflict):
    """``details.pay_before``: when the time to pay ended."""

    code = "pay_before_passed"
    default_message = _("The time to pay for this deal has passed.")


class DealNotHandedOver(Conflict):
    """``details.status``: the deal's status (a claim needs the car handed over)."""

    code = "deal_not_handed_over"
    default_message = _("A claim can be filed only once the car has been handed over.")


class ClaimWindowClosed(Conflict):
    """``details.closed_at``: when the window ended (3 days after the handover)."""

    code = "claim_window_closed"
    default_message = _("Claims may be filed within 3 days of the handover; that time has passed.")


class ClaimExists(Conflict):
    code = "claim_exists"
    default_message = _("This deal already has an open claim.")


class ClaimResolved(Conflict):
    code = "claim_resolved"
    default_message = _("This claim has already been resolved.")


class PayoutNotRefused(Conflict):
    """``details.status``: the deal's status. Only a payout the provider refused may be asked for again."""

    code = "payout_not_refused"
    default_message = _("This deal has no refused payout to pay again.")
