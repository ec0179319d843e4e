"""The deal's state machine and its trail, and who may act on a deal. Every other module of the package writes
through these.

Locks: ``consignment.deals.lock_objects`` (the deal's row first, then what payments locks for its charge).
"""

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from accounts.models import User
from chefu.errors import NotFound, PermissionDenied
from consignment.deals.exceptions import InvalidDealTransition
from consignment.models import DEAL_TRANSITIONS, Deal, DealEvent, Listing

# The dealer may claim a defect the report did not disclose up to this long after the handover; the seller is paid
# once it has passed with no open claim.
CLAIM_WINDOW = dt.timedelta(days=3)

SELLER = "seller"
DEALER = "dealer"


class Step:
    """``DealEvent.details["step"]`` of a row that records a step without a change of status."""

    HANDOVER_BOOKED = "handover_booked"
    HANDOVER_LOST = "handover_lost"
    PAYMENT_REFUNDED = "payment_refunded"
    CLAIM_FILED = "claim_filed"
    CLAIM_RESOLVED = "claim_resolved"
    FEE_RELEASED = "fee_released"
    PAYOUT_REQUESTED = "payout_requested"
    PAYOUT_FAILED = "payout_failed"


# --- the state machine and the trail ---------------------------------------------------------------------------------


def deal_transition(
    *,
    deal: Deal,
    to: str,
    by: User | None = None,
    reason: str = "",
    details: Mapping | None = None,
    fields: tuple[str, ...] = (),
    at: dt.datetime | None = None,
) -> Deal:
    """Move ``deal`` (locked by the caller: ``deal_lock``) to ``to``, saving the other ``fields`` the caller set with
    its status, and append its ``DealEvent``. InvalidDealTransition (nothing written) for a move
    ``DEAL_TRANSITIONS`` does not list."""
    before = deal.status
    if to not in DEAL_TRANSITIONS[before]:
        raise InvalidDealTransition(from_status=before, to_status=to, deal_id=deal.pk)
    deal.status = to
    deal.save(update_fields=["status", *fields])
    DealEvent.objects.create(
        deal=deal,
        at=at or timezone.now(),
        from_status=before,
        to_status=to,
        by=by,
        reason=reason,
        details=dict(details or {}),
    )
    return deal


def deal_step(
    *, deal: Deal, step: str, by: User | None = None, reason: str = "", at: dt.datetime | None = None, **details
) -> DealEvent:
    """A ``DealEvent`` for a step that leaves the status as it is (``Step``): from and to the current status."""
    return DealEvent.objects.create(
        deal=deal,
        at=at or timezone.now(),
        from_status=deal.status,
        to_status=deal.status,
        by=by,
        reason=reason,
        details={"step": step, **details},
    )


def listing_status_set(*, listing_id: int, status: str) -> None:
    """The deal's listing follows it: sold once the deal is settled, back to the seller (a draft they may auction
    again) when it is unwound."""
    Listing.objects.filter(pk=listing_id).update(status=status, updated_at=timezone.now())


def deal_party(deal: Deal, user: User | None) -> str | None:
    """``"seller"``, ``"dealer"`` or None: who ``user`` is to ``deal`` (its dealer loaded)."""
    if user is None or not user.is_authenticated:
        return None
    if deal.seller_id == user.pk:
        return SELLER
    if deal.dealer.user_id == user.pk:
        return DEALER
    return None


def party_check(deal: Deal, user: User, *, need: str) -> None:
    """NotFound for a user with no tie to the deal; PermissionDenied for its other party (``need`` is the one who
    may act)."""
    party = deal_party(deal, user)
    if party is None:
        raise NotFound()
    if party != need:
        raise PermissionDenied()


def claim_window_ends(deal: Deal) -> dt.datetime | None:
    return deal.handed_over_at + CLAIM_WINDOW if deal.handed_over_at else None
