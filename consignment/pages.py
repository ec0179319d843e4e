"""What the consignment pages share (dealers', sellers' and QA's): rendering with the texts and settings the pages'
scripts read, the sign-in box for a visitor, a refusal in words.

The pages are rendered on the server, zh-hans first, and signed in by the site's session; forms post back to the page,
which calls the same services as the API. The dealer's auction page bids and polls through the JSON API with the
session (``static/js/chefu.js``, ``consignment/static/consignment/auction.js``).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError

# What the scripts say (static/js/chefu.js's sign-in box, consignment/auction.js), in the request's language.
SCRIPT_TEXTS = {
    "signedInAs": gettext_lazy("Signed in as %(name)s"),
    "signingIn": gettext_lazy("Signing in…"),
    "signInFirst": gettext_lazy("Sign in first."),
    "sessionEnded": gettext_lazy("Your session has ended. Sign in again."),
    "network": gettext_lazy("The network is not answering. Try again."),
    "loading": gettext_lazy("Loading…"),
    "bidding": gettext_lazy("Sending your bid…"),
    "bidTaken": gettext_lazy("Bid taken: %(amount)s."),
    "youLead": gettext_lazy("You lead"),
    "outbid": gettext_lazy("Outbid"),
    "notBidYet": gettext_lazy("No bid of yours yet"),
    "ended": gettext_lazy("Ended"),
    "closing": gettext_lazy("Closing…"),
    "met": gettext_lazy("Reserve met"),
    "notMet": gettext_lazy("Reserve not met"),
    "noBids": gettext_lazy("No bids yet"),
    "days": gettext_lazy("%(days)s d %(time)s"),
}


def render_page(request: HttpRequest, template: str, *, http_status: int = 200, **context) -> HttpResponse:
    texts = {key: str(text) for key, text in SCRIPT_TEXTS.items()}
    return render(
        request,
        template,
        {"texts": texts, "config": {}, "platform_timezone": settings.TIME_ZONE, **context},
        status=http_status,
    )


def signed_in_page(hint) -> Callable:
    """A page for signed-in users: a visitor gets the sign-in box with ``hint``, and the page once signed in."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return render_page(request, "consignment/signin.html", hint=hint)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def refusal_text(error: ApplicationError) -> str:
    """The refusal's message and what it says about each field."""
    fields = (error.details or {}).get("fields") or {}
    return " ".join([str(error.message), *(m for messages in fields.values() for m in messages)])


def posted_text(request: HttpRequest, name: str, limit: int = 2000) -> str:
    return request.POST.get(name, "")[:limit]
