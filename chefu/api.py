"""The one NinjaAPI at /api/v1: routers per app, and the handlers that render the error envelope."""

import datetime as dt
import json
import logging
from decimal import Decimal

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from accounts.api import auth_router, me_router
from accounts.api_session import session_router
from bookings.api import availability_router, bookings_router
from bookings.api_partner import owner_supplements_router, partner_bookings_router
from bookings.api_qa import qa_bookings_router
from catalog import kinds
from catalog.api import router as catalog_router
from catalog.api_prices import partner_offerings_router, store_prices_router
from catalog.api_quotes import quotes_router
from chefu.errors import (
    ApplicationError,
    ValidationFailed,
    application_error_response,
    error_response,
    request_refused,
)
from chefu.health import router as health_router
from chefu.inputs import text_check
from notifications.api import router as notifications_router
from payments.api import booking_pay_router, payments_router
from payments.api_partner import partner_settlements_router
from reviews.api import (
    booking_review_router,
    partner_reviews_router,
    qa_reviews_router,
    reviews_router,
    store_reviews_router,
)
from stores.api import geo_router, partner_router, qa_router, stores_router


class ChefuJSONEncoder(NinjaJSONEncoder):
    """Aware datetimes leave in the platform's zone with their offset (``2026-11-23T09:30:00+08:00``),
    as API.md shows them; the instant is the same as the UTC one the database holds."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class ChefuRenderer(JSONRenderer):
    encoder_class = ChefuJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class ChefuParser(Parser):
    """JSON numbers with a fraction become Decimal, never float: money must not lose a cent on the way in (NaN and
    Infinity are not JSON: 400). Every string of a body or form, keys included, passes chefu.inputs' character check
    (NUL, controls, invisible formatting): 422 naming the field."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constant)
        # ninja wraps whatever this raises in "400 Cannot parse request body"; _http_error unwraps our 422.
        text_check(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        text_check(result)
        return result


api = NinjaAPI(
    title="Chefu API",
    version="1",
    description="车服 Chefu: partner car-service shops, transparent prices, bookings. See API.md.",
    urls_namespace="api",
    renderer=ChefuRenderer(),
    parser=ChefuParser(),
)
logger = logging.getLogger("chefu.api")

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: list | tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # Body fields are nested under the handler's parameter name (``payload``): drop it.
        if source in {"body", "form"} and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        message = str(err.get("msg", "Invalid value."))
        message = message.removeprefix("Value error, ")
        fields.setdefault(_field_name(err.get("loc", ())), []).append(message)
    return application_error_response(ValidationFailed(fields))


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return application_error_response(exc)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    return application_error_response(ValidationFailed.from_django(exc))


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    response = error_response(
        401, "not_authenticated", "Authentication credentials were not provided or are not valid."
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(DjangoPermissionDenied)
def _permission_denied(request, exc):
    return error_response(403, "permission_denied", "You are not allowed to do this.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApplicationError):
        return application_error_response(exc.__cause__)
    return error_response(exc.status_code, None, str(exc))


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
def _request_refused(request, exc):
    """Django refusing to read a body: over the size limit (a RequestDataTooBig is a SuspiciousOperation), too many
    fields or files, a multipart body without a boundary."""
    return application_error_response(request_refused(request, exc))


@api.exception_handler(Exception)
def _unhandled(request, exc):
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Internal server error.")


api.add_router("", health_router)
api.add_router("/auth", auth_router)
api.add_router("/auth", session_router)
api.add_router("/me", me_router)
api.add_router("/me/notifications", notifications_router)
api.add_router("/catalog", catalog_router)
api.add_router("/stores", stores_router)
api.add_router("/stores", store_prices_router)
api.add_router("/stores", quotes_router)
api.add_router("/stores", availability_router)
api.add_router("/bookings", bookings_router)
api.add_router("/bookings", owner_supplements_router)
api.add_router("/bookings", booking_pay_router)
api.add_router("/payments", payments_router)
api.add_router("/geo", geo_router)
api.add_router("/partner", partner_router)
api.add_router("/partner", partner_offerings_router)
api.add_router("/partner", partner_bookings_router)
api.add_router("/partner", partner_settlements_router)
api.add_router("/qa", qa_router)
api.add_router("/qa", qa_bookings_router)
api.add_router("/bookings", booking_review_router)
api.add_router("/reviews", reviews_router)
api.add_router("/stores", store_reviews_router)
api.add_router("/partner", partner_reviews_router)
api.add_router("/qa", qa_reviews_router)

# Workflow plug-ins (service kinds) may bring their own endpoints, mounted under their code.
for _prefix, _router in kinds.api_routers():
    api.add_router(f"/{_prefix}", _router)
