"""Auction shapes (API.md, Used-car consignment): starting one, the estimate, bids, and the auction as its seller and as
a dealer see it. Dealers never see the reserve amount (``reserve_met`` only) nor anything of the seller's."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema

from chefu.money import format_money
from consignment.auctions import rules
from consignment.auctions.estimates import MIN_COMPARABLES, WINDOW, Estimate
from consignment.auctions.services import DURATION_DEFAULT_MIN, DURATION_MAX_MIN, PlacedBid
from consignment.inspection.selectors import report_for_dealer
from consignment.models import Auction, AuctionStatus, Deal

MONEY_IN = {"max_digits": 12, "decimal_places": 2, "allow_inf_nan": False, "examples": ["86000.00"]}
StatusIn = Literal[tuple(AuctionStatus.values)]  # type: ignore[valid-type]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


# --- in ---------------------------------------------------------------------------------------------------------------


class AuctionStartIn(Schema):
    reserve_price: Decimal = Field(..., gt=0, description="CNY; never shown to dealers.", **MONEY_IN)
    duration_min: int = Field(DURATION_DEFAULT_MIN, ge=1, le=DURATION_MAX_MIN)


class AuctionBidIn(Schema):
    amount: Decimal = Field(..., gt=0, description="CNY, at least min_next_bid.", **MONEY_IN)
    max_amount: Decimal | None = Field(
        None,
        gt=0,
        max_digits=12,
        decimal_places=2,
        allow_inf_nan=False,
        description="A proxy bid: the platform bids for you up to this (at least amount). Never shown to others.",
    )


class AuctionDecisionIn(Schema):
    reason: str = Field("", max_length=2000)


class AuctionListParams(Schema):
    status: StatusIn = Field(
        AuctionStatus.OPEN.value, description="open (default): every open auction; a closed status: those you bid in."
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


# --- out --------------------------------------------------------------------------------------------------------------


class ListingEstimateOut(Schema):
    n: int = Field(..., description="Comparable deals found.")
    median: str | None = Field(..., description="Null when there are too few comparable deals to say.")
    low: str | None = Field(..., description="25th percentile of the comparable prices.")
    high: str | None = Field(..., description="75th percentile of the comparable prices.")
    fee: str | None = Field(None, description="The platform's fee at the median (consignment.fees).")
    expected_net: str | None = Field(None, description="What the seller receives at the median: median − fee.")
    min_comparables: int = MIN_COMPARABLES
    window_days: int = WINDOW.days


class AuctionStartOut(Schema):
    auction_id: int
    status: str
    listing_id: int
    started_at: dt.datetime
    ends_at: dt.datetime
    duration_min: int
    reserve_price: str
    estimate: ListingEstimateOut


class AuctionBidOut(Schema):
    id: int
    amount: str
    max_amount: str | None
    highest: bool = Field(..., description="Whether you lead after this bid.")
    price: str = Field(..., description="The auction's current price (highest_bid).")
    min_next_bid: str | None
    my_max: str | None
    bid_count: int
    ends_at: dt.datetime


class AuctionCarOut(Schema):
    make: str
    model: str
    year: int | None
    mileage_km: int
    grade: str
    city: str
    store_name: str


class VersusEstimateOut(Schema):
    median: str
    difference: str = Field(..., description="Winning price − median.")
    percent: str = Field(..., description="(price / median − 1) × 100, one decimal.")


class AuctionDealOut(Schema):
    id: int
    status: str
    price: str
    fee: str
    seller_net: str
    pay_before: dt.datetime


class DealerAuctionOut(Schema):
    """The auction as a dealer sees it."""

    id: int
    status: str
    started_at: dt.datetime
    ends_at: dt.datetime
    closed_at: dt.datetime | None
    highest_bid: str | None
    bid_count: int
    min_next_bid: str | None = Field(..., description="Null once the auction is closed.")
    reserve_met: bool
    leading: bool
    my_max: str | None
    deal_id: int | None = Field(..., description="Your deal, once you won.")
    car: AuctionCarOut
    report: dict


class SellerAuctionOut(Schema):
    """The auction as its seller sees it."""

    id: int
    listing_id: int
    status: str
    started_at: dt.datetime
    ends_at: dt.datetime
    closed_at: dt.datetime | None
    highest_bid: str | None
    bid_count: int
    min_next_bid: str | None
    reserve_price: str
    reserve_met: bool
    decide_before: dt.datetime | None = Field(..., description="reserve_not_met: accept or decline before then.")
    deal_id: int | None
    deal: AuctionDealOut | None
    estimate: ListingEstimateOut | None = Field(..., description="The estimate shown when the auction started.")
    versus_estimate: VersusEstimateOut | None = Field(
        ..., description="The winning price against that estimate, once there is a winning price and a median."
    )
    car: AuctionCarOut
    report: dict


class DealerAuctionSummaryOut(Schema):
    id: int
    status: str
    ends_at: dt.datetime
    highest_bid: str | None
    bid_count: int
    min_next_bid: str | None
    reserve_met: bool
    leading: bool
    my_max: str | None
    car: AuctionCarOut


class AuctionListOut(Schema):
    items: list[DealerAuctionSummaryOut]
    count: int


# --- builders ---------------------------------------------------------------------------------------------------------


def estimate_dict(estimate: Estimate) -> dict:
    return {
        "n": estimate.n,
        "median": _money(estimate.median),
        "low": _money(estimate.low),
        "high": _money(estimate.high),
        "fee": _money(estimate.fee),
        "expected_net": _money(estimate.expected_net),
        "min_comparables": MIN_COMPARABLES,
        "window_days": WINDOW.days,
    }


def start_dict(auction: Auction, estimate: Estimate) -> dict:
    return {
        "auction_id": auction.pk,
        "status": auction.status,
        "listing_id": auction.listing_id,
        "started_at": auction.started_at,
        "ends_at": auction.ends_at,
        "duration_min": auction.duration_min,
        "reserve_price": format_money(auction.reserve_price),
        "estimate": estimate_dict(estimate),
    }


def bid_dict(placed: PlacedBid) -> dict:
    bid, auction = placed.bid, placed.auction
    return {
        "id": bid.pk,
        "amount": format_money(bid.amount),
        "max_amount": _money(bid.max_amount),
        "highest": placed.leading,
        "price": _money(auction.highest_amount),
        "min_next_bid": _money(placed.min_next_bid),
        "my_max": _money(placed.my_max),
        "bid_count": auction.bid_count,
        "ends_at": auction.ends_at,
    }


def car_dict(auction: Auction) -> dict:
    listing = auction.listing
    report = listing.report
    return {
        "make": listing.make,
        "model": listing.model,
        "year": listing.year,
        "mileage_km": listing.mileage_km,
        "grade": report.grade,
        "city": report.store.city,
        "store_name": report.store.name,
    }


def _min_next(auction: Auction) -> Decimal | None:
    return rules.min_next_bid(auction.highest_amount) if auction.status == AuctionStatus.OPEN else None


def _reserve_met(auction: Auction) -> bool:
    return auction.highest_amount is not None and auction.highest_amount >= auction.reserve_price


def _common(auction: Auction) -> dict:
    return {
        "id": auction.pk,
        "status": auction.status,
        "started_at": auction.started_at,
        "ends_at": auction.ends_at,
        "closed_at": auction.closed_at,
        "highest_bid": _money(auction.highest_amount),
        "bid_count": auction.bid_count,
        "min_next_bid": _money(_min_next(auction)),
        "reserve_met": _reserve_met(auction),
        "car": car_dict(auction),
        "report": report_for_dealer(report_id=auction.listing.report_id),
    }


def dealer_auction_dict(auction: Auction, *, dealer_id: int, my_max: Decimal | None, deal: Deal | None) -> dict:
    """What a dealer sees: no reserve amount, nothing of the seller; ``deal_id`` only when the deal is theirs."""
    return {
        **_common(auction),
        "leading": auction.highest_dealer_id == dealer_id,
        "my_max": _money(my_max),
        "deal_id": deal.pk if deal is not None and deal.dealer_id == dealer_id else None,
    }


def _versus(price: Decimal | None, estimate: Estimate | None) -> dict | None:
    if price is None or estimate is None or estimate.median is None:
        return None
    difference = price - estimate.median
    percent = (difference / estimate.median * 100).quantize(Decimal("0.1"))
    return {"median": format_money(estimate.median), "difference": format_money(difference), "percent": str(percent)}


def seller_auction_dict(auction: Auction, *, deal: Deal | None, estimate: Estimate | None) -> dict:
    """What the seller sees: the reserve, the decision deadline, the deal and its net, the estimate shown at the
    start and, once there is a winning price (a deal), that price against it."""
    return {
        **_common(auction),
        "listing_id": auction.listing_id,
        "reserve_price": format_money(auction.reserve_price),
        "decide_before": auction.decide_before,
        "deal_id": deal.pk if deal else None,
        "deal": None
        if deal is None
        else {
            "id": deal.pk,
            "status": deal.status,
            "price": format_money(deal.price),
            "fee": format_money(deal.fee),
            "seller_net": format_money(deal.seller_net),
            "pay_before": deal.pay_before,
        },
        "estimate": estimate_dict(estimate) if estimate else None,
        "versus_estimate": _versus(deal.price if deal else None, estimate),
    }


def summary_dict(auction: Auction, *, dealer_id: int) -> dict:
    """One line of a dealer's list (``my_max`` annotated by the selector)."""
    return {
        "id": auction.pk,
        "status": auction.status,
        "ends_at": auction.ends_at,
        "highest_bid": _money(auction.highest_amount),
        "bid_count": auction.bid_count,
        "min_next_bid": _money(_min_next(auction)),
        "reserve_met": _reserve_met(auction),
        "leading": auction.highest_dealer_id == dealer_id,
        "my_max": _money(auction.my_max),
        "car": car_dict(auction),
    }


class SellerAuctionSummaryOut(Schema):
    id: int
    listing_id: int
    status: str
    ends_at: dt.datetime
    highest_bid: str | None
    bid_count: int
    reserve_price: str
    reserve_met: bool
    decide_before: dt.datetime | None
    car: AuctionCarOut


class SellerAuctionListOut(Schema):
    items: list[SellerAuctionSummaryOut]
    count: int


def seller_summary_dict(auction: Auction) -> dict:
    return {
        "id": auction.pk,
        "listing_id": auction.listing_id,
        "status": auction.status,
        "ends_at": auction.ends_at,
        "highest_bid": _money(auction.highest_amount),
        "bid_count": auction.bid_count,
        "reserve_price": format_money(auction.reserve_price),
        "reserve_met": _reserve_met(auction),
        "decide_before": auction.decide_before,
        "car": car_dict(auction),
    }


def seconds_left(auction: Auction) -> int:
    """Whole seconds to ``ends_at`` (0 once it is past), for pages rendered on the server."""
    return max(int((auction.ends_at - timezone.now()).total_seconds()), 0)
