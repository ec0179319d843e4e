"""The platform's NinjaAPI: how it reads bodies, renders JSON and turns every error into the envelope of API.md.

The kernel owns the machinery, not the assembly: ``web.api`` builds the one ``ChefuAPI`` at /api/v1 and mounts
every app's routers on it (an app stands above the kernel, so the kernel never imports one)."""

import collections.abc
import datetime as dt
import functools
import json
import logging
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel, RootModel

from chefu.errors import (
    ApplicationError,
    InternalError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    UnreadableJson,
    UnsupportedMediaType,
    ValidationFailed,
    application_error_response,
    error_response,
    request_refused,
)
from chefu.inputs import text_check


class ChefuJSONEncoder(NinjaJSONEncoder):
    """Aware datetimes leave in the platform's zone with their offset (``2026-11-23T09:30:00+08:00``),
    as API.md shows them; the instant is the same as the UTC one the database holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Looked up once per answer, not per value: an availability list holds about a hundred datetimes.
        self.zone = timezone.get_current_timezone()

    def default(self, o):
        if isinstance(o, dt.datetime) and o.utcoffset() is not None:
            return o.astimezone(self.zone).isoformat()
        return super().default(o)


class ChefuRenderer(JSONRenderer):
    encoder_class = ChefuJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class JsonBody:
    """What an operation reads its JSON body as: the Python types the decoded top-level value may have (``dict`` for
    an object, ``list`` for an array, ``NoneType`` for null), or None when a value of any type is handed to
    validation as it is."""

    types: tuple[type, ...] | None

    # Set on the request by json_body_declared while the operation runs; read by ChefuParser.
    ATTRIBUTE = "chefu_json_body"

    def check(self, data: Any) -> None:
        if self.types is None or isinstance(data, self.types):
            return
        expected = frozenset(self.types) & {dict, list}
        raise ValidationFailed({"__all__": _BODY_TYPE_MESSAGES.get(expected, _("The body is not of the right type."))})

    @classmethod
    def of(cls, operation: Operation) -> "JsonBody | None":
        """What ``operation`` reads its body as; None when it reads none as JSON (no body, or a form or files)."""
        for model in operation.models:
            if model.__ninja_param_source__ != "body" or hasattr(model, "__ninja_body_params__"):
                continue  # not the body, or one read part by part from a multipart form
            name = getattr(model, "__read_from_single_attr__", None)
            if name is None:  # several body parameters: an object holding each under its name
                return cls((dict,))
            return cls(_json_types(model.model_fields[name].annotation))
        return None


_BODY_TYPE_MESSAGES = {
    frozenset({dict}): _("The body must be a JSON object."),
    frozenset({list}): _("The body must be a JSON array."),
    frozenset({dict, list}): _("The body must be a JSON array or object."),
}


def _json_types(annotation: Any) -> tuple[type, ...] | None:
    """The types of decoded JSON a value annotated ``annotation`` is read from, or None for any (a scalar: left to
    pydantic). Objects and arrays are told apart because a ninja Schema reads its fields from any object as
    attributes: a list or a string would pass as an object with every field left out."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _json_types(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        found = [_json_types(member) for member in get_args(annotation)]
        if any(member is None for member in found):
            return None
        return tuple(dict.fromkeys(t for member in found for t in member))
    if annotation is types.NoneType:
        return (types.NoneType,)
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        return _json_types(annotation.model_fields["root"].annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return (dict,)
    container = origin or annotation
    if isinstance(container, type) and issubclass(container, collections.abc.Mapping):
        return (dict,)
    if isinstance(container, type) and issubclass(container, list | tuple | set | frozenset | collections.abc.Sequence):
        return None if issubclass(container, str | bytes) else (list,)
    return None


def json_body_declared(run: Callable) -> Callable:
    """A view decorator of the API (``mode="view"``: it wraps ``Operation.run``): tells ChefuParser what the
    operation reads its body as, decided once per operation."""
    operation = getattr(run, "__self__", None)
    if not isinstance(operation, Operation):
        raise TypeError("json_body_declared must wrap Operation.run itself (add it before any other view decorator)")
    body = JsonBody.of(operation)

    @functools.wraps(run)
    def run_declared(request, *args, **kwargs):
        setattr(request, JsonBody.ATTRIBUTE, body)
        return run(request, *args, **kwargs)

    return run_declared


def _is_json(media_type: str) -> bool:
    media_type = media_type.lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class ChefuParser(Parser):
    """A body an operation reads as JSON is JSON: sent as ``application/json`` (or an ``application/*+json`` type;
    anything else 415: a page on another site may send ``text/plain`` without a CORS preflight), of the type the
    operation reads (an object, or an array where it takes a list; else 422). JSON numbers with a fraction become
    Decimal, never float: money must not lose a cent on the way in (NaN and Infinity are not JSON: 400). Every string
    of a body or form, keys included, passes chefu.inputs' character check (NUL, controls, invisible formatting): 422
    naming the field."""

    def parse_body(self, request):
        # Absent when ninja hands over one part of a multipart form as a request of its own: no type to check there.
        body: JsonBody | None = getattr(request, JsonBody.ATTRIBUTE, None)
        if body is not None and not _is_json(request.content_type or ""):
            raise UnsupportedMediaType()
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constant)
        # ninja wraps whatever this raises in "400 Cannot parse request body"; _http_error unwraps our 415 and 422.
        if body is not None:
            body.check(data)
        text_check(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        text_check(result)
        return result


logger = logging.getLogger("chefu.api")

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Where a value may be of several types, pydantic puts the type it tried into the location: ``list[...]``,
# ``function-wrap[_run_root_validator()]`` (a ninja Schema), ``literal['a','b']``, a model's class name. Our field
# names are snake_case: a part with brackets or a class's name is a type. (A scalar's, ``int`` or ``date``, could be a
# field's: kept.)
_TYPE_IN_LOCATION = re.compile(r"[\[\]()]|^[A-Z][A-Za-z0-9_]*$|^constrained-")


def _is_type(part: Any) -> bool:
    return isinstance(part, str) and _TYPE_IN_LOCATION.search(part) is not None


def _field_name(loc: list | tuple) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # Body fields are nested under the handler's parameter name (``payload``): drop it.
        if source in {"body", "form"} and len(parts) > 1:
            parts.pop(0)
    return ".".join(str(p) for p in parts if not _is_type(p)) or "__all__"


def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        message = str(err.get("msg", "Invalid value."))
        message = message.removeprefix("Value error, ")
        fields.setdefault(_field_name(err.get("loc", ())), []).append(message)
    return application_error_response(ValidationFailed(fields))


def _application_error(request, exc: ApplicationError):
    return application_error_response(exc)


def _django_validation_error(request, exc: DjangoValidationError):
    return application_error_response(ValidationFailed.from_django(exc))


def _authentication_error(request, exc):
    response = application_error_response(NotAuthenticated())
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _permission_denied(request, exc):
    return application_error_response(PermissionDenied())


def _not_found(request, exc):
    return application_error_response(NotFound())


def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApplicationError):
        return application_error_response(exc.__cause__)
    if exc.__cause__ is not None:  # ninja could not read the body: not JSON, or nested too deep
        return application_error_response(UnreadableJson())
    return error_response(exc.status_code, None, str(exc))


