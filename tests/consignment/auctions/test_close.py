"""The close and what follows (issue 14, items 4-5): sold opens the deal (fee and net by consignment.fees, 24 h to
pay); reserve_not_met waits 24 h for the seller's accept or decline (declined by the sweep after); no_bids puts the
listing back to draft, to relist. Each closes once, tells the seller and the dealer, and emits its events."""

import datetime as dt
from decimal import Decimal

import pytest

from chefu.events import recording
from consignment.auctions import services
from consignment.events import AuctionClosed, AuctionDecided, DealOpened
from consignment.models import Auction, AuctionEvent, Deal, DealEvent, Listing
from notifications.models import Message
from tests.conftest import error_code

pytestmark = pytest.mark.django_db


def _bid(auction, dealer, amount):
    return services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal(amount))


def _after_end(auction) -> dt.datetime:
    return Auction.objects.get(pk=auction.pk).ends_at + dt.timedelta(seconds=1)


def test_nothing_closes_before_the_end(auction):
    assert services.auction_close(auction_id=auction.pk) is None
    assert Auction.objects.get(pk=auction.pk).status == "open"


def test_sold_opens_the_deal_at_the_price(auction, dealer, seller):
    _bid(auction, dealer, "86000.00")
    at = _after_end(auction)
    with recording() as events:
        closed = services.auction_close(auction_id=auction.pk, now=at)
    assert (closed.status, closed.closed_at, closed.version) == ("sold", at, 3)
    deal = Deal.objects.get(auction=auction)
    assert (deal.dealer_id, deal.seller_id, deal.status) == (dealer.pk, seller.pk, "awaiting_payment")
    assert (deal.price, deal.fee, deal.seller_net) == (Decimal("86000.00"), Decimal("2580.00"), Decimal("83420.00"))
    assert deal.pay_before == at + dt.timedelta(hours=24)
    assert DealEvent.objects.get(deal=deal).to_status == "awaiting_payment"
    assert Listing.objects.get(pk=auction.listing_id).status == "deal"
    assert [type(e) for e in events] == [DealOpened, AuctionClosed]
    assert events[1].outcome == "sold" and events[1].deal_id == deal.pk
    assert Message.objects.filter(recipient=seller, template="consignment_sold").exists()
    assert Message.objects.filter(recipient=dealer.user, template="consignment_won").exists()
    assert services.auction_close(auction_id=auction.pk, now=at) is None  # once
    assert Deal.objects.count() == 1


def test_a_highest_bid_below_the_reserve_waits_for_the_seller(auction, dealer, seller, seller_client):
    _bid(auction, dealer, "70000.00")
    at = _after_end(auction)
    closed = services.auction_close(auction_id=auction.pk, now=at)
    assert closed.status == "reserve_not_met" and closed.decide_before == at + dt.timedelta(hours=24)
    assert Listing.objects.get(pk=auction.listing_id).status == "awaiting_seller"
    assert Message.objects.filter(recipient=seller, template="consignment_reserve_not_met").exists()
    assert not Deal.objects.exists()
    response = seller_client.post(f"consignment/auctions/{auction.pk}/accept")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["deal"]["price"] == "70000.00"
    assert body["deal"]["seller_net"] == "67900.00" and body["deal_id"] == Deal.objects.get().pk
    assert Listing.objects.get(pk=auction.listing_id).status == "deal"
    again = seller_client.post(f"consignment/auctions/{auction.pk}/decline")
    assert again.status_code == 409 and error_code(again) == "invalid_transition"


def test_the_seller_declines_and_the_car_is_relisted(auction, dealer, seller, seller_client):
    _bid(auction, dealer, "70000.00")
    services.auction_close(auction_id=auction.pk, now=_after_end(auction))
    with recording() as events:
        response = seller_client.post(f"consignment/auctions/{auction.pk}/decline", {"reason": "价格太低"})
    assert response.json()["status"] == "declined" and response.json()["deal"] is None
    assert Listing.objects.get(pk=auction.listing_id).status == "draft"
    assert AuctionEvent.objects.filter(auction=auction).order_by("-id").first().reason == "价格太低"
    assert [e.decision for e in events if isinstance(e, AuctionDecided)] == ["declined"]
    assert Message.objects.filter(recipient=dealer.user, template="consignment_declined").exists()
    relisted = seller_client.post(f"consignment/listings/{auction.listing_id}/auction", {"reserve_price": "75000.00"})
    assert relisted.status_code == 201, relisted.content


