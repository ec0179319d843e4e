"""Every operation of the OpenAPI document, fed NUL, huge and malformed values, answers a 4xx (or a 2xx), never a 5xx.

One world (a store with a manager, an owner with a completed, reviewed booking and a pending one, a QA user) so the
handlers are reached past their access checks; each operation is called as the role its path serves, with one bad
value at a time in an otherwise plausible request built from the document's own schemas.
"""

import contextlib
import datetime as dt
import json
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.utils import timezone

from chefu.api import api
from tests.conftest import issue_token
from tests.factories import UserFactory, VehicleFactory
from tests.fakes.nominatim import FakeNominatim

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


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("allOf", "anyOf"):
        if key in schema:
            options = [_resolve(document, s) for s in schema[key] if s.get("type") != "null"]
            if options:
                return {**options[0], **{k: v for k, v in schema.items() if k not in (key, "$ref")}}
    return schema


class World:
    """Real rows for the path parameters, and a signed-in client per role."""

    def __init__(self):
        from reviews import services as review_services
        from stores.services import membership_add
        from tests.payments.test_settlements import new_booking
        from tests.reviews.conftest import RATINGS, done_booking

        self.done = done_booking()
        self.store = self.done.store
        self.owner = self.done.owner
        self.vehicle = VehicleFactory(owner=self.owner)
        self.pending = new_booking(self.store, owner=self.owner, days=3)
        self.manager = UserFactory(roles=["owner"])
        membership_add(store=self.store, user=self.manager, role="manager")
        self.qa = UserFactory(roles=["owner", "qa"])
        self.review = review_services.review_create(
            booking_id=self.done.pk, owner=self.owner, ratings=RATINGS, text="很好", tags=[]
        )
        offering = self.store.offerings.first()
        payment = self.done.payments.first()
        self.ids = {
            "store_id": self.store.pk,
            "booking_id": self.pending.pk,
            "review_id": self.review.pk,
            "payment_id": payment.pk,
            "offering_id": offering.pk if offering else 1,
            "vehicle_id": self.vehicle.pk,
            "number": 1,
            "application_id": 1,
            "message_id": 1,
            "supplement_id": 1,
            "follow_up_id": 1,
            "bay_id": self.store.bays.first().pk,
        }
        # Made up front: a later operation may stop the store offering the service (DELETE .../offerings/...).
        self._fresh = [
            new_booking(self.store, owner=self.owner, days=day, hour=hour).pk
            for day in range(4, 8)
            for hour in (9, 10, 11, 13, 14, 15, 16, 17)
        ]
        self.strings = {
            "provider": "sandbox",
            "service_code": "minor_service",
            "service": "minor_service",
            "part": "reply",
        }
        self.users = {"owner": self.owner, "manager": self.manager, "qa": self.qa}

    def token(self, role: str) -> str:
        return issue_token(self.users[role])

    def fresh_booking(self) -> None:
        """A new pending booking for the next operation: an earlier one may have cancelled or paid the last."""
        self.ids["booking_id"] = self._fresh.pop()

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


def _cases(document: dict, world: World, path: str, operation: dict):
    """(path, query, body bytes, content type) for one operation: one bad value at a time."""
    params = operation.get("parameters", [])
    path_values = {p["name"]: world.plausible(document, p["schema"], p["name"]) for p in params if p["in"] == "path"}
    query = {
        p["name"]: world.plausible(document, p["schema"], p["name"])
        for p in params
        if p["in"] == "query" and p.get("required")
    }
    content = operation.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    body = world.plausible(document, body_schema) if body_schema else None

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
        yield url(path_values), query, b"{}" + b" " * (3 * 1024 * 1024), json_type
    yield url(path_values), query, b"a=1&b=\x00", "application/x-www-form-urlencoded"
    yield url(path_values), query, b"x" * 100, "multipart/form-data"
    if "multipart/form-data" in content:
        boundary = "sweep"
        disposition = f'Content-Disposition: form-data; name="photo"; filename="a{NUL}.jpg"'
        text = f"--{boundary}\r\n{disposition}\r\n\r\nxx\r\n--{boundary}--\r\n"
        yield url(path_values), query, text.encode(), f"multipart/form-data; boundary={boundary}"


def _operations():
    document = api.get_openapi_schema()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


@pytest.fixture
def geocoder(settings):
    """A local Nominatim that knows no place: geocoding answers 404, not 503 for want of the internet."""
    with FakeNominatim({}) as fake:
        settings.GEOCODER = {**settings.GEOCODER, "domain": fake.domain, "scheme": "http", "min_interval_s": 0.0}
        yield fake


def test_no_operation_answers_5xx_to_bad_input(db, geocoder):
    document = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    world = World()
    client = Client(raise_request_exception=False)
    failures: list[str] = []
    calls = 0
    for method, path, operation in _operations():
        role = world.role_for(path)
        if "{booking_id}" in path and method != "get":
            world.fresh_booking()
        # A new token each time: an earlier operation may have signed out (POST /auth/logout).
        headers = {"Authorization": f"Bearer {world.token(role)}"} if operation.get("security") else {}
        for url, query, body, content_type in _cases(document, world, path, operation):
            full = f"{url}?{urlencode(query)}" if query else url
            if path.endswith("/logout"):
                headers = {"Authorization": f"Bearer {world.token(role)}"}  # the last call signed out
            if method in ("get", "delete"):
                response = getattr(client, method)(full, headers=headers)
            else:
                response = getattr(client, method)(full, body, content_type=content_type, headers=headers)
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {full[:200]!r} body={body[:120]!r}: {response.status_code}")
            elif response.status_code == 401 and headers:
                failures.append(f"{method.upper()} {full[:200]!r}: 401, the sweep did not reach the handler")
        if method == "post":
            # The one header the API stores (bookings, payments): NUL and a huge key.
            for key in [NUL, "k" * 10_000, RLO]:
                url, _, plain, _ = next(_cases(document, world, path, operation))
                response = client.post(
                    url, plain, content_type="application/json", headers={**headers, "Idempotency-Key": key}
                )
                calls += 1
                if response.status_code >= 500:
                    failures.append(f"POST {url} Idempotency-Key={key[:20]!r}: {response.status_code}")
    assert calls > 1000
    assert not failures, f"{len(failures)} of {calls} answered 5xx (or were not reached):\n" + "\n".join(failures[:80])
