"""Row locks on listings, auctions and deals, in one place. Order: a deal's row (its default), then a dealer's row
(``consignment.dealers.lock_objects``), then a listing's, then its auction's. A bid locks its dealer and the auction
(not the listing); starting, closing, accepting and declining lock the listing, then the auction. Every lock is
``FOR UPDATE OF`` the model's own table (the deal's ``FOR NO KEY UPDATE``)."""

from django.db.models import F

from chefu.errors import NotFound
from consignment.models import Auction, Listing


def listing_lock(listing_id: int) -> Listing:
    """``SELECT ... FOR UPDATE`` of the listing's row; NotFound when there is none."""
    listing = Listing.objects.select_for_update(of=("self",)).filter(pk=listing_id).first()
    if listing is None:
        raise NotFound()
    return listing


def auction_lock(auction_id: int) -> Auction:
    """``SELECT ... FOR UPDATE`` of the auction's row: every bid, the close and the seller's decision are serialized
    on it. Read with its listing's seller (``seller_id``, joined, not locked). NotFound when there is none."""
    locked = Auction.objects.select_for_update(of=("self",)).annotate(seller_id=F("listing__seller_id"))
    auction = locked.filter(pk=auction_id).first()
    if auction is None:
        raise NotFound()
    return auction
