"""Starting an auction and the estimate before it (issue 14, items 4-5)."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from consignment.models import Auction, AuctionEvent, Listing
from tests.conftest import error_code
from tests.consignment.factories import past_deal, published_listing

pytestmark = pytest.mark.django_db


def start(client, listing, **body):
    return client.post(f"consignment/listings/{listing.pk}/auction", {"reserve_price": "80000.00", **body})


def test_the_seller_starts_a_30_minute_auction(listing, seller_client):
    with mock.patch("chefu.queue.send_now") as send:
        response = start(seller_client, listing)
    assert response.status_code == 201, response.content
    body = response.json()
    auction = Auction.objects.get(pk=body["auction_id"])
    assert (body["status"], body["duration_min"], body["reserve_price"]) == ("open", 30, "80000.00")
    assert auction.ends_at - auction.started_at == dt.timedelta(minutes=30)
    assert dt.datetime.fromisoformat(body["ends_at"]) == auction.ends_at
    assert Listing.objects.get(pk=listing.pk).status == "auction"
    opening = AuctionEvent.objects.get(auction=auction)
    assert (opening.from_status, opening.to_status) == ("", "open")
    # the close is queued for ends_at once the start commits
    send.assert_called_once_with(
        "consignment.auctions.tasks.auction_close_task",
        [((auction.pk,), {"eta": auction.ends_at})],
        what=f"close of auction {auction.pk}",
    )


def test_a_duration_is_1_to_1440_minutes(listing, seller_client):
    assert start(seller_client, listing, duration_min=1440).json()["duration_min"] == 1440


@pytest.mark.parametrize(
    "body",
    [
        {"duration_min": 0},
        {"duration_min": 1441},
        {"duration_min": "半小时"},
        {"reserve_price": "0"},
        {"reserve_price": "-5"},
        {"reserve_price": "80000.005"},
        {"reserve_price": "100000000.00"},
        {"reserve_price": None},
    ],
)
def test_bad_input_is_422_and_writes_nothing(listing, seller_client, body):
    response = start(seller_client, listing, **body)
    assert response.status_code == 422, response.content
    assert error_code(response) == "validation_error"
    assert not Auction.objects.exists()
    assert Listing.objects.get(pk=listing.pk).status == "draft"


def test_only_the_sellers_own_draft_listing(listing, seller_client, owner_client):
    assert start(owner_client, listing).status_code == 404
    assert seller_client.post("consignment/listings/999999/auction", {"reserve_price": "1.00"}).status_code == 404
    assert start(seller_client, listing).status_code == 201
    again = start(seller_client, listing)
    assert again.status_code == 409 and error_code(again) == "listing_not_available"
    assert again.json()["error"]["details"] == {"status": "auction"}
    assert Auction.objects.count() == 1


def test_the_estimate_from_enough_comparable_deals(listing, seller_client):
    for price in ("70000.00", "74000.00", "76000.00", "80000.00", "90000.00", "95000.00"):
        past_deal(price, mileage_km=50_000, year=2020)
    # not comparable: another model, out of the year or mileage band, too old, fallen through
    past_deal("10000.00", model="帕萨特")
    past_deal("10000.00", year=2016)
    past_deal("10000.00", mileage_km=80_000)
    past_deal("10000.00", days_ago=181)
    past_deal("10000.00", status="defaulted")
    past_deal("10000.00", status="unwound")
    body = seller_client.get(f"consignment/listings/{listing.pk}/estimate").json()
    assert body == {
        "n": 6,
        "median": "78000.00",
        "low": "74500.00",
        "high": "87500.00",
        "fee": "2340.00",
        "expected_net": "75660.00",
        "min_comparables": 5,
        "window_days": 180,
    }


def test_too_few_comparables_say_nothing(listing, seller_client):
    for price in ("70000.00", "74000.00", "76000.00", "80000.00"):
        past_deal(price)
    body = seller_client.get(f"consignment/listings/{listing.pk}/estimate").json()
    assert body["n"] == 4 and body["median"] is None and body["expected_net"] is None


def test_the_estimate_is_the_sellers_only(listing, owner_client, dealer_client):
    assert owner_client.get(f"consignment/listings/{listing.pk}/estimate").status_code == 404
    assert dealer_client.get(f"consignment/listings/{listing.pk}/estimate").status_code == 404


def test_the_sellers_auctions_of_a_listing(listing, seller, seller_client):
    start(seller_client, listing)
    body = seller_client.get(f"consignment/listings/{listing.pk}/auctions").json()
    assert body["count"] == 1 and body["items"][0]["reserve_price"] == "80000.00"
    other = published_listing()
    assert seller_client.get(f"consignment/listings/{other.pk}/auctions").status_code == 404
    assert Decimal(body["items"][0]["reserve_price"]) == Decimal("80000")
