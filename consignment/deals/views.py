"""The seller's and the dealer's deal pages, rendered on the server (zh-hans first), signed in by the site's session:
the list of my deals (sold, won), and a deal with its price, fee and net, the handover, the timeline and the time
from inspection to handover; the dealer pays from it (the provider's pay page, then back here) and files a claim.

Forms post back to the page, which calls the same services as the API; a refusal is shown on the page. A visitor
gets the sign-in box; a deal that is not the user's is a 404.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError, NotFound
from consignment.deals import claims, paying, selectors, settlement
from consignment.deals.claims import DESCRIPTION_MAX
from consignment.deals.services import DEALER, SELLER
from consignment.models import DealStatus
from payments.models import PaymentStatus
from payments.services import payment_checkout

# What the sign-in box's script says (cms/templates/cms/_signin.html, static/js/chefu.js).
SIGN_IN_TEXTS = {
    "signedInAs": gettext_lazy("Signed in as %(name)s"),
    "signingIn": gettext_lazy("Signing in…"),
    "signInFirst": gettext_lazy("Sign in first."),
    "sessionEnded": gettext_lazy("Your session has ended. Sign in again."),
    "network": gettext_lazy("The network is not answering. Try again."),
    "loading": gettext_lazy("Loading…"),
}


def signed_in_page(view: Callable) -> Callable:
    """The sign-in box for a visitor; the page for anyone signed in (what they may see is the selectors' business)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            texts = {key: str(text) for key, text in SIGN_IN_TEXTS.items()}
            return render(request, "consignment/deals/signin.html", {"texts": texts, "config": {}})
        return view(request, *args, **kwargs)

    return wrapped


def _refusal(error: ApplicationError) -> str:
    fields = (error.details or {}).get("fields") or {}
    return " ".join([str(error.message), *(m for messages in fields.values() for m in messages)])


def _provider() -> str:
    # The sandbox where it is switched on (development, demos, tests), as the booking pages do.
    return "sandbox" if settings.PAYMENT_SANDBOX_ENABLED else "alipay"


@signed_in_page
def deal_list(request: HttpRequest) -> HttpResponse:
    """My deals: the cars I sold and the cars I won. Back from the provider's pay page (``?payment=``), the deal that
    payment is for."""
    payment_id = request.GET.get("payment", "")
    if payment_id.isdigit() and len(payment_id) < 10:
        deal_id = selectors.deal_id_for_payment(user=request.user, payment_id=int(payment_id))
        if deal_id is not None:
            return HttpResponseRedirect(f"{reverse('consignment:deal', args=[deal_id])}?payment={payment_id}")
    deals = list(selectors.deals_for_party(user=request.user)[:100])
    for deal in deals:
        deal.party = selectors.deal_party(deal, request.user)
    return render(
        request,
        "consignment/deals/list.html",
        {
            "sold": [d for d in deals if d.party == SELLER],
            "won": [d for d in deals if d.party == DEALER],
        },
    )


@signed_in_page
def deal_page(request: HttpRequest, deal_id: int) -> HttpResponse:
    """One deal, as its seller or its dealer sees it; the dealer's pay button and claim form."""
    try:
        deal = selectors.deal_get_for_party(user=request.user, deal_id=deal_id)
    except NotFound:
        raise Http404 from None
    error, claim_text, payee_account = None, "", ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pay":
                payment = payment_checkout(
                    payment=paying.deal_pay_open(deal_id=deal.pk, user=request.user, provider=_provider())
                )
                return HttpResponseRedirect(payment.pay_url)
            if action == "payout":
                payee_account = request.POST.get("payee_account", "")
                settlement.deal_payout_retry(deal_id=deal.pk, by=request.user, payee_account=payee_account)
                return HttpResponseRedirect(f"{reverse('consignment:deal', args=[deal.pk])}#payout")
            if action == "claim":
                claim_text = request.POST.get("description", "")
                claims.claim_file(deal_id=deal.pk, user=request.user, description=claim_text)
                return HttpResponseRedirect(f"{reverse('consignment:deal', args=[deal.pk])}#claims")
            error = _("Choose what to do.")
        except ApplicationError as refused:
            error = _refusal(refused)
        deal = selectors.deal_get_for_party(user=request.user, deal_id=deal_id)
    payment_status = None
    payment_id = request.GET.get("payment", "")
    if deal.status == DealStatus.AWAITING_PAYMENT and payment_id.isdigit() and len(payment_id) < 10:
        payment_status = selectors.deal_payment_status(deal=deal, user=request.user, payment_id=int(payment_id))
    # Back from the pay page, the provider's notification may not have arrived yet: the page looks again shortly.
    waiting = payment_status in (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
    minutes = selectors.inspection_to_handover_min(deal)
    return render(
        request,
        "consignment/deals/deal.html",
        {
            "deal": deal,
            "is_dealer": deal.party == DEALER,
            "listing": deal.listing,
            "report": deal.listing.report,
            "handover": selectors.handover_shown(deal),
            "counterparty": selectors.counterparty(deal),
            "net_to_seller": selectors.net_to_seller(deal),
            "duration": None if minutes is None else {"hours": minutes // 60, "minutes": minutes % 60},
            "window_ends": selectors.claim_window(deal),
            "timeline": selectors.timeline(deal),
            "claims": list(deal.claims.all()),
            "may_pay": deal.party == DEALER and deal.status == DealStatus.AWAITING_PAYMENT and not waiting,
            "may_claim": deal.party == DEALER and selectors.claim_may_be_filed(deal),
            "payout": selectors.seller_payout(deal),
            "may_retry_payout": selectors.payout_may_be_retried(deal),
            "payee_account": payee_account,
            "waiting": waiting,
            "payment_failed": payment_status in (PaymentStatus.CLOSED, PaymentStatus.FAILED),
            "error": error,
            "claim_text": claim_text,
            "description_max": DESCRIPTION_MAX,
            "platform_timezone": settings.TIME_ZONE,
        },
    )
