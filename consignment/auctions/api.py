"""Auction endpoints under /consignment (API.md, Used-car consignment): the seller starts an auction on a listing
(with the estimate) and decides on a reserve not met; verified dealers list open auctions, follow one by polling it
with ``If-None-Match``, and bid."""

from django.http import HttpResponse, JsonResponse
from django.utils.http import parse_etags
from ninja import Query, Router, Status

from accounts.auth import token_auth
from chefu.api import ChefuJSONEncoder
from chefu.errors import envelope
from chefu.idempotency import idempotent
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from consignment.auctions import selectors, services
from consignment.auctions.estimates import listing_estimate
from consignment.auctions.exceptions import bid_refusal_error
from consignment.auctions.schemas import (
    AuctionBidIn,
    AuctionBidOut,
    AuctionDecisionIn,
    AuctionListOut,
    AuctionListParams,
    AuctionStartIn,
    AuctionStartOut,
    DealerAuctionOut,
    ListingEstimateOut,
    SellerAuctionListOut,
    SellerAuctionOut,
    bid_dict,
    dealer_auction_dict,
    estimate_dict,
    seller_auction_dict,
    seller_summary_dict,
    start_dict,
    summary_dict,
)
from consignment.dealers.selectors import bidder_refusal, dealer_bidder_get
from consignment.models import BidRefusal

router = Router(tags=["consignment"], auth=token_auth)


def _page(queryset, params, shape) -> dict:
    page = paginate(queryset, PageParams(limit=params.limit, offset=params.offset))
    return {"items": [shape(item) for item in page["items"]], "count": page["count"]}


# --- the seller -------------------------------------------------------------------------------------------------------


@router.get(
    "/listings/{int:listing_id}/estimate",
    response={200: ListingEstimateOut, **error_responses(*AUTH, 404)},
    summary="What my car may fetch",
)
def listing_estimate_get(request, listing_id: int):
    """The median and middle half of the prices of comparable deals (same make and model, model year ± 1, odometer
    ± 20,000 km, the last 180 days, none fallen through) and the seller's net at the median; ``median`` null when
    there are fewer than 5. The seller's own listing only. Errors: 401 ``not_authenticated``; 404 ``not_found``."""
    listing = selectors.listing_of_seller(user=request.auth, listing_id=listing_id)
    return estimate_dict(listing_estimate(listing=listing))


