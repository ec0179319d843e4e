"""The sandbox provider's pay page: what Alipay's cashier is to an Alipay trade, for development, demos and tests.

Only while ``PAYMENT_SANDBOX_ENABLED`` (404 otherwise). Like Alipay's page it asks for no login: the signed request
in the query string (``SandboxProvider.create``'s pay URL) is the authority, and it is checked again on every POST.
Paying or closing does what ``POST /payments/sandbox/{id}/simulate`` does: a signed notification is delivered to our
notify URL by a worker. The payer is then sent to the request's ``return_url``, usually before that notification has
arrived.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from chefu.errors import NotFound
from payments import selectors, services
from payments.models import PaymentStatus
from payments.providers import ProviderError, provider_get

# The buttons, and the result the sandbox notifies for each (``services.sandbox_notification_send``).
ACTIONS = {"pay": "success", "close": "fail"}


def _page(request: HttpRequest, *, state: str, status: int = 200, **context) -> HttpResponse:
    response = render(request, "payments/sandbox_cashier.html", {"state": state, **context}, status=status)
    response.is_html_page = True  # an HTML page under /api/: not wrapped in the JSON error envelope
    return response


@require_http_methods(["GET", "POST"])
def sandbox_cashier(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    if not settings.PAYMENT_SANDBOX_ENABLED:
        raise Http404
    try:
        order = provider_get("sandbox").read_request(request.GET.dict())
    except ProviderError:
        return _page(request, state="refused", status=400)
    if order.out_trade_no != out_trade_no:
        return _page(request, state="refused", status=400)
    try:
        payment = selectors.payment_get_by_trade(provider="sandbox", out_trade_no=out_trade_no)
    except NotFound:
        raise Http404 from None
    context = {"order": order, "return_url": _safe_url(order.return_url)}
    if request.method == "GET":
        return _page(request, state=payment.status, **context)

    result = ACTIONS.get(request.POST.get("action", ""))
    if result is None:
        return _page(request, state="refused", status=400)
    if payment.status != PaymentStatus.PENDING:
        return _page(request, state=payment.status, status=409, **context)
    services.sandbox_notification_send(out_trade_no=out_trade_no, result=result)
    if context["return_url"]:
        return HttpResponseRedirect(context["return_url"])
    return _page(request, state="sent", **context)


def _safe_url(url: str) -> str:
    # Signed by our merchant key, so trusted; still, only ever a web address.
    return url if urlsplit(url).scheme in ("http", "https") else ""
