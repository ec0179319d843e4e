"""What every request may carry, checked once where nothing can go round it.

Text: no field, path or query value holds NUL (PostgreSQL cannot store it), another control character (tab, line
feed and carriage return excepted), a lone surrogate, or an invisible formatting character that makes text display
unlike what it holds (bidirectional overrides and isolates, zero-width spaces, word joiners, the BOM, soft hyphens).
The zero-width joiner and non-joiner stay: emoji sequences and some scripts need them. :class:`InputGuardMiddleware`
checks cookies, path and query values of every page and endpoint; ``chefu.api.ChefuParser`` checks API bodies and
forms.

Time: :data:`Instant` is the one type for a point in time an API takes: with its UTC offset and between
:data:`EARLIEST` and :data:`LATEST`, so that converting it to UTC or adding days to it can never overflow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext
from pydantic import AfterValidator

from chefu.errors import (
    ApplicationError,
    UnreadableCookies,
    ValidationFailed,
    application_error_response,
    is_api_request,
    request_refused,
)

_FORBIDDEN = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls but \t \n \r
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    "\u200b\u200e\u200f"  # zero-width space, left-to-right and right-to-left marks
    "\u2028-\u202e"  # line and paragraph separators, bidirectional embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, bidirectional isolates, deprecated formats
    "\ud800-\udfff"  # lone surrogates (a JSON "\ud800" decodes to one; it cannot be encoded for the database)
    "\ufeff\ufff9-\ufffb"  # BOM, interlinear annotation
    "]"
)

# Instants outside these bounds are typing mistakes or probes; inside them arithmetic of a few centuries is safe.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def text_problem(value: str) -> str | None:
    """Why ``value`` is refused, or None when it holds only characters a field may hold."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return gettext("Remove the NUL character.")
    return gettext("Remove the invisible or control character %(code)s.") % {"code": f"U+{ord(char):04X}"}


def text_problems(data: Any, prefix: tuple = ()) -> dict[str, list[str]]:
    """Every refused string in ``data`` (decoded JSON, or a ``{name: value | [values]}`` form), keys included, by
    the dotted path of its field (``items.0.note``; ``__all__`` for the top level)."""
    problems: dict[str, list[str]] = {}

    def add(path: tuple, message: str) -> None:
        problems.setdefault(".".join(str(p) for p in path) or "__all__", []).append(message)

    def walk(value: Any, path: tuple) -> None:
        if isinstance(value, str):
            if message := text_problem(value):
                add(path, message)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (message := text_problem(key)):
                    add(path, message)
                    continue
                walk(item, (*path, key))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(data, prefix)
    return problems


def text_check(data: Any) -> None:
    """Raise :class:`ValidationFailed` naming each field of ``data`` that holds a refused character."""
    if problems := text_problems(data):
        raise ValidationFailed(problems)


class InputGuardMiddleware:
    """Refuses what a request may not carry before anything reads it: a NUL in the cookies, a query with more
    parameters than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (400 both), a refused character in a query or path value (422
    in the envelope under /api/, naming the field; 400 for pages).

    It answers by itself, wherever it stands in ``MIDDLEWARE``: the envelope is its own, and so is the language
    (the one LocaleMiddleware would choose). Cookies and query are checked on the way in, path values once the URL is
    resolved (``process_view``). Its place is early, before SessionMiddleware: no middleware after it can meet a
    refused cookie or query value, even one that reads the session on the way in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with translation.override(translation.get_language_from_request(request)):
            refusal = _cookies_and_query_refusal(request)
        if refusal is not None:
            return _refusal_response(request, refusal)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        problems = text_problems({str(k): v for k, v in view_kwargs.items()})
        for value in view_args:
            if isinstance(value, str) and (message := text_problem(value)):
                problems.setdefault("__all__", []).append(message)
        if problems:
            return _refusal_response(request, ValidationFailed(problems))
        return None


def _cookies_and_query_refusal(request: HttpRequest) -> ApplicationError | None:
    # The session cookie is looked up in the database once anything touches request.user: NUL there is a 500.
    # Only NUL: other cookies may hold raw UTF-8, which arrives as Latin-1 with C1 characters in it.
    if "\x00" in request.META.get("HTTP_COOKIE", ""):
        return UnreadableCookies()
    try:
        query = request.GET.lists()
    except TooManyFieldsSent as exc:
        return request_refused(request, exc)
    problems: dict[str, list[str]] = {}
    for name, values in query:
        if message := text_problem(name):
            problems.setdefault("__all__", []).append(message)
        for value in values:
            if message := text_problem(value):
                problems.setdefault(name, []).append(message)
    return ValidationFailed(problems) if problems else None


def _refusal_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if is_api_request(request):
        return application_error_response(error)
    return HttpResponseBadRequest()


def _bounded_instant(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(gettext("Give the time with its UTC offset."))
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(
            gettext("Give a time between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.year, "latest": LATEST.year - 1}
        )
    return value


Instant = Annotated[dt.datetime, AfterValidator(_bounded_instant)]
