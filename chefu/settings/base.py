"""Settings shared by every environment, read from the environment through one ``env`` object.

A ``.env`` file at the repository root (written by ``scripts/setup.sh``) supplies the values on a
development machine; real environment variables win over it.
"""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from chefu import broker
from chefu.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------------

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The pages sign in with Django's session (POST/DELETE /api/v1/auth/session); the API takes that session or a bearer
# token (accounts/auth.py), and a session's unsafe API requests need X-CSRFToken. production.py makes both cookies
# Secure.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
CSRF_COOKIE_SAMESITE = "Lax"
# The pages' script reads it to send X-CSRFToken (no secret from the page itself; its job is against other sites,
# which cannot read it).
CSRF_COOKIE_HTTPONLY = False
# Bodies over this answer 413 payload_too_large, more fields than this 400 (chefu/errors.py); Django's defaults.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)

INSTALLED_APPS = [
    # Chefu
    "accounts",
    "stores",
    "catalog",
    "bookings",
    "payments",
    "reviews",
    "consignment",
    "quality",
    "notifications",
    "search",
    "cms",
    "web",
    "demo",
    "ops",
    "chefu",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "ninja",
    "django_celery_beat",
    "csp",
    "django_prometheus",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # The request's id (X-Request-ID) for its logs and the tasks it queues, and one log line per request: outermost,
    # so that every answer carries it (chefu/observability/middleware.py).
    "chefu.observability.middleware.RequestIdMiddleware",
    # Requests' counts, latencies and statuses (django-prometheus); its "after" half is the last middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Error answers under /api/ in the envelope, whichever middleware gave them (a Host outside ALLOWED_HOSTS is
    # refused by CommonMiddleware): before every middleware that may answer, so that it sees them all (chefu/errors.py).
    "chefu.errors.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL, control and invisible characters in path, query and cookie values: 422 under /api/, 400 for pages
    # (chefu/inputs.py). Before anything that reads the session or a cookie.
    "chefu.inputs.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads on the replica when one is configured, sticky to the primary after a user's write (chefu/db_router.py).
    "chefu.db_router.ReplicaReadsMiddleware",
    # Django's messages, for pages only: the API never shows them (chefu/messages.py).
    "chefu.messages.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.middleware.SiteRedirectMiddleware",
    # Content-Security-Policy: the site's and the back office's (chefu/csp.py).
    "chefu.csp.ChefuCSPMiddleware",
    # django-prometheus's "after" half, without the metrics no one graphs (chefu/observability/prometheus.py).
    "chefu.observability.prometheus.LeanPrometheusAfterMiddleware",
]

# --- Content-Security-Policy (django-csp, chefu/csp.py) ------------------------------------------------------------
# No 'unsafe-inline' for scripts on the site: its scripts are static files, and the data they need sits in
# <script type="application/json"> blocks. NONCE is there for an inline script a page might need
# ({{ request.csp_nonce }}); it only appears in the header when a template used it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # data: and blob: for the previews of photos being uploaded.
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}
# The home search's map (static/js/map.js): a tile URL template for Leaflet ("https://{s}.tile.example.com/{z}/{x}/{y}.png"),
# empty for none (the map then shows the pins, a scale and the search circle on a plain background), and the
# coordinate system its tiles are drawn in: "wgs84", or "gcj02" for Chinese vendors' tiles (pins are shifted to match).
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_CRS = env("MAP_TILE_CRS", default="wgs84")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
if MAP_TILE_CRS not in ("wgs84", "gcj02"):
    raise ValueError(f"MAP_TILE_CRS must be wgs84 or gcj02, not {MAP_TILE_CRS!r}")
