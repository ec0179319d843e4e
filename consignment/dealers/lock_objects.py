"""Row locks on dealers, in one place. A dealer's row is taken before an auction's (a bid locks its dealer, then the
auction: a suspension or a forfeited deposit waits for the bid in flight, and the bid after it sees the change), and
before the dealer's user (verification adds the ``dealer`` role). Every lock is ``FOR UPDATE OF`` the model's own
table."""

from chefu.errors import NotFound
from consignment.models import Dealer


def dealer_lock(dealer_id: int) -> Dealer:
    """``SELECT ... FOR UPDATE`` of the dealer's row, read with its user (joined, not locked); NotFound when there is
    none."""
    dealer = Dealer.objects.select_for_update(of=("self",)).select_related("user").filter(pk=dealer_id).first()
    if dealer is None:
        raise NotFound()
    return dealer


def dealer_lock_of_user(user_id: int) -> Dealer | None:
    """``SELECT ... FOR UPDATE`` of the user's dealer row; None when they have none."""
    return Dealer.objects.select_for_update(of=("self",)).filter(user_id=user_id).first()
