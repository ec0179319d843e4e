"""Root fixtures: an API client, users with roles and tokens, stores, a clean Redis per test, and the payment
sandbox's keys."""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client, override_settings

from payments.providers import signing
from payments.providers.base import autocommit_baseline
from payments.providers.sandbox import KEY_ROLES
from tests.commits import commits
from tests.factories import PASSWORD, StoreFactory, UserFactory

# ``celery_worker``: a real worker in a thread, for tests that need tasks to run (integration, browser).
pytest_plugins = ["tests.celery_worker"]


class ApiClient:
    """A thin JSON client for /api/v1 that keeps an optional bearer token."""

    def __init__(self, token: str | None = None):
        self._client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        out = dict(headers or {})
        if self.token:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def request(self, method: str, path: str, data=None, *, headers: dict | None = None, **extra):
        """A request's service transactions commit as in production: their on_commit callbacks (domain events,
        queued tasks) run before the answer is built (``tests.commits``)."""
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": self._headers(headers), **extra}
        with commits():
            if method in ("get", "delete"):
                return getattr(self._client, method)(url, data or {}, **kwargs)
            body = json.dumps(data if data is not None else {}, ensure_ascii=False, default=str)
            return getattr(self._client, method)(url, body, content_type="application/json", **kwargs)

    def get(self, path, params=None, **kw):
        return self.request("get", path, params, **kw)

    def post(self, path, data=None, **kw):
        return self.request("post", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self.request("put", path, data, **kw)

    def delete(self, path, **kw):
        return self.request("delete", path, **kw)


def issue_token(user) -> str:
    from accounts.services import token_issue

    return token_issue(phone=user.phone, password=PASSWORD, ip="127.0.0.1").token


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrations' data (categories, the CMS page tree) when it starts.

    A transactional test ends by truncating every table. With serialized rollback the next one reloads
    what the migrations wrote; mixing both kinds breaks that (the plain flush re-creates content types,
    which then clash with the reload), so it is all or nothing, and here it is all.

    Tests marked ``slow`` go first. pytest-django's own hook runs after this one (both are tryfirst; a conftest's
    comes first) and sorts by kind (plain database tests, transactional, none) keeping this order within each, so a
    slow test leads its kind: under pytest-xdist it starts while the other process still has a queue of short ones,
    instead of keeping one process busy for minutes at the end while the other has nothing left.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _quality_default_standards(request):
    """quality is not serialized for the rollback of transactional tests (settings.TEST_NON_SERIALIZED_APPS: a
    trigger keeps published standards as they are), so a flush takes its default standards away: put them back, as
    the data migration made them, and the default rules."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    from quality.defaults import load_default_standards
    from quality.models import Standard, StandardItem

    load_default_standards(Standard, StandardItem)
    # the default rules too, as their data migration wrote them (a flush takes them away as well)
    import_module("quality.migrations.0005_kpis_default_rules").seed(apps, None)
    yield


@pytest.fixture(scope="session", autouse=True)
def _private_media_root(tmp_path_factory):
    """Booking photos (chefu.private_media), whichever test stores one, go to a temporary directory, never the
    developer's var/private-media."""
    with override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private-media")):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters and geocoder results live in Redis (test settings use their own database).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _autocommit_baseline(request):
    """A test run inside one transaction that it rolls back (``django_db`` without ``transaction=True``) stands for
    code run in autocommit: the payment provider check (``payments.providers.base.transaction_open``) sees only the
    transactions the code opens itself."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with contextlib.ExitStack() as stack:
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:
                stack.enter_context(autocommit_baseline(connection.alias))
        yield


@pytest.fixture
def committing(db):
    """For tests that call services directly and look at what their events did: within the test, each service's
    outermost transaction commits as in production, running its on_commit callbacks (``tests.commits``)."""
    with commits():
        yield


@pytest.fixture
def api():
    return ApiClient()


@pytest.fixture
def make_client(db):
    """``make_client(user)``: an ApiClient signed in as ``user``."""

    def _make(user):
        return ApiClient(issue_token(user))

    return _make


@pytest.fixture
def owner(db):
    return UserFactory(roles=["owner"])


@pytest.fixture
def owner_client(owner, make_client):
    return make_client(owner)


@pytest.fixture
def qa_user(db):
    # QA work in their own console (the API and /admin/ with Wagtail permissions): is_staff is for admins only.
    return UserFactory(roles=["qa"])


@pytest.fixture
def qa_client(qa_user, make_client):
    return make_client(qa_user)


@pytest.fixture
def store(db):
    return StoreFactory()


@pytest.fixture
def manager(store):
    from stores.services import membership_add

    user = UserFactory(roles=["owner"])
    membership_add(store=store, user=user, role="manager")
    user.refresh_from_db()
    return user


@pytest.fixture
def manager_client(manager, make_client):
    return make_client(manager)


def error_code(response) -> str:
    return response.json()["error"]["code"]


@dataclass(frozen=True)
class SandboxKeys:
    keys_dir: Path
    merchant_private: str
    merchant_public: str
    platform_private: str
    platform_public: str


@pytest.fixture(scope="session", autouse=True)
def sandbox_keys(tmp_path_factory) -> Iterator[SandboxKeys]:
    """The sandbox's two key pairs, written where the overridden ``PAYMENT_KEYS_DIR``/``PAYMENT_SANDBOX`` say
    for the whole session (autouse: no payments test reads the developer's var/keys)."""
    keys_dir = tmp_path_factory.mktemp("payment-keys")
    pems: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for role in KEY_ROLES:
        pems[f"{role}_private"], pems[f"{role}_public"] = signing.generate_key_pair()
        for kind in ("private", "public"):
            path = keys_dir / f"sandbox-{role}-{kind}.pem"
            path.write_text(pems[f"{role}_{kind}"])
            path.chmod(0o600)
            paths[f"{role}_{kind}_key_path"] = path
    override = override_settings(PAYMENT_KEYS_DIR=keys_dir, PAYMENT_SANDBOX={**settings.PAYMENT_SANDBOX, **paths})
    override.enable()
    yield SandboxKeys(keys_dir=keys_dir, **pems)
    override.disable()
