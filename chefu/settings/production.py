"""Production: no default secrets; anything missing raises ImproperlyConfigured at start-up."""

from django.core.exceptions import ImproperlyConfigured

from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import ALIPAY, SECRET_KEY, env

DEBUG = False
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Payments ---
# The sandbox would let anyone mark a payment paid: off unless explicitly switched on.
PAYMENT_SANDBOX_ENABLED = env.bool("PAYMENT_SANDBOX_ENABLED", default=False)
# A production database keeps its history: seed_demo --reset refuses (payments.demo.purging).
DEMO_RESET_ALLOWED = False
if ALIPAY["app_id"]:
    for _key in ("app_private_key", "public_key"):
        if not (ALIPAY[_key] or ALIPAY[f"{_key}_path"]):
            raise ImproperlyConfigured(
                f"ALIPAY_APP_ID is set: ALIPAY_{_key.upper()} or ALIPAY_{_key.upper()}_PATH is required too."
            )
    # Alipay posts notifications here: no localhost default in production.
    PAYMENT_NOTIFY_BASE_URL = env("PAYMENT_NOTIFY_BASE_URL")
