"""The auction pages: the dealer's open auctions (and the dealer application), an auction as its dealer sees it (the
report, the live price and countdown, the bid form) or as its seller sees it (the reserve, the decision), and the
seller's form that starts an auction with the estimate and the expected net."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chefu.errors import ApplicationError, NotFound
from chefu.money import format_money
from consignment.auctions import selectors, services
from consignment.auctions.estimates import listing_estimate
from consignment.auctions.schemas import dealer_auction_dict, seconds_left, seller_auction_dict, summary_dict
from consignment.dealers import services as dealer_services
from consignment.dealers.exceptions import DealerNotVerified
from consignment.dealers.selectors import bidder_refusal, dealer_of_user
from consignment.fees import FEE_MAX, FEE_MIN, FEE_RATE
from consignment.inspection.views import report_view
from consignment.models import AuctionStatus, ListingStatus
from consignment.pages import posted_text, refusal_text, render_page, signed_in_page

PAGE_SIZE = 50
# An auction's status as its pages say it (the model's labels are shared words: "Open" is also a complaint's).
STATUS_LABELS = {
    AuctionStatus.OPEN: pgettext_lazy("auction", "Open"),
    AuctionStatus.SOLD: pgettext_lazy("auction", "Sold"),
    AuctionStatus.RESERVE_NOT_MET: pgettext_lazy("auction", "Reserve not met"),
    AuctionStatus.NO_BIDS: pgettext_lazy("auction", "No bids"),
    AuctionStatus.ACCEPTED: pgettext_lazy("auction", "Accepted by the seller"),
    AuctionStatus.DECLINED: pgettext_lazy("auction", "Declined by the seller"),
}


def _clock(seconds: int) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour up: what the page's countdown shows before its script runs."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def _live(auction) -> dict:
    return {"clock": _clock(seconds_left(auction)), "status_label": STATUS_LABELS[auction.status]}


def _config(auction_id: int, etag: str) -> dict:
    return {"auctionId": auction_id, "etag": etag, "api": f"/api/v1/consignment/auctions/{auction_id}"}


@signed_in_page(_("Sign in with your dealer account to see the auctions."))
def dealer_auctions(request: HttpRequest) -> HttpResponse:
    """A dealer who may bid: the open auctions, ending soonest first. Anyone else: where their account stands, or
    the application form."""
    user = request.user
    error = None
    if request.method == "POST":
        try:
            dealer_services.dealer_apply(
                user=user, company=posted_text(request, "company"), license_no=posted_text(request, "license_no", 40)
            )
        except ApplicationError as refused:
            error = refusal_text(refused)
        else:
            return HttpResponseRedirect(request.path)
    dealer = dealer_of_user(user=user)
    refusal = bidder_refusal(dealer)
    auctions = []
    if refusal is None:
        queryset = selectors.auctions_for_dealer(dealer=dealer)[:PAGE_SIZE]
        auctions = [summary_dict(a, dealer_id=dealer.pk) | {"seconds_left": seconds_left(a)} for a in queryset]
    return render_page(
        request,
        "consignment/auctions/list.html",
        dealer=dealer,
        refusal=refusal.details.get("reason") if refusal else None,
        auctions=auctions,
        error=error,
        form=request.POST if error else {},
        deposit=format_money(settings.CONSIGNMENT_DEALER_DEPOSIT),
    )


@signed_in_page(_("Sign in to follow this auction."))
def auction_page(request: HttpRequest, auction_id: int) -> HttpResponse:
    """The auction as its seller or as a dealer who may bid sees it; 403 for anyone else."""
    try:
        viewer = selectors.auction_viewer(auction_id=auction_id, user=request.user)
    except NotFound:
        raise Http404 from None
    except DealerNotVerified:
        return render_page(request, "consignment/forbidden.html", http_status=403)
    if viewer.role == selectors.SELLER:
        return _seller_page(request, auction_id, viewer)
    auction = selectors.auction_for_view(auction_id=auction_id)
    view = dealer_auction_dict(
        auction,
        dealer_id=viewer.dealer_id,
        my_max=selectors.dealer_max(auction=auction, dealer_id=viewer.dealer_id),
        deal=selectors.live_deal(auction),
    )
    return render_page(
        request,
        "consignment/auctions/dealer.html",
        auction=view,
        report=report_view(view["report"]),
        **_live(auction),
        config=_config(auction_id, viewer.etag),
    )


def _seller_page(request: HttpRequest, auction_id: int, viewer: selectors.Viewer) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "accept":
                services.auction_accept(auction_id=auction_id, seller=request.user)
            else:
                services.auction_decline(
                    auction_id=auction_id, seller=request.user, reason=posted_text(request, "reason")
                )
        except ApplicationError as refused:
            error = refusal_text(refused)
        else:
            return HttpResponseRedirect(request.path)
    auction = selectors.auction_for_view(auction_id=auction_id)
    view = seller_auction_dict(
        auction, deal=selectors.live_deal(auction), estimate=selectors.estimate_at_start(auction)
    )
    return render_page(
        request,
        "consignment/auctions/seller.html",
        auction=view,
        report=report_view(view["report"]),
        **_live(auction),
        deciding=auction.status == AuctionStatus.RESERVE_NOT_MET,
        error=error,
        config=_config(auction_id, viewer.etag),
    )


def _duration(value: str):
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 6 else value


@signed_in_page(_("Sign in to put your car to auction."))
def start_page(request: HttpRequest, listing_id: int) -> HttpResponse:
    """The seller's form: the car, the estimate from comparable deals and the net at its median, the reserve and the
    duration. A listing already at auction links to its auction instead."""
    try:
        listing = selectors.listing_of_seller(user=request.user, listing_id=listing_id)
    except NotFound:
        raise Http404 from None
    error = None
    if request.method == "POST":
        try:
            auction = services.auction_start(
                listing_id=listing.pk,
                seller=request.user,
                reserve_price=posted_text(request, "reserve_price", 20).strip().replace(",", ""),
                duration_min=_duration(posted_text(request, "duration_min", 10)),
            )
        except ApplicationError as refused:
            error = refusal_text(refused)
        else:
            return HttpResponseRedirect(reverse("consignment:auction", args=[auction.pk]))
    estimate = listing_estimate(listing=listing)
    return render_page(
        request,
        "consignment/auctions/start.html",
        listing=listing,
        report=listing.report,
        startable=listing.status == ListingStatus.DRAFT,
        latest=selectors.latest_auction_of_listing(listing),
        estimate=estimate,
        fee_rule={"rate": f"{FEE_RATE * 100:.0f}", "min": format_money(FEE_MIN), "max": format_money(FEE_MAX)},
        error=error,
        form=request.POST if error else {"duration_min": services.DURATION_DEFAULT_MIN},
        duration_max=services.DURATION_MAX_MIN,
    )
