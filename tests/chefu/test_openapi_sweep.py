"""Every operation of the OpenAPI document, fed NUL, huge and malformed values, answers a 4xx (or a 2xx), never a 5xx;
fed a body of the wrong JSON type (an array or a string for an object), never a 2xx.

One world, made once for the module (tests/api_seed.py: a store with a manager, an owner with a completed, reviewed
booking and a pending one, a QA user; here also an SMS code sent for registering) so the handlers are reached past
their access checks; each operation is called as the role its path serves, with one bad value at a time in a request
that the service would otherwise accept (a real phone, password and code where one is needed), built from the
document's own schemas. Every case is rolled back when it ends and the sign-in throttles are cleared, so each one
meets the world as it was made: the booking still pending, the code not yet used, the phone not yet registered.
"""

import contextlib
import datetime as dt
import json
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.utils import timezone

from tests.api_seed import NEW_PHONE, World, geocoder_local, throttles_clear, undone, world_kept
from tests.factories import PASSWORD, sms_code_sent
from tests.fakes.nominatim import FakeNominatim
from web.api import api

NUL = "\x00"
RLO = "\u202e"
HUGE_TEXT = "车" * 20_000
HUGE_INT = 10**30
EDGE_INSTANTS = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "2026-02-30T10:00"]
EDGE_DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "10000-01-01"]

# JSON numbers Python's json.dumps cannot write (they become Decimal on the way in): written as markers, then swapped.
RAW_NUMBERS = {
    "<1e999999>": b"1e999999",
    "<-1e999999>": b"-1e999999",
    "<1e-999999>": b"1e-999999",
    "<long>": b"123456789012345678901234567890.123456789",
    "<cents>": b"0.001",
}
BAD_STRINGS = [NUL, f"a{NUL}b", HUGE_TEXT, f"{RLO}gpj.exe", "\x07\x1b[2J", "\ud800"]
BAD_QUERY = [NUL, f"a{NUL}", "x" * 5000, RLO, "1e309", "9" * 400, "nan", "-1", "[]"]
# Bodies of the wrong JSON type (an array for an object, a string for either): never an action's 2xx (a ninja Schema
# would read them as an object with every field left out).
WRONG_TYPE_BODIES = [b"[1, 2]", b'"x"']

NEW_PASSWORD = "blue-kettle-sings-7"

# A body of 3 MiB (over DATA_UPLOAD_MAX_MEMORY_SIZE) goes to a few operations that read their bodies differently:
# anonymous JSON, signed-in JSON with a string path parameter, a form, a multipart upload.
BIG_BODY_OPERATIONS = {
    "POST /api/v1/auth/token",
    "POST /api/v1/bookings",
    "PUT /api/v1/partner/stores/{store_id}/offerings/{service_code}",
    "POST /api/v1/payments/notify/{provider}",
    "POST /api/v1/reviews/{review_id}/photos",
}

# The sweep is worth something only where the plain request gets past validation to the service: these must accept
# it (the rest answer what the world makes of it, a 404 or a 409 at worst).
ACCEPTED = {
    "POST /api/v1/auth/sms-code": 202,
    "POST /api/v1/auth/register": 201,
    "POST /api/v1/auth/token": 200,
    "POST /api/v1/auth/session": 200,
    "POST /api/v1/auth/logout": 204,
    "POST /api/v1/bookings": 201,
    "POST /api/v1/bookings/{booking_id}/cancel": 200,
    "POST /api/v1/bookings/{booking_id}/reschedule": 200,
    "POST /api/v1/bookings/{booking_id}/pay": 201,
}


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("allOf", "anyOf"):
        if key in schema:
            options = [_resolve(document, s) for s in schema[key] if s.get("type") != "null"]
            if options:
                return {**options[0], **{k: v for k, v in schema.items() if k not in (key, "$ref")}}
    return schema


