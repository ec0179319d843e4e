"""What every console page shares, the QA console's and the shop's: the sign-in box's texts, the QA gate, rendering,
reading form numbers and dates, and a refusal as one line to show on the page."""

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chefu.errors import ApplicationError, ValidationFailed

PAGE_SIZE = 50

# What the sign-in box's script says (cms/templates/cms/_signin.html, static/js/chefu.js), in the request's language.
SIGN_IN_TEXTS = {
    "signedInAs": gettext_lazy("Signed in as %(name)s"),
    "signingIn": gettext_lazy("Signing in…"),
    "signInFirst": gettext_lazy("Sign in first."),
    "sessionEnded": gettext_lazy("Your session has ended. Sign in again."),
    "network": gettext_lazy("The network is not answering. Try again."),
    "loading": gettext_lazy("Loading…"),
}


def qa_page(view: Callable) -> Callable:
    """The console's pages: the sign-in box for a visitor, 403 for a user who is not QA."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            texts = {key: str(text) for key, text in SIGN_IN_TEXTS.items()}
            return render(request, "quality/console/signin.html", texts=texts, config={})
        if "qa" not in (user.roles or []) and "admin" not in (user.roles or []):
            return render(request, "quality/console/forbidden.html", http_status=403)
        return view(request, *args, **kwargs)

    return wrapped


def render(request: HttpRequest, template: str, http_status: int = 200, **context) -> HttpResponse:
    return django_render(request, template, {"platform_timezone": settings.TIME_ZONE, **context}, status=http_status)


def int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed({"number": _("Give a whole number.")})
    return int(value)


def local_datetime(value: str, field: str) -> dt.datetime | None:
    """A ``datetime-local`` input (no zone) read in the platform's zone; None when empty; 422-style refusal else."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({field: _("Give a date and time.")}) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def refusal(error: ApplicationError) -> str:
    fields = (error.details or {}).get("fields") or {}
    return " ".join([str(error.message), *(m for messages in fields.values() for m in messages)])
