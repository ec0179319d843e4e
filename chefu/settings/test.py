"""Test settings: real PostGIS and Redis, kept apart from the demo's data and queues."""

import os

from django.core.exceptions import ImproperlyConfigured

from chefu import broker
from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import ALIPAY, CACHES, DATABASES, GEOCODER, INSTALLED_APPS, MIDDLEWARE, REDIS_URL, env

DEBUG = False
# Test-only apps that register a service kind and a payment purpose from their AppConfig.ready(): the proof that
# kinds and purposes are plug-ins.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.kinds_app", "tests.purposes_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files are not served in tests (the browser tests use live_server, which serves them itself).
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _redis_db(url: str, db: int) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}" if base.startswith("redis") and "//" in url else url


# Separate Redis databases so a running `make run` never sees test traffic, and vice versa. Two suites run
# side by side pick different TEST_REDIS_DB values (tests flush their cache database). Under pytest-xdist each worker
# process (gw0, gw1, ...) takes its own pair below that one, as pytest-django gives each its own test database.
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_TEST_REDIS_DB = env.int("TEST_REDIS_DB", default=14) - 2 * _XDIST_WORKER
if _TEST_REDIS_DB < 0:
    raise ImproperlyConfigured(f"TEST_REDIS_DB leaves no Redis database for xdist worker {_XDIST_WORKER}.")
CACHES = {
    "default": {**CACHES["default"], "LOCATION": _redis_db(REDIS_URL, _TEST_REDIS_DB), "KEY_PREFIX": "chefu-test"}
}
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=_redis_db(REDIS_URL, _TEST_REDIS_DB + 1))
CELERY_BROKER_TRANSPORT_OPTIONS = broker.transport_options(CELERY_BROKER_URL, visibility_timeout=3600)
# Queue names of their own, so that suites (and xdist processes) sharing one RabbitMQ (tests/celery_process.py) never
# consume each other's tasks; on Redis their databases keep them apart already.
QUEUE_PREFIX = f"test{_TEST_REDIS_DB}."
CELERY_TASK_QUEUES = broker.task_queues(QUEUE_PREFIX)
CELERY_TASK_ROUTES = broker.task_routes(QUEUE_PREFIX)
CELERY_TASK_DEFAULT_QUEUE = CELERY_TASK_DEFAULT_EXCHANGE = CELERY_TASK_DEFAULT_ROUTING_KEY = (
    QUEUE_PREFIX + broker.DEFAULT
)

GEOCODER = {**GEOCODER, "provider": "nominatim", "min_interval_s": 0.0, "timeout_s": 2.0}

# Lets two suites run side by side on one server (e.g. a developer's run while CI runs).
DATABASES = {
    **DATABASES,
    "default": {
        **DATABASES["default"],
        # chefu.db.postgis with a transactional test's flush and reload done in SQL (tests/db_backend)
        "ENGINE": "tests.db_backend",
        "TEST": {"NAME": env("TEST_DATABASE_NAME", default=None)},
    },
}
# A replica only for a run that asks for one (tests/chefu/test_replica.py runs its scenarios so): a developer's
# DATABASE_REPLICA_URL is not for the whole suite.
if not env.bool("TEST_REPLICA", default=False):
    DATABASES.pop("replica", None)

# --- Payments ---
# The sandbox is always on in tests and Alipay off unless a test configures it (a developer's .env must not
# reach the real gateway). The sandbox's keys come from tests/payments/conftest.py, never from var/keys.
PAYMENT_SANDBOX_ENABLED = True
PAYMENT_PROVIDER_CALL_CHECK = "raise"
ALIPAY = {
    **ALIPAY,
    "app_id": "",
    "app_private_key": "",
    "app_private_key_path": "",
    "public_key": "",
    "public_key_path": "",
    "gateway": "",
}
PAYMENT_NOTIFY_BASE_URL = "http://testserver"

# --- Quality ---
# A transactional test's serialized rollback rewrites every row the migrations made; the published standards cannot be
# rewritten (a database trigger keeps them as published), so quality is left out, and tests/conftest.py loads the
# default standards again (quality.defaults) after each transactional test's flush.
TEST_NON_SERIALIZED_APPS = ["quality"]
