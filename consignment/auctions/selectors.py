"""Reading auctions: who is looking (the probe the ETag is answered from), the seller's and the dealers' views, the
lists, the seller's listing and its estimate."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import User
from chefu.errors import NotFound
from chefu.prepared import PreparedQuery
from consignment.auctions.estimates import Estimate
from consignment.dealers.selectors import bidder_refusal, dealer_of_user
from consignment.models import (
    Auction,
    AuctionEvent,
    AuctionStatus,
    Deal,
    Dealer,
    DealerStatus,
    DealStatus,
    DepositStatus,
    InspectionItem,
    Listing,
    ProxyMax,
)

SELLER = "seller"
DEALER = "dealer"
_FELL_THROUGH = (DealStatus.DEFAULTED, DealStatus.UNWOUND)


@dataclass(frozen=True)
class Viewer:
    """Who looks at an auction: its seller, or a dealer who may bid (``dealer_id``); ``version`` is the auction's."""

    role: str
    version: int
    dealer_id: int | None = None

    @property
    def etag(self) -> str:
        """Weak, per viewer: a dealer's view holds their own maximum, the seller's the reserve."""
        who = "s" if self.role == SELLER else f"d{self.dealer_id}"
        return f'W/"{self.version}-{who}"'


def _viewer_query(_shape, *, auction_id: int, user_id: int) -> QuerySet:
    bidder = Dealer.objects.filter(
        user_id=user_id, status=DealerStatus.VERIFIED, deposit_status=DepositStatus.HELD
    ).values("pk")[:1]
    return (
        Auction.objects.filter(pk=auction_id)
        .annotate(seller_id=F("listing__seller_id"), bidder_id=Subquery(bidder))
        .values("version", "seller_id", "bidder_id")
    )


# What every poll of an auction runs: compiled once, bound to each poll's ids (chefu.prepared). The markers are ids no
# row can have.
_VIEWER = PreparedQuery(_viewer_query, markers={"auction_id": -1_000_001, "user_id": -1_000_002})


def auction_viewer(*, auction_id: int, user: User) -> Viewer:
    """Who ``user`` is to the auction, in one indexed query (its version, its listing's seller, the user's dealer
    account if it may bid): what ``GET /consignment/auctions/{id}`` needs to answer 304. NotFound when there is no
    such auction; DealerNotVerified for anyone but its seller and a dealer who may bid."""
    rows = _VIEWER.rows(None, {"auction_id": auction_id, "user_id": user.pk}, limit=1)
    if not rows:
        raise NotFound()
    row = rows[0]
    if row["seller_id"] == user.pk:
        return Viewer(role=SELLER, version=row["version"])
    if row["bidder_id"] is None:
        raise bidder_refusal(dealer_of_user(user=user))
    return Viewer(role=DEALER, version=row["version"], dealer_id=row["bidder_id"])


def _with_report(queryset: QuerySet[Auction]) -> QuerySet[Auction]:
    return queryset.select_related("listing__report__store").prefetch_related(
        Prefetch("listing__report__items", queryset=InspectionItem.objects.order_by("id"))
    )


def auction_for_view(*, auction_id: int) -> Auction:
    """The auction with its listing, report (and its items) and the report's store."""
    auction = _with_report(Auction.objects.filter(pk=auction_id)).first()
    if auction is None:
        raise NotFound()
    return auction


def live_deal(auction: Auction) -> Deal | None:
    """The auction's deal that has not fallen through (at most one per listing), or None."""
    return Deal.objects.filter(auction=auction).exclude(status__in=_FELL_THROUGH).order_by("-id").first()


def dealer_max(*, auction: Auction, dealer_id: int) -> Decimal | None:
    return ProxyMax.objects.filter(auction=auction, dealer_id=dealer_id).values_list("max_amount", flat=True).first()


def estimate_at_start(auction: Auction) -> Estimate | None:
    """The estimate the seller was shown when the auction started (kept on its opening event)."""
    details = (
        AuctionEvent.objects.filter(auction=auction, from_status="", to_status=AuctionStatus.OPEN)
        .values_list("details", flat=True)
        .first()
    )
    if not details or "estimate" not in details:
        return None
    return Estimate.from_record(details["estimate"])


def auctions_for_dealer(*, dealer: Dealer, status: str = AuctionStatus.OPEN) -> QuerySet[Auction]:
    """Open auctions (ending soonest first) for a dealer who may bid; for a closed ``status``, those the dealer bid
    in (latest first). Each with ``my_max`` annotated, and the car and its inspecting store joined."""
    mine = ProxyMax.objects.filter(auction=OuterRef("pk"), dealer=dealer).values("max_amount")[:1]
    queryset = Auction.objects.filter(status=status).annotate(my_max=Subquery(mine))
    if status == AuctionStatus.OPEN:
        queryset = queryset.order_by("ends_at", "id")
    else:
        queryset = queryset.filter(maxima__dealer=dealer).order_by("-closed_at", "-id")
    return queryset.select_related("listing__report__store")


def auctions_for_seller(*, user: User, status: str | None = None) -> QuerySet[Auction]:
    """The seller's own auctions, the latest first."""
    queryset = Auction.objects.filter(listing__seller=user).select_related("listing__report__store")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-started_at", "-id")


def listing_of_seller(*, user: User, listing_id: int) -> Listing:
    """The seller's listing with its report and store; NotFound for a missing one and for anyone else's."""
    listing = Listing.objects.select_related("report__store").filter(pk=listing_id, seller=user).first()
    if listing is None:
        raise NotFound()
    return listing


def latest_auction_of_listing(listing: Listing) -> Auction | None:
    """The listing's latest auction, whatever its status; None before the first."""
    return Auction.objects.filter(listing=listing).order_by("-started_at", "-id").first()
