"""The QA console's dealers' claims (consignment, issue 14, item 7): the queue with the claims per inspector, and a
claim with its deal and the resolution form. The decisions are consignment's (``consignment.deals.claims``); the
console only shows them and posts QA's choice."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from chefu.errors import ApplicationError
from consignment.deals.claims import NOTE_MAX, claim_resolve
from consignment.deals.selectors import (
    claim_get_for_qa,
    claims_for_qa,
    claims_per_inspector,
    net_to_seller,
    timeline,
)
from consignment.models import ClaimStatus
from quality.console.pages import PAGE_SIZE, qa_page, refusal, render


@qa_page
def claim_queue(request: HttpRequest) -> HttpResponse:
    """Every claim, the open ones first; the claims and upheld claims per inspector beside them."""
    status = request.GET.get("status", ClaimStatus.OPEN)
    if status not in ClaimStatus.values:
        status = ""
    queryset = claims_for_qa(user=request.user, status=status or None)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/console/claims.html",
        page=page,
        status=status,
        statuses=ClaimStatus.choices,
        inspectors=claims_per_inspector(user=request.user),
    )


@qa_page
def claim_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One claim: the dealer's text, the deal's amounts and timeline, and the resolution form (rejected, adjusted
    with an amount refunded to the dealer, or unwound)."""
    try:
        claim = claim_get_for_qa(user=request.user, claim_id=claim_id)
    except ApplicationError:
        raise Http404 from None
    error = None
    if request.method == "POST":
        form = request.POST
        try:
            claim_resolve(
                claim_id=claim.pk,
                by=request.user,
                outcome=form.get("outcome", ""),
                amount=form.get("amount") or None,
                note=form.get("note", "").replace("\x00", ""),
            )
        except ApplicationError as refused:
            error = refusal(refused)
        else:
            return HttpResponseRedirect(reverse("quality:claim", args=[claim.pk]))
    deal = claim.deal
    return render(
        request,
        "quality/console/claim.html",
        claim=claim,
        deal=deal,
        listing=deal.listing,
        net_to_seller=net_to_seller(deal),
        timeline=timeline(deal),
        outcomes=[(value, label) for value, label in ClaimStatus.choices if value != ClaimStatus.OPEN],
        note_max=NOTE_MAX,
        error=error,
        form=request.POST if error else {},
    )
