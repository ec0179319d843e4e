"""Bids and closes at once, on real PostgreSQL: the auction's row lock serializes them. Ten dealers bidding together
get every bid answered and recorded, accepted amounts rising strictly in the order they were taken, and the price the
rules give for that order; three closers at once close once."""

import itertools
import random
from decimal import Decimal

import pytest
from django.db import connections

from consignment.auctions import services
from consignment.models import Auction, AuctionEvent, Bid, Deal
from tests.bookings.test_concurrency import _run_at_once
from tests.conftest import ApiClient, issue_token
from tests.consignment.auctions.reference import RefBid, replay
from tests.consignment.factories import make_dealer

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_dealers_bidding_at_once(auction):
    # given: ten verified dealers, each about to send three bids (some with a maximum) as fast as it can
    rng = random.Random(14)
    dealers = [make_dealer() for _ in range(10)]
    plans = []
    for dealer in dealers:
        bids = []
        for round_ in range(3):
            amount = Decimal(50_000 + round_ * 3_000 + rng.randrange(0, 30) * 100)
            maximum = amount + Decimal(rng.randrange(0, 40) * 100) if rng.random() < 0.4 else None
            bids.append((amount, maximum))
        plans.append((ApiClient(issue_token(dealer.user)), bids))

    def send(client, bids):
        answers = []
        for amount, maximum in bids:
            body = {"amount": str(amount)} | ({"max_amount": str(maximum)} if maximum else {})
            answers.append(client.post(f"consignment/auctions/{auction.pk}/bids", body))
        connections.close_all()
        return answers

    # when they all start together
    results = _run_at_once([lambda c=c, b=b: send(c, b) for c, b in plans])

    # then every bid was answered, 201 or 409 bid_too_low, and recorded with the answer's id
    answers = [r for rs in results for r in rs]
    assert len(answers) == 30
    recorded = {}
    for response in answers:
        assert response.status_code in (201, 409), response.content
        body = response.json()
        if response.status_code == 201:
            recorded[body["id"]] = True
        else:
            assert body["error"]["code"] == "bid_too_low"
            recorded[body["error"]["details"]["bid_id"]] = False
    mine = Bid.objects.filter(auction=auction, by_proxy=False).order_by("id")
    assert {b.pk: b.accepted for b in mine} == recorded
    # accepted amounts rise strictly in the order the bids were taken (proxies' bids included)
    amounts = list(Bid.objects.filter(auction=auction, accepted=True).order_by("id").values_list("amount", flat=True))
    assert all(a < b for a, b in itertools.pairwise(amounts)), amounts
    assert len(amounts) >= 2
    # and the auction stands where the rules put it for that order
    order = [RefBid(str(b.dealer_id), b.amount, b.max_amount) for b in mine]
    expected = replay(order)
    assert [b.accepted for b in mine] == expected.accepted
    stored = Auction.objects.get(pk=auction.pk)
    assert (stored.highest_amount, str(stored.highest_dealer_id)) == (expected.price, expected.leader)
    assert stored.bid_count == len(amounts) and stored.version == 1 + sum(expected.accepted)


def test_three_closers_at_once_close_once(auction):
    from django.utils import timezone

    dealer = make_dealer()
    services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("90000.00"))
    at = Auction.objects.get(pk=auction.pk).ends_at + timezone.timedelta(seconds=1)

    def close():
        try:
            closed = services.auction_close(auction_id=auction.pk, now=at)
            return closed.status if closed else None
        finally:
            connections.close_all()

    outcomes = _run_at_once([close, close, close])
    assert sorted(outcomes, key=str) == [None, None, "sold"]
    assert Deal.objects.filter(auction=auction).count() == 1
    assert AuctionEvent.objects.filter(auction=auction, to_status="sold").count() == 1


def test_a_last_second_bid_racing_the_close(auction):
    """The bid sent a moment before the end and the close due a moment after it: whichever holds the auction's row
    first wins. Taken first, the bid moves the end and the close finds nothing due; closed first, the bid is refused
    and the leader before it buys the car."""
    from django.utils import timezone

    dealer = make_dealer()
    services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("90000.00"))
    rival = make_dealer()
    ends = timezone.now() + timezone.timedelta(seconds=5)
    Auction.objects.filter(pk=auction.pk).update(ends_at=ends)
    bid_at, close_at = ends - timezone.timedelta(milliseconds=10), ends + timezone.timedelta(milliseconds=10)

    def close():
        try:
            return services.auction_close(auction_id=auction.pk, now=close_at)
        finally:
            connections.close_all()

    def last_second_bid():
        try:
            return services.bid_place(auction_id=auction.pk, user=rival.user, amount=Decimal("95000.00"), now=bid_at)
        finally:
            connections.close_all()

    closed, placed = _run_at_once([close, last_second_bid])
    stored = Auction.objects.get(pk=auction.pk)
    if placed.bid.accepted:
        assert closed is None
        assert (stored.status, stored.ends_at) == ("open", bid_at + timezone.timedelta(minutes=2))
        assert stored.highest_dealer_id == rival.pk and not Deal.objects.exists()
    else:
        assert placed.bid.refusal == "auction_closed" and closed.status == "sold"
        deal = Deal.objects.get(auction=auction)
        assert (deal.dealer_id, deal.price) == (dealer.pk, Decimal("90000.00"))


def test_a_bid_writing_the_proxys_bid_does_not_wait_for_the_leaders_own_bid_in_flight(auction):
    """A bid that makes the proxy bid for the leader writes rows naming the leader (their foreign keys take FOR KEY
    SHARE on the leader's row) while the leader's own next bid may hold that row, waiting for the auction's: the
    dealer's lock must not block those rows, or the two bids deadlock."""
    import threading
    import time

    from django.db import transaction

    from consignment.dealers.lock_objects import dealer_lock_of_user

    leader, rival = make_dealer(), make_dealer()
    services.bid_place(auction_id=auction.pk, user=leader.user, amount=Decimal("50000.00"), max_amount="60000.00")
    held, release = threading.Event(), threading.Event()

    def leaders_bid_in_flight():
        try:
            with transaction.atomic():
                dealer_lock_of_user(leader.user_id)  # what the leader's bid holds before it reaches the auction
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=leaders_bid_in_flight)
    thread.start()
    assert held.wait(5)
    started = time.monotonic()
    try:
        placed = services.bid_place(auction_id=auction.pk, user=rival.user, amount=Decimal("50500.00"))
        elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join(15)
    assert elapsed < 3, f"the rival's bid waited {elapsed:.1f} s for the leader's lock"
    assert placed.bid.accepted and not placed.leading
    assert Bid.objects.get(auction=auction, by_proxy=True).dealer_id == leader.pk
