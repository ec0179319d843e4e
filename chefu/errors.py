"""One error type for the whole platform and the envelope every 4xx/5xx answer carries.

``{"error": {"code": "snake_case", "message": "human text", "details": {...}}}`` (API.md).
Apps subclass :class:`ApplicationError` with a stable ``code`` and an HTTP ``status``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    status: int = 400
    code: str = "bad_request"
    default_message: str = _("The request could not be processed.")
    # Seconds the client should wait before trying again, or None when waiting would not help. When set, the answer
    # carries it as ``Retry-After`` and as ``details.retry_after_s``.
    retry_after_s: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Mapping[str, Any] | None = None,
        retry_after_s: int | None = None,
    ):
        self.message = str(message if message is not None else self.default_message)
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s
        self.details = dict(details or {})
        if self.retry_after_s is not None:
            self.details.setdefault("retry_after_s", self.retry_after_s)
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    """Input that is well-formed but breaks a rule: 422 with ``details.fields``."""

    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")

    def __init__(self, fields: Mapping[str, str | Sequence[str]], message: str | None = None):
        normalized = {
            name: [str(msgs)] if isinstance(msgs, str | Promise) else [str(m) for m in msgs]
            for name, msgs in fields.items()
        }
        super().__init__(message, details={"fields": normalized})

    @classmethod
    def from_django(cls, error: DjangoValidationError) -> ValidationFailed:
        if hasattr(error, "error_dict"):
            fields = {("__all__" if k == "__all__" else k): [str(m) for m in v] for k, v in error.message_dict.items()}
        else:
            fields = {"__all__": [str(m) for m in error.messages]}
        return cls(fields)


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    default_message = _("Authentication credentials were not provided or are not valid.")


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class MethodNotAllowed(ApplicationError):
    status = 405
    code = "method_not_allowed"
    default_message = _("This method is not allowed here.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class Throttled(ApplicationError):
    status = 429
    code = "throttled"
    default_message = _("Too many attempts. Try again later.")

    def __init__(self, retry_after_s: int, message: str | None = None):
        super().__init__(message, retry_after_s=retry_after_s)


class UnreadableRequest(ApplicationError):
    """A request that cannot be read as sent: too many form fields or files, a multipart body without its boundary,
    a NUL in its cookies."""

    status = 400
    code = "bad_request"
    default_message = _("The request body cannot be read.")


class UnreadableJson(UnreadableRequest):
    """A body an operation reads as JSON that is not JSON (or is nested too deep to read)."""

    default_message = _("The request body is not valid JSON.")


class TooManyFields(UnreadableRequest):
    """More form fields or query parameters than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``."""

    default_message = _("The request has too many fields.")


class UnreadableCookies(UnreadableRequest):
    """A NUL in the cookies (the session key would take it to the database)."""

    default_message = _("The request's cookies cannot be read.")


class PayloadTooLarge(ApplicationError):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (files aside: they have their own limit)."""

    status = 413
    code = "payload_too_large"
    default_message = _("The request body is too large.")


class UnsupportedMediaType(ApplicationError):
    """A body an operation reads as JSON sent as anything but JSON. A browser sends ``text/plain`` (or no type) from
    any site without asking first (no CORS preflight); only ``application/json`` makes it ask."""

    status = 415
    code = "unsupported_media_type"
    default_message = _("Send the body as JSON (Content-Type: application/json).")


class InternalError(ApplicationError):
    status = 500
    code = "internal_error"
    default_message = _("Internal server error.")


class ServiceUnavailable(ApplicationError):
    status = 503
    code = "service_unavailable"
    default_message = _("A service this request needs is unavailable. Try again later.")


# What an answer with only a status says: the error of that status, its message in the request's language.
_ERRORS_BY_STATUS: dict[int, type[ApplicationError]] = {
    error.status: error
    for error in (
        ApplicationError,
        NotAuthenticated,
        PermissionDenied,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        Throttled,
        InternalError,
        ServiceUnavailable,
    )
}

# An error message quotes at most this much of what it is about: a value sent may be of any length, and a message
# echoing it whole would make the answer as large as the request.
MESSAGE_MAX_CHARS = 200


def _shortened(message: Any) -> str:
    message = str(message)
    return message if len(message) <= MESSAGE_MAX_CHARS else f"{message[: MESSAGE_MAX_CHARS - 1]}…"


