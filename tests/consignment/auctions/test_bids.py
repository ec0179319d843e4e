"""Bidding (issue 14, item 4): verified dealers with a deposit held bid at least min_next_bid; proxies bid for them up
to their maximum; a late bid extends the end; every bid is recorded, refused ones too; Idempotency-Key replays."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from consignment.auctions import services
from consignment.dealers import services as dealer_services
from consignment.models import Auction, Bid, ProxyMax
from tests.conftest import error_code
from tests.consignment.factories import make_dealer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bid(client, auction, amount, max_amount=None, **kw):
    body = {"amount": amount} if max_amount is None else {"amount": amount, "max_amount": max_amount}
    return client.post(f"consignment/auctions/{auction.pk}/bids", body, **kw)


def test_a_first_bid_below_the_opening_minimum_is_refused_and_recorded(auction, dealer, dealer_client):
    response = bid(dealer_client, auction, "999.00")
    assert response.status_code == 409 and error_code(response) == "bid_too_low"
    details = response.json()["error"]["details"]
    assert details["min_next_bid"] == "1000.00"
    refused = Bid.objects.get(pk=details["bid_id"])
    assert (refused.accepted, refused.refusal, refused.amount, refused.dealer_id) == (
        False,
        "bid_too_low",
        Decimal("999.00"),
        dealer.pk,
    )
    auction.refresh_from_db()
    assert (auction.highest_amount, auction.bid_count, auction.version) == (None, 0, 1)


def test_an_accepted_bid_leads_and_sets_the_next_minimum_by_tier(auction, dealer, dealer_client):
    response = bid(dealer_client, auction, "49900.00")
    assert response.status_code == 201, response.content
    assert response.json() | {"id": 0} == {
        "id": 0,
        "amount": "49900.00",
        "max_amount": None,
        "highest": True,
        "price": "49900.00",
        "min_next_bid": "50100.00",
        "my_max": "49900.00",
        "bid_count": 1,
        "ends_at": response.json()["ends_at"],
    }
    assert bid(dealer_client, auction, "50100.00").json()["min_next_bid"] == "50600.00"  # ¥500 from ¥50,000
    auction.refresh_from_db()
    assert (auction.highest_amount, auction.highest_dealer_id, auction.version) == (Decimal("50100.00"), dealer.pk, 3)


def test_the_proxy_bids_for_its_dealer_up_to_the_maximum(auction, dealer, dealer_client, make_client):
    # given: a dealer's maximum of 60,000 over an opening of 50,000
    assert bid(dealer_client, auction, "50000.00", "60000.00").json()["price"] == "50000.00"
    rival = make_dealer()
    rival_client = make_client(rival.user)
    # when: a rival bids 50,500 outright, then 60,000 (equal to the maximum, placed later)
    under = bid(rival_client, auction, "50500.00")
    # then: the proxy answers one step above the rival's bid, and keeps the lead at a tie
    assert under.status_code == 201 and under.json()["highest"] is False and under.json()["price"] == "51000.00"
    tie = bid(rival_client, auction, "60000.00")
    assert tie.json()["highest"] is False and tie.json()["price"] == "60000.00"
    # and a rival's maximum above it takes the lead at one step above the first maximum
    over = bid(rival_client, auction, "60500.00", "80000.00")
    assert over.json()["highest"] is True and over.json()["price"] == "60500.00"
    rows = list(Bid.objects.filter(auction=auction, accepted=True).values_list("dealer_id", "amount", "by_proxy"))
    assert rows == [
        (dealer.pk, Decimal("50000.00"), False),
        (rival.pk, Decimal("50500.00"), False),
        (dealer.pk, Decimal("51000.00"), True),
        (rival.pk, Decimal("60000.00"), False),
        (rival.pk, Decimal("60500.00"), False),
    ]
    amounts = [amount for _d, amount, _p in rows]
    assert amounts == sorted(set(amounts)), "accepted amounts strictly increase"
    assert ProxyMax.objects.get(auction=auction, dealer=dealer).max_amount == Decimal("60000.00")
    auction.refresh_from_db()
    assert auction.bid_count == 5


def test_max_below_amount_and_bad_amounts_are_422_and_write_nothing(auction, dealer_client):
    for body in (
        {"amount": "50000.00", "max_amount": "49000.00"},
        {"amount": "-1"},
        {"amount": "0"},
        {"amount": "100.001"},
        {"amount": "1e999999"},
        {"amount": "100000000.00"},
        {"amount": None},
        {"amount": "一万"},
        {},
    ):
        response = dealer_client.post(f"consignment/auctions/{auction.pk}/bids", body)
        assert response.status_code == 422, (body, response.content)
        assert error_code(response) == "validation_error"
    assert not Bid.objects.exists()
    auction.refresh_from_db()
    assert auction.version == 1


def test_a_dealer_not_verified_is_refused_403_and_the_bid_recorded(auction, make_client):
    for dealer in (make_dealer(verified=False), make_dealer(deposit=False)):
        response = bid(make_client(dealer.user), auction, "50000.00")
        assert response.status_code == 403 and error_code(response) == "dealer_not_verified"
        assert Bid.objects.get(dealer=dealer).refusal == "dealer_not_verified"
    auction.refresh_from_db()
    assert auction.highest_amount is None


def test_a_suspended_dealer_is_refused(auction, dealer, dealer_client, qa_user):
    assert bid(dealer_client, auction, "50000.00").status_code == 201
    dealer_services.dealer_suspend(dealer_id=dealer.pk, by=qa_user, reason="违规")
    response = bid(dealer_client, auction, "51000.00")
    assert response.status_code == 403 and error_code(response) == "dealer_not_verified"
    assert response.json()["error"]["details"]["reason"] == "status"


def test_a_user_without_a_dealer_account_is_refused_and_nothing_is_written(auction, owner_client):
    response = bid(owner_client, auction, "50000.00")
    assert response.status_code == 403 and error_code(response) == "dealer_not_verified"
    assert not Bid.objects.exists()


def test_the_seller_cannot_bid_on_their_own_car(auction, seller):
    from tests.conftest import ApiClient, issue_token

    make_dealer(user=seller)
    response = bid(ApiClient(issue_token(seller)), auction, "50000.00")
    assert response.status_code == 403 and error_code(response) == "own_auction"
    assert not Bid.objects.exists()


def test_a_bid_after_the_end_is_refused_auction_closed_and_recorded(auction, dealer, dealer_client):
    past = timezone.now() - dt.timedelta(seconds=1)
    Auction.objects.filter(pk=auction.pk).update(started_at=past - dt.timedelta(minutes=30), ends_at=past)
    late = bid(dealer_client, auction, "50000.00")
    assert late.status_code == 409 and error_code(late) == "auction_closed"
    services.auction_close(auction_id=auction.pk)
    after = bid(dealer_client, auction, "50000.00")
    assert after.status_code == 409 and error_code(after) == "auction_closed"
    assert after.json()["error"]["details"]["status"] == "no_bids"
    assert list(Bid.objects.values_list("refusal", flat=True)) == ["auction_closed", "auction_closed"]


def test_missing_auction_is_404(dealer_client):
    assert dealer_client.post("consignment/auctions/999999/bids", {"amount": "50000.00"}).status_code == 404


def test_a_bid_in_the_last_two_minutes_moves_the_end(auction, dealer_client):
    # given an auction ending in one minute
    ends = timezone.now() + dt.timedelta(minutes=1)
    Auction.objects.filter(pk=auction.pk).update(ends_at=ends)
    # when a dealer bids
    before = timezone.now()
    response = bid(dealer_client, auction, "50000.00")
    after = timezone.now()
    # then the end is two minutes after the bid
    auction.refresh_from_db()
    assert before + dt.timedelta(minutes=2) <= auction.ends_at <= after + dt.timedelta(minutes=2)
    assert dt.datetime.fromisoformat(response.json()["ends_at"]) == auction.ends_at


def test_a_bid_earlier_leaves_the_end(auction, dealer_client):
    ends = auction.ends_at
    bid(dealer_client, auction, "50000.00")
    auction.refresh_from_db()
    assert auction.ends_at == ends


def test_a_late_bid_queues_the_close_again_at_the_new_end(auction, dealer, django_capture_on_commit_callbacks):
    from unittest import mock

    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() + dt.timedelta(seconds=30))
    with mock.patch("chefu.queue.send_now") as send, django_capture_on_commit_callbacks(execute=True):
        placed = services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("50000.00"))
    send.assert_called_once()
    task, calls = send.call_args.args
    assert task == "consignment.auctions.tasks.auction_close_task"
    assert calls == [((auction.pk,), {"eta": placed.auction.ends_at})]


def test_the_same_idempotency_key_replays_the_answer_and_bids_once(auction, dealer_client):
    first = bid(dealer_client, auction, "50000.00", headers={"Idempotency-Key": "tap-1"})
    again = bid(dealer_client, auction, "50000.00", headers={"Idempotency-Key": "tap-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Bid.objects.count() == 1
    # a refusal is replayed too
    low = bid(dealer_client, auction, "50001.00", headers={"Idempotency-Key": "tap-2"})
    low_again = bid(dealer_client, auction, "50001.00", headers={"Idempotency-Key": "tap-2"})
    assert low.status_code == low_again.status_code == 409 and low.json() == low_again.json()
    assert Bid.objects.count() == 2


def test_accepted_amounts_strictly_increase_whatever_the_mix(auction, make_client):
    dealers = [make_dealer() for _ in range(3)]
    clients = [make_client(d.user) for d in dealers]
    plan = [
        (0, "30000.00", "45000.00"),
        (1, "30200.00", None),
        (2, "31000.00", "45000.00"),
        (1, "45200.00", None),
        (2, "45400.00", "90000.00"),
        (0, "46000.00", "47000.00"),
    ]
    for who, amount, maximum in plan:
        bid(clients[who], auction, amount, maximum)
    amounts = list(Bid.objects.filter(auction=auction, accepted=True).order_by("id").values_list("amount", flat=True))
    assert all(a < b for a, b in itertools.pairwise(amounts)), amounts


def test_anonymous_is_401(api, auction):
    assert api.post(f"consignment/auctions/{auction.pk}/bids", {"amount": "50000.00"}).status_code == 401


def test_a_user_signed_in_by_session_bids_with_csrf(auction, dealer):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.get("/")
    assert client.login(phone=dealer.user.phone, password=PASSWORD)
    unprotected = client.post(
        f"/api/v1/consignment/auctions/{auction.pk}/bids", {"amount": "50000.00"}, content_type="application/json"
    )
    assert unprotected.status_code == 403
    assert not Bid.objects.exists()
    UserFactory  # noqa: B018  (users come from the fixtures)