if MAP_TILE_URL:
    # The tiles are images from the tile server's origin ({s} subdomains become a wildcard).
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
# The back office and the API's docs: third-party pages with inline scripts and styles.
CSP_BACK_OFFICE_PREFIXES = ["/admin/", "/django-admin/", "/api/v1/docs"]
CONTENT_SECURITY_POLICY_BACK_OFFICE = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    # Wagtail shows avatars from Gravatar and previews embeds (videos) from their sites.
    "img-src": [SELF, "data:", "blob:", "https:"],
    "frame-src": [SELF, "https:"],
    "font-src": [SELF, "data:"],
    # Wagtail's dashboard asks whether a newer Wagtail is out.
    "connect-src": [SELF, "https://releases.wagtail.org"],
}

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "chefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.user_roles",
            ],
        },
    },
]

# --- Data ------------------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", engine="django.contrib.gis.db.backends.postgis")}
# PostGIS, with django-prometheus's counts of connections, queries and their durations, and errors, per alias, and a
# health check that looks at the socket before it asks PostgreSQL (chefu/db/postgis/base.py).
DATABASES["default"]["ENGINE"] = "chefu.db.postgis"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# TCP keepalives (libpq): a connection whose server vanished without closing it (its host lost) fails within about a
# minute instead of waiting on the kernel's two hours, for the health check above and for a query in flight.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
DATABASES["default"]["OPTIONS"] = {**_KEEPALIVES, **DATABASES["default"].get("OPTIONS", {})}
# A streaming replica (scripts/replica.sh) for the web's reads, with read-your-writes: chefu/db_router.py. Unset:
# everything on the primary, as before. A user's reads stay on the primary for REPLICA_STICKY_S seconds after a
# request of theirs wrote: keep it above the replica's worst lag.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ENGINE"] = "chefu.db.postgis"
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["OPTIONS"] = {**_KEEPALIVES, **DATABASES["replica"].get("OPTIONS", {})}
    # Tests read the replica of the test database (its name), never a database of their own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["chefu.db_router.ReplicaRouter"]
REPLICA_STICKY_S = env.int("REPLICA_STICKY_S", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "chefu",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}

