"""Schemathesis fuzzes every operation of the live OpenAPI document, as a car owner, a shop manager and QA staff.

The document is loaded from the Django app in process (``from_wsgi``: no network), and every generated request goes
through the same WSGI app, so it meets the real middleware, PostgreSQL and Redis. The world is
``tests/api_seed.py``'s (the OpenAPI sweep's too): a store with services, prices and bays, a completed, paid and
reviewed booking and a pending one; path and query parameters that name an id are drawn half the time from its rows,
so the handlers are reached past their 404s. Each request runs in a savepoint rolled back after it, with the throttles
cleared, so each one meets the world as it was made.

Checks: no 5xx, the answer's status declared, its content type declared, its body valid against the declared schema.
Per operation and role, schemathesis first sends its coverage cases (the explicit phase: boundaries, missing and
wrongly typed values, about 43 requests) and then up to ``CHEFU_SCHEMATHESIS_MAX_EXAMPLES`` generated ones. CI's
default below (75) makes about 9,300 requests per role, some 280 s of CPU (pytest and PostgreSQL, measured on the
two-core machine under load): about five minutes when run alone. ``0`` skips the module.
"""

import collections
import contextlib
import os
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_seed import geocoder_local, throttles_clear, undone, world_kept
from tests.fakes.nominatim import FakeNominatim

MAX_EXAMPLES = int(os.environ.get("CHEFU_SCHEMATHESIS_MAX_EXAMPLES", "75"))
ROLES = ("owner", "manager", "qa")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.skipif(MAX_EXAMPLES <= 0, reason="CHEFU_SCHEMATHESIS_MAX_EXAMPLES=0")

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)

# Requests sent per role, and operations reached; written to CHEFU_SCHEMATHESIS_FIGURES (a path) when the module ends.
_sent: collections.Counter = collections.Counter()
_operations: set[str] = set()

# The seeded world, set by the module's fixture and read by the hooks below while cases are drawn.
_seeded: dict[str, dict] = {"ids": {}, "strings": {}}


def _seeded_values(values: dict | None) -> dict | None:
    """``values`` with every name the world knows (``store_id``, ``booking_id``, ``service``...) set to its row."""
    if not values:
        return values
    known = {**_seeded["ids"], **_seeded["strings"]}
    return {name: known.get(name, value) for name, value in values.items()}


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters):
    return st.sampled_from([path_parameters, _seeded_values(path_parameters)])


@SCHEMA.hook
def flatmap_query(context, query):
    return st.sampled_from([query, _seeded_values(query)])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Made once for the module, rolled back when it ends; each request runs in a savepoint of it."""
    with django_db_blocker.unblock(), world_kept() as made:
        made.tokens = {role: made.token(role) for role in ROLES}
        _seeded["ids"], _seeded["strings"] = made.ids, made.strings
        started = time.monotonic()
        yield made
    figures = os.environ.get("CHEFU_SCHEMATHESIS_FIGURES")
    if figures:
        with open(figures, "w") as out:
            seconds = time.monotonic() - started
            out.write(f"max_examples={MAX_EXAMPLES} operations={len(_operations)} seconds={seconds:.0f}\n")
            out.writelines(f"{role}: {_sent[role]} requests\n" for role in ROLES)


@contextlib.contextmanager
def _connection_kept():
    """Django closes the database connection when a request starts and ends; its test client stops that for its
    requests, and so must this WSGI client, or the first request would end the world's transaction."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


@pytest.fixture(scope="module")
def geocoder_fake():
    with FakeNominatim({}) as fake:
        yield fake


@pytest.fixture
def geocoder(settings, geocoder_fake):
    geocoder_local(settings, geocoder_fake)


@pytest.mark.parametrize("role", ROLES)
@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_keeps_its_contract(case, role, db, world, geocoder):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    throttles_clear()
    with _connection_kept(), undone():
        response = case.call(headers=headers)
    _sent[role] += 1
    _operations.add(case.operation.label)
    case.validate_response(response, checks=CHECKS)