class SweepWorld(World):
    """The seeded world, with an SMS code sent for registering and bodies the services accept."""

    def __init__(self):
        super().__init__()
        sent = Client().post(
            "/api/v1/auth/sms-code", {"phone": NEW_PHONE, "purpose": "register"}, content_type="application/json"
        )
        assert sent.status_code == 202, sent.content
        sign_in = {"phone": self.owner.phone, "password": PASSWORD}
        quote = Client().get(
            f"/api/v1/stores/{self.store.pk}/quote",
            {"service": "minor_service", "vehicle_id": self.vehicle.pk},
            headers={"Authorization": f"Bearer {self.token('owner')}"},
        )
        assert quote.status_code == 200, quote.content
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        self.bodies = {
            "POST /api/v1/auth/sms-code": {"phone": NEW_PHONE, "purpose": "register"},
            "POST /api/v1/auth/register": {
                "phone": NEW_PHONE,
                "code": sms_code_sent(NEW_PHONE),
                "password": NEW_PASSWORD,
                "name": "新车主",
            },
            "POST /api/v1/auth/token": sign_in,
            "POST /api/v1/auth/session": sign_in,
            "POST /api/v1/bookings": {
                "store_id": self.store.pk,
                "service_code": "minor_service",
                "vehicle_id": self.vehicle.pk,
                "start": f"{tomorrow.isoformat()}T10:00:00+08:00",
                "expected_total": quote.json()["total"],
            },
            "POST /api/v1/bookings/{booking_id}/pay": {"provider": "sandbox"},
        }

    def role_for(self, path: str) -> str:
        if path.startswith("/api/v1/partner/") and not path.endswith("/applications"):
            return "manager"
        if path.startswith("/api/v1/qa/"):
            return "qa"
        return "owner"

    def plausible(self, document: dict, schema: dict, name: str = ""):
        """A value of ``schema`` that is likely to pass validation (real ids, a start tomorrow)."""
        schema = _resolve(document, schema)
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object":
            return {
                key: self.plausible(document, sub, key)
                for key, sub in schema.get("properties", {}).items()
                if key in schema.get("required", []) or "default" not in sub
            }
        if kind == "array":
            return [self.plausible(document, schema.get("items", {}), name)] * max(1, schema.get("minItems", 1))
        if kind == "integer":
            return self.ids.get(name, max(1, schema.get("minimum", 1)))
        if kind == "number":
            return max(1, schema.get("minimum", 1))
        if kind == "boolean":
            return False
        if schema.get("format") == "date-time":
            tomorrow = timezone.localdate() + dt.timedelta(days=1)
            return f"{tomorrow.isoformat()}T10:00:00+08:00"
        if schema.get("format") == "date":
            return timezone.localdate().isoformat()
        return self.strings.get(name, "x" * max(1, schema.get("minLength", 1)))

    def body(self, document: dict, operation_id: str, schema: dict):
        if operation_id in self.bodies:
            return self.bodies[operation_id]
        return self.plausible(document, schema)


def _bad_values(document: dict, schema: dict) -> list:
    schema = _resolve(document, schema)
    kind = schema.get("type")
    out = [None, {}, [NUL]]
    if kind in ("integer", "number"):
        out += [HUGE_INT, -HUGE_INT, 1e308, "1e309", NUL, True, *RAW_NUMBERS]
    elif schema.get("format") == "date-time":
        out += [*EDGE_INSTANTS, NUL, 1e20]
    elif schema.get("format") == "date":
        out += [*EDGE_DATES, NUL]
    elif kind == "string":
        out += BAD_STRINGS
    elif kind == "array":
        out += [[None] * 1000, NUL]
    elif kind == "object":
        out += [NUL, [1]]
    return out


def _leaves(document: dict, schema: dict, prefix: tuple = ()):
    """(path in the body, schema) of every field, nested objects and first array items included."""
    schema = _resolve(document, schema)
    yield prefix, schema
    if schema.get("type") == "object":
        for key, sub in schema.get("properties", {}).items():
            yield from _leaves(document, sub, (*prefix, key))
    elif schema.get("type") == "array" and "items" in schema:
        yield from _leaves(document, schema["items"], (*prefix, 0))


def _with(value, path: tuple, new):
    if not path:
        return new
    value = json.loads(json.dumps(value)) if isinstance(value, dict | list) else value
    node = value
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, list | dict):
        with contextlib.suppress(IndexError, TypeError):
            node[path[-1]] = new
    return value


