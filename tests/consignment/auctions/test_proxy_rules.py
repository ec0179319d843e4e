"""Proxy bidding checked against a brute-force reference (tests/consignment/auctions/reference.py): after every bid
of a random sequence, the auction as the service left it in the database (accepted or refused, the price, the leader,
the next minimum, each dealer's maximum) is what replaying the whole history by the rules' text gives."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consignment.auctions import rules, services
from consignment.fees import fee_for, seller_net
from consignment.models import Auction, ProxyMax
from tests.consignment.auctions.reference import RefBid, replay, step_above
from tests.consignment.factories import inspection_store, make_dealer, published_listing

pytestmark = pytest.mark.django_db

STARTS = [Decimal(v) for v in ("1000.00", "45000.00", "49800.00", "195000.00", "199600.00")]


@pytest.fixture
def world(db):
    store = inspection_store()
    return store, [make_dealer() for _ in range(4)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_service_agrees_with_the_reference_after_every_bid(world, data):
    store, dealers = world
    listing = published_listing(store=store)
    auction = services.auction_start(listing_id=listing.pk, seller=listing.seller, reserve_price=Decimal("1.00"))
    history: list[RefBid] = []
    start = data.draw(st.sampled_from(STARTS), label="start")
    for _ in range(data.draw(st.integers(1, 12), label="bids")):
        expected_before = replay(history)
        who = data.draw(st.integers(0, len(dealers) - 1), label="dealer")
        base = start if expected_before.price is None else expected_before.min_next
        amount = base + Decimal(data.draw(st.integers(-3, 30), label="steps")) * 100
        if amount <= 0:
            amount = Decimal("100.00")
        maximum = None
        if data.draw(st.booleans(), label="proxy"):
            maximum = amount + Decimal(data.draw(st.integers(0, 80), label="above")) * 100
        history.append(RefBid(dealer=str(dealers[who].pk), amount=amount, max_amount=maximum))
        placed = services.bid_place(auction_id=auction.pk, user=dealers[who].user, amount=amount, max_amount=maximum)
        expected = replay(history)
        stored = Auction.objects.get(pk=auction.pk)
        assert placed.bid.accepted == expected.accepted[-1]
        assert stored.highest_amount == expected.price
        assert (str(stored.highest_dealer_id) if stored.highest_dealer_id else None) == expected.leader
        assert placed.min_next_bid == expected.min_next
        maxima = {str(d): m for d, m in ProxyMax.objects.filter(auction=auction).values_list("dealer_id", "max_amount")}
        assert maxima == expected.maxima


def test_increments_by_tier():
    assert [rules.increment(Decimal(p)) for p in ("0", "49999.99", "50000", "199999.99", "200000", "1e6")] == [
        Decimal("200.00"),
        Decimal("200.00"),
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    ]
    assert rules.min_next_bid(None) == Decimal("1000.00")
    for price in (Decimal("1000.00"), Decimal("50000.00"), Decimal("250000.00")):
        assert rules.increment(price) == step_above(price)


def test_the_fee_is_three_percent_between_its_floor_and_cap():
    assert fee_for(Decimal("10000.00")) == Decimal("500.00")  # 300 → the floor
    assert fee_for(Decimal("86000.00")) == Decimal("2580.00")
    assert fee_for(Decimal("86000.01")) == Decimal("2580.00")  # half-up to the fen
    assert fee_for(Decimal("300000.00")) == Decimal("5000.00")  # 9,000 → the cap
    assert fee_for(Decimal("400.00")) == Decimal("400.00")  # never more than the price
    assert seller_net(Decimal("86000.00")) == Decimal("83420.00")