def test_only_the_seller_decides(auction, dealer, dealer_client, owner_client):
    _bid(auction, dealer, "70000.00")
    services.auction_close(auction_id=auction.pk, now=_after_end(auction))
    for client in (dealer_client, owner_client):
        assert client.post(f"consignment/auctions/{auction.pk}/accept").status_code == 404
        assert client.post(f"consignment/auctions/{auction.pk}/decline").status_code == 404
    assert Auction.objects.get(pk=auction.pk).status == "reserve_not_met"


def test_no_decision_in_24_hours_is_a_decline(auction, dealer, seller_client):
    _bid(auction, dealer, "70000.00")
    at = _after_end(auction)
    services.auction_close(auction_id=auction.pk, now=at)
    assert services.auctions_sweep(now=at + dt.timedelta(hours=23)) == {"closed": 0, "declined": 0}
    assert services.auctions_sweep(now=at + dt.timedelta(hours=24, seconds=1)) == {"closed": 0, "declined": 1}
    auction.refresh_from_db()
    assert auction.status == "declined"
    event = AuctionEvent.objects.filter(auction=auction).order_by("-id").first()
    assert event.by is None and event.reason
    assert Listing.objects.get(pk=auction.listing_id).status == "draft"


def test_accepting_after_the_window_is_refused(auction, dealer, seller):
    _bid(auction, dealer, "70000.00")
    at = _after_end(auction)
    services.auction_close(auction_id=auction.pk, now=at)
    from consignment.auctions.exceptions import DecisionWindowClosed

    with pytest.raises(DecisionWindowClosed):
        services.auction_accept(auction_id=auction.pk, seller=seller, now=at + dt.timedelta(hours=25))
    assert not Deal.objects.exists()


def test_no_bids_puts_the_listing_back_to_draft(auction, seller, seller_client):
    with recording() as events:
        closed = services.auction_close(auction_id=auction.pk, now=_after_end(auction))
    assert closed.status == "no_bids"
    assert Listing.objects.get(pk=auction.listing_id).status == "draft"
    assert [e.outcome for e in events if isinstance(e, AuctionClosed)] == ["no_bids"]
    assert Message.objects.filter(recipient=seller, template="consignment_no_bids").exists()
    again = seller_client.post(f"consignment/listings/{auction.listing_id}/auction", {"reserve_price": "1.00"})
    assert again.status_code == 201


def test_the_sweep_closes_what_the_task_missed(auction, dealer):
    _bid(auction, dealer, "90000.00")
    assert services.auctions_sweep(now=_after_end(auction)) == {"closed": 1, "declined": 0}
    assert Auction.objects.get(pk=auction.pk).status == "sold"


def test_the_winner_sees_the_deal_and_the_loser_does_not(auction, dealer, dealer_client, make_client):
    from tests.consignment.factories import make_dealer

    loser = make_dealer()
    _bid(auction, loser, "85000.00")
    _bid(auction, dealer, "86000.00")
    services.auction_close(auction_id=auction.pk, now=_after_end(auction))
    won = dealer_client.get(f"consignment/auctions/{auction.pk}").json()
    lost = make_client(loser.user).get(f"consignment/auctions/{auction.pk}").json()
    deal = Deal.objects.get()
    assert (won["status"], won["deal_id"], won["leading"], won["min_next_bid"]) == ("sold", deal.pk, True, None)
    assert (lost["deal_id"], lost["leading"]) == (None, False)
    history = make_client(loser.user).get("consignment/auctions", {"status": "sold"}).json()
    assert [a["id"] for a in history["items"]] == [auction.pk]


def test_the_seller_sees_the_winning_price_against_the_estimate(listing, seller, seller_client, dealer):
    from tests.consignment.factories import past_deal

    for price in ("78000.00", "80000.00", "82000.00", "84000.00", "86000.00"):
        past_deal(price)
    started = seller_client.post(f"consignment/listings/{listing.pk}/auction", {"reserve_price": "80000.00"})
    assert started.json()["estimate"]["median"] == "82000.00"
    auction = Auction.objects.get(pk=started.json()["auction_id"])
    _bid(auction, dealer, "86100.00")
    services.auction_close(auction_id=auction.pk, now=_after_end(auction))
    body = seller_client.get(f"consignment/auctions/{auction.pk}").json()
    assert body["estimate"]["median"] == "82000.00"
    assert body["versus_estimate"] == {"median": "82000.00", "difference": "4100.00", "percent": "5.0"}
