"""Auctions' errors with their stable codes (API.md, Used-car consignment). A refused bid is recorded before it is
answered: :func:`consignment.auctions.services.bid_place` returns it, and :func:`bid_refusal_error` names the error
the API answers with."""

from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError, Conflict, PermissionDenied
from consignment.dealers.exceptions import DealerNotVerified
from consignment.models import Bid, BidRefusal


class BidTooLow(Conflict):
    """``details``: ``min_next_bid``, the smallest amount taken now."""

    code = "bid_too_low"
    default_message = _("The bid is below the minimum next bid.")


class AuctionClosed(Conflict):
    code = "auction_closed"
    default_message = _("The auction has closed.")


class OwnAuction(PermissionDenied):
    code = "own_auction"
    default_message = _("You cannot bid on your own car.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("The auction cannot make this change in its current state.")

    def __init__(self, *, from_status: str, to_status: str, **details):
        super().__init__(details={"from": from_status, "to": to_status, **details})


class ListingNotAvailable(Conflict):
    """Only a draft listing (new, or back after an auction without a sale) can go to auction."""

    code = "listing_not_available"
    default_message = _("This car cannot go to auction now.")

    def __init__(self, *, status: str):
        super().__init__(details={"status": status})


class DecisionWindowClosed(Conflict):
    code = "decision_window_closed"
    default_message = _("The 24 hours to accept the highest bid are over: the auction was declined.")


def bid_refusal_error(bid: Bid, **details) -> ApplicationError:
    """The error a refused ``bid`` is answered with."""
    if bid.refusal == BidRefusal.BID_TOO_LOW:
        return BidTooLow(details=details)
    if bid.refusal == BidRefusal.AUCTION_CLOSED:
        return AuctionClosed(details=details)
    return DealerNotVerified(details=details)