# How long a store's day of slots stays in the cache (bookings/engine.py): its key is a digest of what decides it, so
# a change is never served stale; this only bounds the memory kept for lists nobody asks for again.
SLOTS_CACHE_TTL_S = env.int("SLOTS_CACHE_TTL_S", default=600)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledPhoneBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.NotOnlyWhitespacePasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("phone", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language, time, money -------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
CURRENCY = "CNY"

# --- Static and media -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Whether the site itself answers for MEDIA_URL (DEBUG always does). Production leaves it to the web server in front.
MEDIA_SERVED_BY_DJANGO = env.bool("MEDIA_SERVED_BY_DJANGO", default=False)
# Booking photos (chefu/private_media.py): outside MEDIA_ROOT, shown only to the booking's owner, its store's staff
# and QA by bookings.views.booking_photo under PRIVATE_MEDIA_URL. Reviews' photos stay public under MEDIA_URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private-media")
PRIVATE_MEDIA_URL = "/private-media/"
PRIVATE_MEDIA_STORAGE = env("PRIVATE_MEDIA_STORAGE", default="chefu.private_media.PrivateFileSystemStorage")
# nginx's internal location for PRIVATE_MEDIA_ROOT (e.g. "/_private-media/", with `internal; alias
# <PRIVATE_MEDIA_ROOT>/;`): the view then answers with X-Accel-Redirect and nginx sends the file. Empty: Django does.
PRIVATE_MEDIA_ACCEL_REDIRECT = env("PRIVATE_MEDIA_ACCEL_REDIRECT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Celery (configured from Django settings: see chefu/celery.py) -----------------------------------

# Redis by default (development, the demo, tests: one service less to run); production sets
# CELERY_BROKER_URL=amqp://user:password@host:5672/vhost for RabbitMQ (README: "Queues and workers"). Redis stays the
# cache, the throttles' store and the sessions' either way.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# Queues by concern (chefu/broker.py): every task routed by name; a worker consumes the ones named by its -Q.
CELERY_TASK_QUEUES = broker.task_queues()
CELERY_TASK_ROUTES = broker.task_routes()
CELERY_TASK_DEFAULT_QUEUE = broker.DEFAULT
CELERY_TASK_DEFAULT_EXCHANGE = broker.DEFAULT
CELERY_TASK_DEFAULT_ROUTING_KEY = broker.DEFAULT
CELERY_TASK_CREATE_MISSING_QUEUES = False
# The longest ETA (or countdown) a task may be queued with, in seconds. Work due later (a booking's pay_before up to
# 24 h, an auction's end, a deal's deadline) is done by the beat sweeps, which find it from the rows: a worker never
# holds an unacknowledged message for long, which Redis would deliver again after its visibility timeout and RabbitMQ
# would cut off after its consumer_timeout (30 min). See chefu.queue.send_now.
CELERY_ETA_MAX_S = env.int("CELERY_ETA_MAX_S", default=300)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = broker.transport_options(CELERY_BROKER_URL, visibility_timeout=3600)
# A reaction to a domain event (chefu.events) is tried this many times, then kept as dead for someone to look at.
EVENT_DELIVERY_MAX_ATTEMPTS = env.int("EVENT_DELIVERY_MAX_ATTEMPTS", default=10)
# Dead deliveries are kept this long for someone to look at, then purged (chefu.retention).
EVENT_DELIVERY_DEAD_RETENTION_DAYS = env.int("EVENT_DELIVERY_DEAD_RETENTION_DAYS", default=365)

CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables when beat starts (DatabaseScheduler.setup_schedule); times are in
# CELERY_TIMEZONE. A changed entry here overwrites its row at the next start; disabling it in the admin sticks.
CELERY_BEAT_SCHEDULE = {
    "catalog.reference-prices-nightly": {
        "task": "catalog.tasks.reference_prices_nightly_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Unpaid bookings past pay_before (no task waits for a pay_before beyond CELERY_ETA_MAX_S), and outbox messages
    # that are due but undelivered (broker down at commit time, a failed attempt, reminders coming due).
    "bookings.expire-unpaid": {
        "task": "bookings.tasks.bookings_expire_due_task",
        "schedule": 60.0,
    },
    # Reactions to domain events that failed, or whose worker died before they ran (chefu.events).
    "chefu.events-retry-due": {
        "task": "chefu.tasks.events_retry_due_task",
        "schedule": 30.0,
    },
    "chefu.idempotency-purge": {
        "task": "chefu.tasks.idempotency_records_purge_task",
        "schedule": crontab(hour=4, minute=0),
    },
    # Complaints past their deadlines (store's answer 24 h, QA's resolution 72 h): one alert and escalation each.
    "quality.complaints-sla": {
        "task": "quality.tasks.complaints_sla_sweep_task",
        "schedule": 300.0,
    },
    "payments.refunds-pending": {
        "task": "payments.tasks.refunds_pending_sweep_task",
        "schedule": 300.0,
    },
    # Pending payments whose notification has not come: the provider is asked (PAYMENT_QUERY_*).
    "payments.payments-pending-query": {
        "task": "payments.tasks.payments_pending_query_task",
        "schedule": 120.0,
    },
    "payments.payouts-pending": {
        "task": "payments.tasks.payouts_pending_sweep_task",
        "schedule": 300.0,
    },
    "notifications.deliver-due": {
        "task": "notifications.tasks.messages_deliver_due_task",
        "schedule": 30.0,
    },
    # Yesterday's statement for every store that earned (SETTLEMENT_TIME_ZONE days); a re-run issues nothing new.
    "payments.statements-daily": {
        "task": "payments.settlements.statements_daily_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every store's Bayesian rating against the current platform mean (the reviewed store's is kept current by the
    # review itself; the prior every store shares moves a little with each review anywhere).
    "reviews.ratings-refresh": {
        "task": "reviews.tasks.ratings_refresh_task",
        "schedule": crontab(minute=20),
    },
    # The nightly quality run (quality.runs.quality_run): the KPIs of the day that just ended, the rules, the
    # monitors. Asia/Shanghai (CELERY_TIMEZONE).
    "quality.nightly-run": {
        "task": "quality.tasks.quality_run_task",
        "schedule": crontab(hour=3, minute=0),
    },
    # Retention (docs/growth.md): final outbox messages past NOTIFICATION_RETENTION_DAYS, dead event deliveries past
    # EVENT_DELIVERY_DEAD_RETENTION_DAYS, in batches.
    "notifications.messages-purge": {
        "task": "notifications.tasks.messages_purge_task",
        "schedule": crontab(hour=4, minute=20),
    },
    "chefu.event-deliveries-dead-purge": {
        "task": "chefu.tasks.event_deliveries_dead_purge_task",
        "schedule": crontab(hour=4, minute=30),
    },
    "chefu.sessions-clear": {"task": "chefu.tasks.sessions_clear_task", "schedule": crontab(hour=4, minute=40)},
    # SMS codes older than a day (accounts.services.sms_codes_purge).
    "accounts.sms-codes-purge": {
        "task": "accounts.tasks.sms_codes_purge_task",
        "schedule": crontab(hour=4, minute=10),
    },
    # Auctions past ends_at (the close task is queued only for an end minutes away: chefu.queue), and sellers'
    # decisions on a reserve not met past their 24 hours (consignment.auctions.services.auctions_sweep).
    "consignment.auctions-sweep": {
        "task": "consignment.auctions.tasks.auctions_sweep_task",
        "schedule": 60.0,
    },
    # Deals past pay_before (consignment.deals.defaults; a day away, no task waits for it).
    "consignment.deals-default-sweep": {
        "task": "consignment.deals.defaults.deals_default_sweep_task",
        "schedule": 60.0,
    },
    # One alert per corrective action past its due date (quality.actions.actions_overdue_alert).
    "quality.actions-overdue": {
        "task": "quality.tasks.actions_overdue_alert_task",
        "schedule": 900.0,
    },
    # Consignment deals: sellers paid once the 3-day claim window has passed; handovers that could not be booked.
    "consignment.deals-settle-due": {"task": "consignment.deals.tasks.deals_settle_due_task", "schedule": 600.0},
    "consignment.handovers-book-missing": {
        "task": "consignment.deals.tasks.handovers_book_missing_task",
        "schedule": 600.0,
    },
}

# --- Wagtail -----------------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "车服 Chefu"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# Users have phones, not e-mail addresses: resetting a password is an operator's job (create_user).
WAGTAIL_PASSWORD_RESET_ENABLED = False

# --- Chefu -------------------------------------------------------------------------------------------

# Bearer tokens issued by POST /auth/token.
AUTH_TOKEN_TTL_DAYS = env.int("AUTH_TOKEN_TTL_DAYS", default=30)
# Sign-in throttling (accounts/throttling.py), failures counted in a window: per (phone, address), so a stranger
# elsewhere uses up their own tries, not the owner's; per address; and wrong passwords per phone from every address
# together (guessing spread over many addresses), which closes password sign-in only. Wrong SMS codes have counters of
# their own (per (phone, address) and LOGIN_CODE_THROTTLE_MAX_PER_IP per address), never per phone: wrong passwords
# from a shared address never close code sign-in, so nobody can lock an owner out. IPv6 clients count by their /64.
LOGIN_THROTTLE_WINDOW_S = env.int("LOGIN_THROTTLE_WINDOW_S", default=900)
LOGIN_THROTTLE_MAX_PER_PHONE_IP = env.int("LOGIN_THROTTLE_MAX_PER_PHONE_IP", default=5)
LOGIN_THROTTLE_MAX_PER_IP = env.int("LOGIN_THROTTLE_MAX_PER_IP", default=30)
LOGIN_THROTTLE_MAX_PER_PHONE = env.int("LOGIN_THROTTLE_MAX_PER_PHONE", default=50)
LOGIN_CODE_THROTTLE_MAX_PER_IP = env.int("LOGIN_CODE_THROTTLE_MAX_PER_IP", default=30)
# Registration attempts per address and per phone in the window (every attempt counts).
REGISTER_THROTTLE_WINDOW_S = env.int("REGISTER_THROTTLE_WINDOW_S", default=3600)
REGISTER_THROTTLE_MAX_PER_IP = env.int("REGISTER_THROTTLE_MAX_PER_IP", default=20)
REGISTER_THROTTLE_MAX_PER_PHONE = env.int("REGISTER_THROTTLE_MAX_PER_PHONE", default=10)
# SMS verification codes (POST /auth/sms-code): 6 digits, good for SMS_CODE_TTL_S and SMS_CODE_MAX_TRIES tries;
# one per phone per SMS_CODE_MIN_INTERVAL_S, SMS_CODE_MAX_PER_PHONE_PER_DAY per phone per calendar day (TIME_ZONE),
# SMS_CODE_MAX_PER_IP per address per SMS_CODE_IP_WINDOW_S.
SMS_CODE_TTL_S = env.int("SMS_CODE_TTL_S", default=300)
SMS_CODE_MAX_TRIES = env.int("SMS_CODE_MAX_TRIES", default=3)
SMS_CODE_MIN_INTERVAL_S = env.int("SMS_CODE_MIN_INTERVAL_S", default=60)
SMS_CODE_MAX_PER_PHONE_PER_DAY = env.int("SMS_CODE_MAX_PER_PHONE_PER_DAY", default=10)
SMS_CODE_MAX_PER_IP = env.int("SMS_CODE_MAX_PER_IP", default=20)
SMS_CODE_IP_WINDOW_S = env.int("SMS_CODE_IP_WINDOW_S", default=3600)
# Codes the whole platform sends in an hour, every purpose together: a cap on what SMS pumping can cost. Past it
# POST /auth/sms-code answers 429 (password sign-in keeps working).
SMS_CODE_MAX_PER_HOUR = env.int("SMS_CODE_MAX_PER_HOUR", default=2000)
# Number of proxies in front of the app whose X-Forwarded-For entries are trusted (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Geocoding through geopy. Nominatim by default; BaiduV3 when GEOCODER_BAIDU_KEY is set.
GEOCODER = {
    "provider": env("GEOCODER_PROVIDER", default="baiduv3" if env("GEOCODER_BAIDU_KEY", default="") else "nominatim"),
    "baidu_key": env("GEOCODER_BAIDU_KEY", default=""),
    "domain": env("GEOCODER_DOMAIN", default=""),
    "scheme": env("GEOCODER_SCHEME", default="https"),
    "user_agent": env("GEOCODER_USER_AGENT", default="chefu-geocoder/0.1 (+https://github.com/chefu)"),
    "timeout_s": env.float("GEOCODER_TIMEOUT_S", default=3.0),
    # How long a request may queue for the rate limit before answering 503: it holds a web worker.
    "max_wait_s": env.float("GEOCODER_MAX_WAIT_S", default=1.5),
    # Nominatim's usage policy: at most one request per second across all our processes.
    "min_interval_s": env.float("GEOCODER_MIN_INTERVAL_S", default=1.0),
    "cache_ttl_s": env.int("GEOCODER_CACHE_TTL_S", default=30 * 24 * 3600),
}

# --- Observability (README, Operations) -----------------------------------------------------------------------------
# Logs on the console, every record with the request id (X-Request-ID; in a task, the id of the request that queued
# it): "plain" text for a person, or "json", one object a line for a log shipper (production's default).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# GET /metrics (Prometheus, ops/metrics.py): answered to the addresses in these networks (the client's address, as
# TRUSTED_PROXY_COUNT makes it out) or to "Authorization: Bearer <METRICS_TOKEN>" from anywhere; 404 otherwise.
# Several processes (gunicorn's workers, Celery's) add up when PROMETHEUS_MULTIPROC_DIR names a directory they share
# (scripts/serve.sh empties it at start).
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Errors to Sentry when SENTRY_DSN is set (chefu/observability/sentry.py), from the web and the workers; no personal
# data. The release is the checked-out commit unless SENTRY_RELEASE names one.
SENTRY_DSN = env("SENTRY_DSN", default="")
# The environment events are filed under: by default the settings module's name (production, demo, dev).
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default=env("DJANGO_SETTINGS_MODULE", default="").rpartition(".")[2])
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from chefu.observability.sentry import git_release, sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=env("SENTRY_RELEASE", default="") or git_release(BASE_DIR),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# Debian 12 ships GDAL 3.6. The warning is about opening untrusted spatial-reference files, which we never do:
# coordinates reach GDAL/GEOS only as numbers we have validated.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Uploaded photos ---
# Limits chefu.images.image_clean() applies to every photo people upload (checklist answers, extra-work
# proposals, reviews). Pixels guard memory: a small file can declare a huge canvas (decompression bomb).
# `seed_demo --reset` deletes every store, booking, payment and review, append-only history included. Never in
# production (production.py turns it off).
DEMO_RESET_ALLOWED = env.bool("DEMO_RESET_ALLOWED", default=True)

# Reviews (reviews/): the Bayesian prior's weight in reviews, and the owner's windows.
REVIEW_PRIOR_WEIGHT = env.int("REVIEW_PRIOR_WEIGHT", default=10)
REVIEW_WINDOW_DAYS = 30  # after completion, to write the review
REVIEW_EDIT_HOURS = 24  # after writing it, to edit it (and add photos)
REVIEW_FOLLOW_UP_DAYS = 90  # after writing it, for the one follow-up

# Quality (quality/): an audit passes at QUALITY_AUDIT_PASS_MARK (0-100, copied onto each audit when it is created)
# with no failed critical item; a failed item's corrective action is due in QUALITY_ACTION_DAYS days (a critical one
# in QUALITY_ACTION_DAYS_CRITICAL). The planner keeps every active or probation store audited at least once per
# QUALITY_AUDIT_INTERVAL_DAYS, each QA user doing at most QUALITY_AUDITS_PER_WEEK planned audits a week.
QUALITY_AUDIT_PASS_MARK = Decimal(env("QUALITY_AUDIT_PASS_MARK", default="80"))
QUALITY_ACTION_DAYS = env.int("QUALITY_ACTION_DAYS", default=14)
QUALITY_ACTION_DAYS_CRITICAL = env.int("QUALITY_ACTION_DAYS_CRITICAL", default=3)
QUALITY_AUDIT_INTERVAL_DAYS = env.int("QUALITY_AUDIT_INTERVAL_DAYS", default=180)
QUALITY_AUDITS_PER_WEEK = env.int("QUALITY_AUDITS_PER_WEEK", default=10)

PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
# Longer side, in pixels, of the re-encoded photo.
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=2048)
# API uploads are cut off at PHOTO_MAX_BYTES while they stream in (chefu/uploads.py), before Django buffers them.
FILE_UPLOAD_HANDLERS = [
    "chefu.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Notifications ---------------------------------------------------------------------------------
# The outbox (notifications/services.py). Sender class per channel, as dotted paths; NOTIFICATION_SENDER_SMS,
# NOTIFICATION_SENDER_EMAIL and NOTIFICATION_SENDER_IN_APP override one each. A real SMS gateway plugs in as
# NOTIFICATION_SENDER_SMS=notifications.senders.SmsSender with NOTIFICATION_SMS_PROVIDER=<an SmsProvider class>.
NOTIFICATION_SENDERS = {
    "sms": env("NOTIFICATION_SENDER_SMS", default="notifications.senders.LogSender"),
    "email": env("NOTIFICATION_SENDER_EMAIL", default="notifications.senders.LogSender"),
    "in_app": env("NOTIFICATION_SENDER_IN_APP", default="notifications.senders.InAppSender"),
}
NOTIFICATION_SMS_PROVIDER = env("NOTIFICATION_SMS_PROVIDER", default="")
# Attempts per message before it gives up (stays failed with gave_up set; the admin's "retry now" revives it).
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# How long a worker holds a message it is sending; a claim older than this (the worker died) is taken again.
NOTIFICATION_CLAIM_LEASE_S = env.int("NOTIFICATION_CLAIM_LEASE_S", default=300)
# Retry n waits NOTIFICATION_RETRY_BACKOFF_S * 2**(n-1), at most NOTIFICATION_RETRY_BACKOFF_MAX_S.
NOTIFICATION_RETRY_BACKOFF_S = env.int("NOTIFICATION_RETRY_BACKOFF_S", default=60)
NOTIFICATION_RETRY_BACKOFF_MAX_S = env.int("NOTIFICATION_RETRY_BACKOFF_MAX_S", default=3600)
# Sent, cancelled and given-up messages are purged this many days after they were written (notifications.retention);
# an in-app message leaves the inbox with them.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=90)

# --- Payments ---
# Provider classes by code (payments/providers). A listed provider is usable only while it is switched on:
# the sandbox by PAYMENT_SANDBOX_ENABLED, Alipay by ALIPAY_APP_ID being set.
PAYMENT_PROVIDERS = {
    "sandbox": "payments.providers.sandbox.SandboxProvider",
    "alipay": "payments.providers.alipay.AlipayProvider",
}
# The sandbox behaves like Alipay against key pairs of its own, and would let anyone mark a payment paid: off unless
# switched on (the demo and test settings do).
PAYMENT_SANDBOX_ENABLED = env.bool("PAYMENT_SANDBOX_ENABLED", default=False)
# Where `manage.py payment_keys` writes the sandbox's key pairs (mode 600, the directory 700).
PAYMENT_KEYS_DIR = Path(env.path("PAYMENT_KEYS_DIR", default=BASE_DIR / "var" / "keys"))
PAYMENT_SANDBOX = {
    "app_id": env("PAYMENT_SANDBOX_APP_ID", default="2021000000000000"),
    # Ours: signs what we send, as our app key does with Alipay.
    "merchant_private_key_path": PAYMENT_KEYS_DIR / "sandbox-merchant-private.pem",
    "merchant_public_key_path": PAYMENT_KEYS_DIR / "sandbox-merchant-public.pem",
    # Stands for Alipay's: signs the notifications the sandbox delivers.
    "platform_private_key_path": PAYMENT_KEYS_DIR / "sandbox-platform-private.pem",
    "platform_public_key_path": PAYMENT_KEYS_DIR / "sandbox-platform-public.pem",
}
# Alipay through python-alipay-sdk. Keys are PEM (or the bare base64 Alipay's console shows), given inline
# (ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY) or as files (..._PATH). ALIPAY_DEBUG uses Alipay's sandbox gateway;
# ALIPAY_GATEWAY replaces the gateway URL altogether (a proxy; a local fake in tests).
ALIPAY = {
    "app_id": env("ALIPAY_APP_ID", default=""),
    "app_private_key": env("ALIPAY_APP_PRIVATE_KEY", default=""),
    "app_private_key_path": env("ALIPAY_APP_PRIVATE_KEY_PATH", default=""),
    "public_key": env("ALIPAY_PUBLIC_KEY", default=""),
    "public_key_path": env("ALIPAY_PUBLIC_KEY_PATH", default=""),
    "debug": env.bool("ALIPAY_DEBUG", default=False),
    "gateway": env("ALIPAY_GATEWAY", default=""),
    "timeout_s": env.float("ALIPAY_TIMEOUT_S", default=10.0),
}
# Public base URL of this site, for the notify URL providers post to and the sandbox's pay page.
PAYMENT_NOTIFY_BASE_URL = env("PAYMENT_NOTIFY_BASE_URL", default=WAGTAILADMIN_BASE_URL)
# Where a provider's pay page sends the payer back to (on PAYMENT_NOTIFY_BASE_URL): the owner's bookings; and for a
# booking's payment, that booking's order page (cms.urls "owner_booking"; %(booking_id)s is filled in).
PAYMENT_RETURN_PATH = "/me/bookings/"
PAYMENT_BOOKING_RETURN_PATH = "/me/bookings/%(booking_id)s/"
# A provider's create/refund/query called while a database transaction is open (row locks perhaps held across a
# network call, STYLE.md rule 8): "raise" raises ProviderCalledInTransaction (dev and test settings), "log" logs an
# error and goes on.
PAYMENT_PROVIDER_CALL_CHECK = env("PAYMENT_PROVIDER_CALL_CHECK", default="log")
# A pending payment whose pay URL was given out and whose notification has not come (lost, or the provider never
# sent it) is asked about (payments.services.payments_pending_query, every 2 minutes) once it is
# PAYMENT_QUERY_AFTER_S old; asked again after as long as it had waited when last asked (at least
# PAYMENT_QUERY_AFTER_S, at most PAYMENT_QUERY_MAX_INTERVAL_S), so a provider that is down is not hammered; and
# closed once PAYMENT_TRADE_EXPIRY_S old with the provider still not paid (the longest pay window is a day).
PAYMENT_QUERY_AFTER_S = env.int("PAYMENT_QUERY_AFTER_S", default=300)
PAYMENT_QUERY_MAX_INTERVAL_S = env.int("PAYMENT_QUERY_MAX_INTERVAL_S", default=3600)
PAYMENT_TRADE_EXPIRY_S = env.int("PAYMENT_TRADE_EXPIRY_S", default=26 * 3600)

# --- Settlements ---------------------------------------------------------------------------------------

# The platform's share of what a store earns, unless the store has its own rate (payments.CommissionRate).
PAYMENT_COMMISSION_RATE = Decimal(env("PAYMENT_COMMISSION_RATE", default="0.08"))
# Statements cover calendar days in this zone (the daily beat job issues yesterday's at 02:30, CELERY_TIMEZONE).
SETTLEMENT_TIME_ZONE = env("SETTLEMENT_TIME_ZONE", default="Asia/Shanghai")

# --- Used-car consignment (consignment/) ------------------------------------------------------------------

# The deposit a dealer pays before bidding (consignment.dealers.services.dealer_deposit_held), forfeited when a deal
# won is not paid in time.
CONSIGNMENT_DEALER_DEPOSIT = Decimal(env("CONSIGNMENT_DEALER_DEPOSIT", default="5000.00"))

# --- Quality KPIs and rules (quality/kpis.py, quality/runs.py) -------------------------------------------

# No verdict on three bookings: a KPI over fewer completed (or due) bookings, or reviews, than this is null.
QUALITY_KPI_MIN_SAMPLE = env.int("QUALITY_KPI_MIN_SAMPLE", default=10)
QUALITY_KPI_MIN_REVIEWS = env.int("QUALITY_KPI_MIN_REVIEWS", default=5)
# A reference band drawn from fewer stores than this is no reference for price_deviation.
QUALITY_BAND_MIN_SAMPLE = env.int("QUALITY_BAND_MIN_SAMPLE", default=3)
# Service categories where doing the job again soon is routine, not rework.
QUALITY_REWORK_EXCLUDED_CATEGORIES = ("washing",)
# Probation not cleared within this many days (open overdue actions, or no passed audit since) becomes suspension.
QUALITY_PROBATION_DAYS = env.int("QUALITY_PROBATION_DAYS", default=30)
# Upsell outliers: a store above its city's 95th percentile of 90-day upsell ratios, in a city with this many
# stores that have a ratio (fewer make no percentile worth the name).
QUALITY_UPSELL_PERCENTILE = 0.95
QUALITY_UPSELL_MIN_STORES = env.int("QUALITY_UPSELL_MIN_STORES", default=10)
# A monitored condition QA acknowledged is not raised again for this many days (the nightly run would otherwise
# raise it every night it still holds).
QUALITY_ALERT_QUIET_DAYS = env.int("QUALITY_ALERT_QUIET_DAYS", default=7)
