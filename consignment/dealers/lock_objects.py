"""Row locks on dealers, in one place. A dealer's row is taken before an auction's (a bid locks its dealer, then the
auction: a suspension or a forfeited deposit waits for the bid in flight, and the bid after it sees the change), and
before the dealer's user (verification adds the ``dealer`` role).

Every lock is ``FOR NO KEY UPDATE OF`` the dealer's own table: it keeps two changes of one dealer apart, but not a row
that merely points at the dealer. A bid writes rows naming other dealers (the proxy's bid for the leader, the
auction's leader): their foreign keys take ``FOR KEY SHARE`` on those dealers' rows, which a plain ``FOR UPDATE`` held
by that dealer's own bid in flight would block, while that bid waits for the auction's row: a deadlock."""

from chefu.errors import NotFound
from consignment.models import Dealer


def dealer_lock(dealer_id: int) -> Dealer:
    """``SELECT ... FOR NO KEY UPDATE`` of the dealer's row, read with its user (joined, not locked); NotFound when
    there is none."""
    locked = Dealer.objects.select_for_update(of=("self",), no_key=True)
    dealer = locked.select_related("user").filter(pk=dealer_id).first()
    if dealer is None:
        raise NotFound()
    return dealer


def dealer_lock_of_user(user_id: int) -> Dealer | None:
    """``SELECT ... FOR NO KEY UPDATE`` of the user's dealer row; None when they have none."""
    return Dealer.objects.select_for_update(of=("self",), no_key=True).filter(user_id=user_id).first()
