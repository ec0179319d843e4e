"""Row locks on deals and claims, in one place; each ``FOR UPDATE OF`` the model's own table.

Order: a deal's row first, then its claim's, then whatever payments locks for the deal's charge (its advisory
lock, then its payment) and, when a handover is booked, the store's row and the new booking. Every change to a deal
or a claim takes the deal's row, so a payment's arrival, the default, the handover, a claim, its resolution and the
settlement of one deal run one after another.
"""

from consignment.models import Claim, Deal


def deal_lock(deal_id: int) -> Deal | None:
    """``SELECT ... FOR UPDATE`` of the deal's row, read with its dealer (joined, not locked); None when there is
    none."""
    return Deal.objects.select_for_update(of=("self",)).select_related("dealer").filter(pk=deal_id).first()


def claim_lock(claim_id: int) -> Claim | None:
    """``SELECT ... FOR UPDATE`` of the claim's row; expects its deal locked first. None when there is none."""
    return Claim.objects.select_for_update(of=("self",)).filter(pk=claim_id).first()
