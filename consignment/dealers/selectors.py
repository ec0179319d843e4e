"""Reading dealers: one's own account, the one who may bid, and QA's queue."""

from django.db.models import Prefetch, QuerySet

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import NotFound
from consignment.dealers.exceptions import DealerNotVerified
from consignment.models import Dealer, DealerEvent, DealerStatus, DepositStatus


def dealer_of_user(*, user: User) -> Dealer | None:
    """The user's dealer account, whatever its state; None when they never applied."""
    return Dealer.objects.filter(user=user).first()


def dealer_get_own(*, user: User) -> Dealer:
    dealer = dealer_of_user(user=user)
    if dealer is None:
        raise NotFound()
    return dealer


def bidder_refusal(dealer: Dealer | None) -> DealerNotVerified | None:
    """Why ``dealer`` may not bid (the error to answer), or None when they may."""
    if dealer is None:
        return DealerNotVerified(details={"reason": "no_dealer"})
    if dealer.status != DealerStatus.VERIFIED:
        return DealerNotVerified(details={"reason": "status", "status": dealer.status})
    if dealer.deposit_status != DepositStatus.HELD:
        return DealerNotVerified(details={"reason": "deposit", "deposit_status": dealer.deposit_status})
    return None


def dealer_bidder_get(*, user: User) -> Dealer:
    """The user's dealer account when it may bid (verified, deposit held); DealerNotVerified otherwise."""
    dealer = dealer_of_user(user=user)
    if (refusal := bidder_refusal(dealer)) is not None:
        raise refusal
    return dealer


def dealers_for_qa(*, user: User, status: str | None = None) -> QuerySet[Dealer]:
    """Every dealer account (QA only: PermissionDenied), the pending applications first in line (oldest first), then
    the rest by company."""
    require_role(user, Role.QA)
    queryset = Dealer.objects.select_related("user").order_by("created_at", "id")
    return queryset.filter(status=status) if status else queryset


def dealer_for_qa(*, user: User, dealer_id: int) -> Dealer:
    """One dealer with the user who applied and every event, oldest first (QA only)."""
    require_role(user, Role.QA)
    dealer = (
        Dealer.objects.select_related("user")
        .prefetch_related(Prefetch("events", queryset=DealerEvent.objects.select_related("by").order_by("at", "id")))
        .filter(pk=dealer_id)
        .first()
    )
    if dealer is None:
        raise NotFound()
    return dealer
