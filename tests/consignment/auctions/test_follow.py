"""Following an auction (issue 14, item 4): verified dealers list the open auctions and poll one with If-None-Match
(304 while nothing changed); dealers never see the reserve amount nor the seller; the seller sees their own auction
with the reserve."""

import json
from decimal import Decimal

import pytest

from consignment.auctions import services
from tests.conftest import error_code
from tests.consignment.factories import make_dealer, published_listing

pytestmark = pytest.mark.django_db


def test_a_dealer_sees_the_car_the_price_and_reserve_met_only(auction, dealer, dealer_client):
    response = dealer_client.get(f"consignment/auctions/{auction.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("status", "highest_bid", "bid_count", "min_next_bid", "reserve_met", "my_max")} == {
        "status": "open",
        "highest_bid": None,
        "bid_count": 0,
        "min_next_bid": "1000.00",
        "reserve_met": False,
        "my_max": None,
    }
    assert body["deal_id"] is None and body["leading"] is False
    assert body["car"] == {
        "make": "大众",
        "model": "朗逸",
        "year": 2019,
        "mileage_km": 42000,
        "grade": "B",
        "city": "上海",
        "store_name": "漕宝路检测中心",
    }
    report = body["report"]
    assert [i["code"] for i in report["items"] if i["result"] in ("minor", "major")] == ["door_front_left"]
    assert report["vin"] == "LSVAU2A37N*****56"
    assert response["ETag"] == f'W/"1-d{dealer.pk}"' and "no-cache" in response["Cache-Control"]


def test_the_reserve_and_the_seller_never_reach_a_dealer(auction, seller, dealer, dealer_client):
    dealer_client.post(f"consignment/auctions/{auction.pk}/bids", {"amount": "85000.00"})
    text = dealer_client.get(f"consignment/auctions/{auction.pk}").content.decode()
    body = json.loads(text)
    assert body["reserve_met"] is True
    assert "reserve_price" not in body and "80000" not in text and "8万" not in text
    for secret in (seller.name, seller.phone, "沪A12345", "seller"):
        assert secret not in text, secret
    listed = dealer_client.get("consignment/auctions").content.decode()
    assert "80000" not in listed and seller.name not in listed and seller.phone not in listed


def test_if_none_match_answers_304_until_something_changes(auction, dealer_client, make_client):
    first = dealer_client.get(f"consignment/auctions/{auction.pk}")
    etag = first["ETag"]
    unchanged = dealer_client.get(f"consignment/auctions/{auction.pk}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    # a rival's bid changes the auction: the next poll gets the new state and a new ETag
    rival = make_client(make_dealer().user)
    rival.post(f"consignment/auctions/{auction.pk}/bids", {"amount": "50000.00"})
    changed = dealer_client.get(f"consignment/auctions/{auction.pk}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["highest_bid"] == "50000.00"
    assert changed["ETag"] != etag
    # the ETag is the viewer's: another dealer's does not match mine
    theirs = rival.get(f"consignment/auctions/{auction.pk}")["ETag"]
    assert theirs != changed["ETag"]
    assert dealer_client.get(f"consignment/auctions/{auction.pk}", headers={"If-None-Match": theirs}).status_code == 200


def test_the_304_is_two_queries_the_token_and_one_indexed_read(auction, dealer_client, django_assert_num_queries):
    etag = dealer_client.get(f"consignment/auctions/{auction.pk}")["ETag"]
    with django_assert_num_queries(2):
        response = dealer_client.get(f"consignment/auctions/{auction.pk}", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_the_full_answer_reads_a_bounded_number_of_queries(auction, dealer_client, django_assert_max_num_queries):
    # The token, the auction with its car, the dealer, the dealer's maximum, the deal, and the report with its items,
    # photos and store (consignment.inspection.selectors.report_for_dealer).
    with django_assert_max_num_queries(10):
        assert dealer_client.get(f"consignment/auctions/{auction.pk}").status_code == 200


def test_who_may_look(auction, owner_client, make_client):
    refused = owner_client.get(f"consignment/auctions/{auction.pk}")
    assert refused.status_code == 403 and error_code(refused) == "dealer_not_verified"
    pending = make_client(make_dealer(verified=False).user).get(f"consignment/auctions/{auction.pk}")
    assert pending.status_code == 403
    assert owner_client.get("consignment/auctions/999999").status_code == 404
    assert owner_client.get(f"consignment/auctions/{10**30}").status_code == 404  # beyond bigint: not found, no 500


def test_the_seller_sees_the_reserve_and_their_own_etag(auction, seller_client):
    response = seller_client.get(f"consignment/auctions/{auction.pk}")
    body = response.json()
    assert body["reserve_price"] == "80000.00" and body["listing_id"] == auction.listing_id
    assert body["estimate"]["median"] is None and body["versus_estimate"] is None
    assert response["ETag"] == 'W/"1-s"'
    again = seller_client.get(f"consignment/auctions/{auction.pk}", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_dealers_list_the_open_auctions_ending_soonest_first(auction, dealer, dealer_client, django_assert_num_queries):
    other = published_listing(make="丰田", model="凯美瑞", year=2020)
    later = services.auction_start(
        listing_id=other.pk, seller=other.seller, reserve_price=Decimal("1.00"), duration_min=60
    )
    dealer_client.post(f"consignment/auctions/{later.pk}/bids", {"amount": "60000.00", "max_amount": "70000.00"})
    with django_assert_num_queries(4):  # the token, the dealer, the count, the page
        body = dealer_client.get("consignment/auctions", {"status": "open"}).json()
    assert body["count"] == 2
    assert [a["id"] for a in body["items"]] == [auction.pk, later.pk]
    second = body["items"][1]
    assert second["car"]["make"] == "丰田" and second["highest_bid"] == "60000.00"
    assert (second["my_max"], second["leading"], second["min_next_bid"]) == ("70000.00", True, "60500.00")
    assert "reserve_price" not in second


def test_the_list_is_for_dealers_who_may_bid(auction, owner_client):
    response = owner_client.get("consignment/auctions")
    assert response.status_code == 403 and error_code(response) == "dealer_not_verified"