@router.post(
    "/listings/{int:listing_id}/auction",
    response={201: AuctionStartOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Put my car to auction",
)
def auction_start(request, listing_id: int, payload: AuctionStartIn):
    """A sealed competition among verified dealers for ``duration_min`` minutes (1-1440, default 30), with a reserve
    they never see. The listing must be a draft (new, or back from an auction that sold nothing). Errors: 401
    ``not_authenticated``; 404 ``not_found`` (not your listing); 409 ``listing_not_available``; 422
    ``validation_error``."""
    auction = services.auction_start(
        listing_id=listing_id,
        seller=request.auth,
        reserve_price=payload.reserve_price,
        duration_min=payload.duration_min,
    )
    estimate = selectors.estimate_at_start(auction)
    return Status(201, start_dict(auction, estimate))


@router.get(
    "/listings/{int:listing_id}/auctions",
    response={200: SellerAuctionListOut, **error_responses(*AUTH, 404, *QUERY)},
    summary="My car's auctions",
)
def listing_auctions(request, listing_id: int, params: Query[PageParams]):
    """The listing's auctions, the latest first, with the reserve. The seller's own listing only. Errors: 401
    ``not_authenticated``; 404 ``not_found``; 422 ``validation_error``."""
    listing = selectors.listing_of_seller(user=request.auth, listing_id=listing_id)
    queryset = selectors.auctions_for_seller(user=request.auth).filter(listing=listing)
    return _page(queryset, params, seller_summary_dict)


def _seller_view(auction_id: int) -> dict:
    auction = selectors.auction_for_view(auction_id=auction_id)
    return seller_auction_dict(
        auction, deal=selectors.live_deal(auction), estimate=selectors.estimate_at_start(auction)
    )


@router.post(
    "/auctions/{int:auction_id}/accept",
    response={200: SellerAuctionOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Accept the highest bid below my reserve",
)
def auction_accept(request, auction_id: int, payload: AuctionDecisionIn | None = None):
    """For an auction that closed ``reserve_not_met``, within 24 hours (``decide_before``): the deal opens at the
    highest bid. Errors: 401 ``not_authenticated``; 404 ``not_found`` (not your auction); 409
    ``invalid_transition`` (not awaiting your decision), ``decision_window_closed``."""
    services.auction_accept(auction_id=auction_id, seller=request.auth)
    return _seller_view(auction_id)


@router.post(
    "/auctions/{int:auction_id}/decline",
    response={200: SellerAuctionOut, **error_responses(*AUTH, *BODY, 404, 409)},
    summary="Decline the highest bid below my reserve",
)
def auction_decline(request, auction_id: int, payload: AuctionDecisionIn | None = None):
    """For an auction that closed ``reserve_not_met``: the car is not sold and its listing is a draft again, to put
    to auction anew. Without a decision in 24 hours the auction is declined by itself. Errors as for accept."""
    services.auction_decline(auction_id=auction_id, seller=request.auth, reason=payload.reason if payload else "")
    return _seller_view(auction_id)


# --- dealers ----------------------------------------------------------------------------------------------------------


@router.get(
    "/auctions",
    response={200: AuctionListOut, **error_responses(*AUTH, 403, *QUERY)},
    summary="Open auctions (dealers)",
)
def auction_list(request, params: Query[AuctionListParams]):
    """For verified dealers with a deposit held: the open auctions, ending soonest first, each with the car's
    summary from its report (make, model, year, mileage, grade, the inspecting store and its city), the price, the
    minimum next bid and your maximum; for a closed ``status``, the auctions you bid in. Errors: 401
    ``not_authenticated``; 403 ``dealer_not_verified``; 422 ``validation_error``."""
    dealer = dealer_bidder_get(user=request.auth)
    queryset = selectors.auctions_for_dealer(dealer=dealer, status=params.status)
    return _page(queryset, params, lambda auction: summary_dict(auction, dealer_id=dealer.pk))


def _etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §8.8.3.2): ``W/"x"`` and ``"x"`` match."""
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


def _view(viewer: selectors.Viewer, auction_id: int) -> dict:
    if viewer.role == selectors.SELLER:
        return _seller_view(auction_id)
    auction = selectors.auction_for_view(auction_id=auction_id)
    return dealer_auction_dict(
        auction,
        dealer_id=viewer.dealer_id,
        my_max=selectors.dealer_max(auction=auction, dealer_id=viewer.dealer_id),
        deal=selectors.live_deal(auction),
    )


@router.get(
    "/auctions/{int:auction_id}",
    response={200: SellerAuctionOut | DealerAuctionOut, 304: None, **error_responses(*AUTH, 403, 404)},
    summary="An auction, polled",
)
def auction_detail(request, auction_id: int):
    """The auction as its seller sees it (with the reserve) or as a dealer who may bid sees it (``reserve_met`` only,
    nothing of the seller; ``my_max`` and ``leading`` are yours). Answers with a weak ``ETag`` for the viewer;
    send it back in ``If-None-Match`` to get 304 while nothing changed (poll every 2 s). Errors: 401
    ``not_authenticated``; 403 ``dealer_not_verified``; 404 ``not_found``."""
    viewer = selectors.auction_viewer(auction_id=auction_id, user=request.auth)
    if _etag_matches(request.headers.get("If-None-Match"), viewer.etag):
        response = HttpResponse(status=304)
    else:
        response = JsonResponse(
            _view(viewer, auction_id), encoder=ChefuJSONEncoder, json_dumps_params={"ensure_ascii": False}
        )
    response["ETag"] = viewer.etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _refusal_details(placed: services.PlacedBid) -> dict:
    details = {"bid_id": placed.bid.pk}
    if placed.bid.refusal == BidRefusal.BID_TOO_LOW:
        details["min_next_bid"] = bid_dict(placed)["min_next_bid"]
    elif placed.bid.refusal == BidRefusal.AUCTION_CLOSED:
        details |= {"status": placed.auction.status, "ends_at": placed.auction.ends_at.isoformat()}
    elif (why := bidder_refusal(placed.bid.dealer)) is not None:
        details |= why.details
    return details


@router.post(
    "/auctions/{int:auction_id}/bids",
    response={201: AuctionBidOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Bid",
)
def bid_create(request, auction_id: int, payload: AuctionBidIn):
    """A bid of ``amount`` (at least ``min_next_bid``), with ``max_amount`` for the platform to bid for you up to it
    (a proxy bid). A bid in the last 2 minutes moves ``ends_at`` to 2 minutes after it. Every bid is recorded,
    refused ones too (``details.bid_id``). Replays the first answer for the same ``Idempotency-Key``. Errors: 401
    ``not_authenticated``; 403 ``dealer_not_verified``, ``own_auction``; 404 ``not_found``; 409 ``bid_too_low``
    (``details.min_next_bid``), ``auction_closed``, ``idempotency_in_progress``; 422 ``validation_error``,
    ``idempotency_key_reused``."""
    user = request.auth

    def work():
        placed = services.bid_place(
            auction_id=auction_id, user=user, amount=payload.amount, max_amount=payload.max_amount
        )
        if placed.bid.accepted:
            return 201, bid_dict(placed)
        error = bid_refusal_error(placed.bid, **_refusal_details(placed))
        return error.status, envelope(error.status, error.code, error.message, error.details)

    return idempotent(request, scope=f"POST /consignment/auctions/{auction_id}/bids", work=work)
