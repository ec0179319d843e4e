"""Production: no default secrets and no localhost addresses; anything missing raises ImproperlyConfigured at start-up.

`manage.py check --deploy` is clean with these settings (tests/chefu/test_settings.py).
"""

from django.core.exceptions import ImproperlyConfigured

from chefu.observability.logs import logging_config
from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import ALIPAY, LOG_LEVEL, SECRET_KEY, env

DEBUG = False
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters (and not one repeated) in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# One JSON object a line for the log shipper (LOG_FORMAT=plain to read them by eye).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Public addresses: where Wagtail's back office links and payment providers' notifications point. No default.
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL")
PAYMENT_NOTIFY_BASE_URL = env("PAYMENT_NOTIFY_BASE_URL", default=WAGTAILADMIN_BASE_URL)
_PUBLIC_URLS = {"WAGTAILADMIN_BASE_URL": WAGTAILADMIN_BASE_URL, "PAYMENT_NOTIFY_BASE_URL": PAYMENT_NOTIFY_BASE_URL}
for _name, _url in _PUBLIC_URLS.items():
    if not _url.startswith("https://") or any(h in _url for h in ("//localhost", "//127.", "//[::1]")):
        raise ImproperlyConfigured(f"{_name} must be this site's public https:// address in production, not {_url!r}.")

# How many proxies stand in front: it decides both whose X-Forwarded-For entry is the client (throttles, logs)
# and whether X-Forwarded-Proto is believed. Required: 0 means the app is reached directly (TLS ends in gunicorn).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and Prometheus reach each web node directly, over plain HTTP inside the network: no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/(health|ready)$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
# Web nodes keep nothing of their own (deploy/README.md): sessions are read from the cache (Redis) and written
# through to the database, so N nodes behind a proxy share them and a Redis flush signs nobody out; while Redis is
# down they are read from the database (chefu.sessions: Django's cached_db, minus its 500s without the cache).
SESSION_ENGINE = "chefu.sessions"
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[WAGTAILADMIN_BASE_URL])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Payments ---
# A production database keeps its history: seed_demo --reset refuses (demo.payments.purging).
DEMO_RESET_ALLOWED = False
if ALIPAY["app_id"]:
    for _key in ("app_private_key", "public_key"):
        if not (ALIPAY[_key] or ALIPAY[f"{_key}_path"]):
            raise ImproperlyConfigured(
                f"ALIPAY_APP_ID is set: ALIPAY_{_key.upper()} or ALIPAY_{_key.upper()}_PATH is required too."
            )
