"""QA's dealer page in the QA console: the applications to decide first, every dealer by status, each verified,
rejected, suspended or reinstated with a reason. Writes go through ``consignment.dealers.services``, as the API's do."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from chefu.errors import ApplicationError, NotFound
from consignment.dealers import deposits, selectors, services
from consignment.models import DealerStatus
from consignment.pages import posted_text, refusal_text, render_page, signed_in_page

PAGE_SIZE = 50
ACTIONS = {
    "verify": services.dealer_verify,
    "reject": services.dealer_reject,
    "suspend": services.dealer_suspend,
    "reinstate": services.dealer_reinstate,
    "return_deposit": deposits.dealer_deposit_return,  # a dealer leaving: refunded through payments
}


def _id(value: str | None) -> int:
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 9:
        raise Http404
    return int(value)


@signed_in_page(_("Sign in with your QA account."))
def qa_dealers(request: HttpRequest) -> HttpResponse:
    """Dealer accounts of one status (the applications by default), oldest first, with the applicant, the deposit
    and the history; the decisions each status allows."""
    user = request.user
    if "qa" not in user.roles and "admin" not in user.roles:
        return render_page(request, "consignment/forbidden.html", http_status=403)
    error, failed = None, None
    if request.method == "POST":
        failed = _id(request.POST.get("dealer_id"))
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
        try:
            action(dealer_id=failed, by=user, reason=posted_text(request, "reason"))
        except NotFound:
            raise Http404 from None
        except ApplicationError as refused:
            error = refusal_text(refused)
        else:
            return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status", DealerStatus.APPLIED)
    if status not in DealerStatus.values:
        status = ""
    queryset = selectors.dealers_for_qa(user=user, status=status or None).prefetch_related("events__by")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "consignment/dealers/qa.html",
        page=page,
        status=status,
        statuses=DealerStatus.choices,
        error=error,
        failed=failed,
    )