def _details_shortened(details: Mapping | None) -> dict:
    details = dict(details or {})
    fields = details.get("fields")
    if isinstance(fields, Mapping):
        details["fields"] = {
            _shortened(name): [_shortened(m) for m in messages] if isinstance(messages, list | tuple) else messages
            for name, messages in fields.items()
        }
    return details


def envelope(status: int, code: str | None = None, message: str | None = None, details: Mapping | None = None) -> dict:
    """The body of an error answer. Without ``code`` or ``message``, those of the platform's error for ``status``
    (in the active language); every message is cut to ``MESSAGE_MAX_CHARS``."""
    default = _ERRORS_BY_STATUS.get(status) or (InternalError if status >= 500 else ApplicationError)
    code = code or _CODES_BY_STATUS.get(status, default.code)
    message = default.default_message if message is None else message
    return {"error": {"code": code, "message": _shortened(message), "details": _details_shortened(details)}}


# Statuses no error of ours stands for, with a code of their own (the message is the generic one).
_CODES_BY_STATUS = {406: "not_acceptable"}


def error_response(status: int, code: str | None = None, message: str | None = None, details=None) -> JsonResponse:
    return JsonResponse(
        envelope(status, code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def application_error_response(exc: ApplicationError) -> JsonResponse:
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if exc.retry_after_s is not None:
        response["Retry-After"] = str(exc.retry_after_s)
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def request_refused(
    request: HttpRequest, exc: SuspiciousOperation | BadRequest | MultiPartParserError
) -> ApplicationError:
    """Our error for Django refusing to read a request: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (:class:`PayloadTooLarge`), too many fields or query parameters (:class:`TooManyFields`), too many files or a
    multipart body without its boundary (:class:`UnreadableRequest`). A SuspiciousOperation is logged to
    ``django.security.<its name>``, where Django's own handler would have logged it: operators watch that logger."""
    if isinstance(exc, RequestDataTooBig):
        error: ApplicationError = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        error = TooManyFields()
    else:
        error = UnreadableRequest()
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{type(exc).__name__}").error(
            str(exc), extra={"request": request, "status_code": error.status}
        )
    return error


# What a wrapped answer keeps of the original: headers about the exchange, not about the body it replaces
# (Content-Encoding, Content-Disposition or ETag would describe a body that is gone).
_KEPT_HEADERS = {
    "allow",
    "cache-control",
    "content-language",
    "content-security-policy",
    "content-security-policy-report-only",
    "cross-origin-opener-policy",
    "referrer-policy",
    "retry-after",
    "strict-transport-security",
    "vary",
    "www-authenticate",
    "x-content-type-options",
    "x-frame-options",
}


def _is_envelope(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict) and "code" in body["error"]


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Catch-all for unknown paths under /api/: without it CommonMiddleware's APPEND_SLASH answers
    them with a 301 to the slashed path (which the CMS page tree matches) instead of a 404. CSRF-exempt: it does
    nothing, and a POST must hear 404 like a GET, not the CSRF check's 403."""
    return application_error_response(NotFound())


class ApiErrorEnvelopeMiddleware:
    """Wraps every error answer under /api/ that did not come from our handlers (unknown paths, 405 from the router,
    Django's own 400/403/500, a Host header outside ALLOWED_HOSTS) in the envelope, so clients see one shape. A page
    served under /api/ for people (the payment sandbox's pay page) opts out with ``response.is_html_page = True``.

    First in ``MIDDLEWARE``: it sees the answers of the middleware after it too (CommonMiddleware refusing the Host).
    The wrapped answer keeps the cookies and the exchange's headers the others set (security headers, ``Allow``,
    ``Vary``: ``_KEPT_HEADERS``) and speaks the language LocaleMiddleware would choose, which may not have run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400 or getattr(response, "streaming", False):
            return response
        if getattr(response, "is_html_page", False):
            return response
        if _is_envelope(response):
            return response
        with translation.override(translation.get_language_from_request(request)):
            wrapped = error_response(response.status_code)
        for header, value in response.items():
            if header.lower() in _KEPT_HEADERS:
                wrapped[header] = value
        wrapped.cookies = response.cookies
        return wrapped

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_api_request(request):
            return None
        if isinstance(exception, ApplicationError):
            return application_error_response(exception)
        if isinstance(exception, Http404 | DjangoPermissionDenied | BadRequest | SuspiciousOperation):
            # Django answers these with 404/403/400 itself; __call__ then wraps that answer. Bodies under /api/ are
            # read by the API's operations, whose handler answers Django's refusals (request_refused) itself.
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return application_error_response(InternalError())