def _cases(document: dict, world: SweepWorld, operation_id: str, path: str, operation: dict):
    """(path, query, body bytes, content type) for one operation: first the plain request, then one bad value at a
    time."""
    params = operation.get("parameters", [])
    path_values = {p["name"]: world.plausible(document, p["schema"], p["name"]) for p in params if p["in"] == "path"}
    query = {
        p["name"]: world.plausible(document, p["schema"], p["name"])
        for p in params
        if p["in"] == "query" and p.get("required")
    }
    content = operation.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    body = world.body(document, operation_id, body_schema) if body_schema else None

    def url(values: dict) -> str:
        out = path
        for name, value in values.items():
            out = out.replace("{" + name + "}", quote(str(value), safe=""))
        return out

    def encoded(value) -> bytes:
        raw = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        for marker, number in RAW_NUMBERS.items():
            raw = raw.replace(f'"{marker}"'.encode(), number)
        return raw

    json_type = "application/json"
    plain = encoded(body) if body is not None else b""
    yield url(path_values), query, plain, json_type
    for name in path_values:
        for bad in [NUL, f"1{NUL}", "9" * 30, "0", RLO, "%"]:
            yield url({**path_values, name: bad}), query, plain, json_type
    for p in params:
        if p["in"] == "query":
            for bad in BAD_QUERY:
                yield url(path_values), {**query, p["name"]: bad}, plain, json_type
            yield url(path_values), {**query, f"{p['name']}{NUL}": "1"}, plain, json_type
    if body_schema is not None:
        for leaf, schema in _leaves(document, body_schema):
            for bad in _bad_values(document, schema):
                yield url(path_values), query, encoded(_with(body, leaf, bad)), json_type
        for raw in [b"null", b"[]", b'"\\u0000"', b'{"a": "\\u0000"}', b"[" * 100_000, b'{"x": 1e999999}', b"\x00"]:
            yield url(path_values), query, raw, json_type
        for raw in WRONG_TYPE_BODIES:
            yield url(path_values), query, raw, json_type
    if operation_id in BIG_BODY_OPERATIONS:
        yield url(path_values), query, b"{}" + b" " * (3 * 1024 * 1024), json_type
    yield url(path_values), query, b"a=1&b=\x00", "application/x-www-form-urlencoded"
    yield url(path_values), query, b"x" * 100, "multipart/form-data"
    if "multipart/form-data" in content:
        boundary = "sweep"
        disposition = f'Content-Disposition: form-data; name="photo"; filename="a{NUL}.jpg"'
        text = f"--{boundary}\r\n{disposition}\r\n\r\nxx\r\n--{boundary}--\r\n"
        yield url(path_values), query, text.encode(), f"multipart/form-data; boundary={boundary}"


def _operations(document: dict) -> dict[str, tuple[str, str, dict]]:
    """``{"METHOD path": (method, path, operation)}`` for every operation of the document."""
    return {
        f"{method.upper()} {path}": (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def _document() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


# Generating the document takes most of a second: once for the module.
DOCUMENT = _document()
OPERATIONS = list(_operations(DOCUMENT))


@pytest.fixture(scope="module")
def geocoder_fake():
    with FakeNominatim({}) as fake:
        yield fake


@pytest.fixture
def geocoder(settings, geocoder_fake):
    geocoder_local(settings, geocoder_fake)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), world_kept(SweepWorld) as made:
        yield made


def test_every_operation_of_the_document_is_swept():
    # The tests below are made from the document as it was when this module was imported: the one generated now
    # lists the same operations, and those chosen for the big body and the accepted plain request are still there.
    operations = _operations(_document())

    assert set(OPERATIONS) == set(operations)
    assert set(operations) >= BIG_BODY_OPERATIONS
    assert set(ACCEPTED) <= set(operations)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_no_operation_answers_5xx_to_bad_input(db, world, geocoder, operation_id):
    document = DOCUMENT
    method, path, operation = _operations(document)[operation_id]
    role = world.role_for(path)
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {world.token(role)}"} if operation.get("security") else {}
    cases = [(*case, {}) for case in _cases(document, world, operation_id, path, operation)]
    if method == "post":
        # The one header the API stores (bookings, payments): NUL, a huge key, a bidirectional override.
        url, query, plain, json_type, _ = cases[0]
        cases += [(url, query, plain, json_type, {"Idempotency-Key": key}) for key in [NUL, "k" * 10_000, RLO]]
    failures: list[str] = []
    responses = []
    for url, query, body, content_type, extra_headers in cases:
        full = f"{url}?{urlencode(query)}" if query else url
        throttles_clear()
        with undone():
            if method in ("get", "delete"):
                response = getattr(client, method)(full, headers={**headers, **extra_headers})
            else:
                response = getattr(client, method)(
                    full, body, content_type=content_type, headers={**headers, **extra_headers}
                )
        responses.append(response)
        described = f"{full[:200]!r} body={body[:120]!r} {extra_headers or ''}"
        if response.status_code >= 500:
            failures.append(f"{described}: {response.status_code}")
        elif body in WRONG_TYPE_BODIES and response.status_code < 300:
            failures.append(f"{described}: {response.status_code}, a body of the wrong type accepted")
        elif response.status_code == 401 and headers:
            failures.append(f"{described}: 401, the sweep did not reach the handler")

    assert not failures, f"{len(failures)} of {len(cases)} answered 5xx (or were not reached):\n" + "\n".join(
        failures[:80]
    )
    if operation_id in ACCEPTED:
        assert responses[0].status_code == ACCEPTED[operation_id], responses[0].content