def _request_refused(request, exc):
    """Django refusing to read a body: over the size limit (a RequestDataTooBig is a SuspiciousOperation), too many
    fields or files, a multipart body without a boundary."""
    return application_error_response(request_refused(request, exc))


def _database_unavailable(request, exc):
    """The database cannot be reached (restarting, failing over) or gave up on the statement (a deadlock, a
    timeout): a fault of the service, not of the request, and one that passes. Whatever the request's own
    transaction held was rolled back; a request sent again with its ``Idempotency-Key`` never does twice what an
    earlier commit did. Logged as any unexpected error."""
    logger.exception("Database error on %s %s", request.method, request.path)
    return application_error_response(ServiceUnavailable())


def _unhandled(request, exc):
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return application_error_response(InternalError())


class ChefuAPI(NinjaAPI):
    """A NinjaAPI that speaks the platform's dialect: ChefuParser for bodies, ChefuRenderer for answers, every
    error rendered as the envelope."""

    _HANDLERS: tuple[tuple[type[Exception], Callable], ...] = (
        (NinjaValidationError, _validation_error),
        (ApplicationError, _application_error),
        (DjangoValidationError, _django_validation_error),
        (AuthenticationError, _authentication_error),
        (DjangoPermissionDenied, _permission_denied),
        (Http404, _not_found),
        (HttpError, _http_error),
        (SuspiciousOperation, _request_refused),
        (MultiPartParserError, _request_refused),
        (BadRequest, _request_refused),
        (OperationalError, _database_unavailable),
        (InterfaceError, _database_unavailable),
        (Exception, _unhandled),
    )

    def __init__(self, **kwargs):
        super().__init__(renderer=ChefuRenderer(), parser=ChefuParser(), **kwargs)
        self.add_decorator(json_body_declared, mode="view")
        for exception, handler in self._HANDLERS:
            self.add_exception_handler(exception, handler)
