"""The demo's used-car consignment (issue 14, item 10): after ``seed_demo`` a sold car with its story, an auction
open during the demo, and the README's dealer account able to sign in and bid."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.services import token_issue
from consignment.models import (
    Auction,
    AuctionStatus,
    Bid,
    Deal,
    Dealer,
    DealEvent,
    DealStatus,
    InspectionReport,
    Listing,
    ListingStatus,
)
from demo.accounts import DEMO_PASSWORD
from payments.models import Payout
from payments.reconciliation import mismatches
from tests.conftest import ApiClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def test_the_demo_has_a_sold_car_an_open_auction_and_a_dealer_who_may_bid():
    out = StringIO()
    call_command("seed_demo", stores=300, quality=False, stdout=out)
    assert "Consignment at #" in out.getvalue() and "13800000005" in out.getvalue()

    # the Corolla's whole story, a week ago: sold, paid, handed over, the seller paid after the claim window
    settled = Deal.objects.get(status=DealStatus.SETTLED)
    assert settled.seller.phone == "13800000001" and settled.listing.status == ListingStatus.SOLD
    assert settled.listing.report.booking.vehicle.plate == "沪B8N706"
    assert settled.dealer.user.phone == "13800000005" and settled.price == Decimal("74500.00")
    assert settled.handover_booking.status == "completed"
    assert settled.handover_booking.service_id == "consignment_handover"
    steps = [e.to_status for e in DealEvent.objects.filter(deal=settled).order_by("at", "id")]
    assert steps[0] == DealStatus.AWAITING_PAYMENT and steps[-1] == DealStatus.SETTLED
    assert {DealStatus.PAID, DealStatus.HANDED_OVER} <= set(steps)
    assert settled.created_at < settled.paid_at < settled.handed_over_at < settled.settled_at < timezone.now()
    assert settled.settled_at - settled.handed_over_at >= dt.timedelta(days=3)
    to_handover = settled.handed_over_at - settled.inspection_started_at
    assert dt.timedelta(hours=12) < to_handover < dt.timedelta(days=3)
    payout = Payout.objects.get(subject=f"deal:{settled.pk}")
    assert payout.status == "paid" and payout.amount == settled.seller_net == settled.price - settled.fee
    assert settled.handed_over_at < payout.completed_at < settled.settled_at

    sold = Auction.objects.get(status=AuctionStatus.SOLD, deals__status=DealStatus.AWAITING_PAYMENT)
    assert sold.listing.status == ListingStatus.DEAL and sold.listing.seller.phone == "13800000001"
    assert set(Bid.objects.filter(auction=sold, accepted=True).values_list("dealer__user__phone", flat=True)) == {
        "13800000005",
        "13800000006",
        "13800000007",
    }
    deal = Deal.objects.get(auction=sold)
    assert deal.listing.report.booking.vehicle.plate == "沪A5K321"
    assert deal.status == DealStatus.AWAITING_PAYMENT and deal.dealer.user.phone == "13800000005"
    assert deal.price == Decimal("66500.00") and deal.pay_before > timezone.now()
    report = InspectionReport.objects.get(listing=sold.listing)
    assert report.published_at is not None and report.items.count() >= 60 and report.booking.status == "completed"

    open_ = Auction.objects.get(status=AuctionStatus.OPEN)
    left = open_.ends_at - timezone.now()
    assert 100 * 60 < left.total_seconds() <= 120 * 60 and open_.listing.seller.phone == "13800000001"
    assert Listing.objects.filter(status=ListingStatus.AUCTION).count() == 1

    for phone in ("13800000005", "13800000006", "13800000007"):
        dealer = Dealer.objects.get(user__phone=phone)
        assert dealer.may_bid and dealer.deposit_status == "held"
    issued = token_issue(phone="13800000005", password=DEMO_PASSWORD, ip="127.0.0.1")
    client = ApiClient(issued.token)
    assert client.get("dealers/me").json()["may_bid"] is True
    state = client.get(f"consignment/auctions/{open_.pk}").json()
    bid = client.post(f"consignment/auctions/{open_.pk}/bids", {"amount": state["min_next_bid"]})
    assert bid.status_code == 201, bid.content
    assert bid.json()["highest"] is True
    assert mismatches() == []

    call_command("seed_demo", stores=300, quality=False, reset=True, stdout=StringIO())  # the reset takes it all
    assert Auction.objects.count() == 3 and Dealer.objects.count() == 3
