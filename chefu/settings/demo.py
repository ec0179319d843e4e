"""What `make run` serves: production-like on one machine.

DEBUG off (branded 404/500 pages, no tracebacks), static files collected and served by WhiteNoise, media served by the
site itself (there is no web server in front), plain HTTP on 127.0.0.1, and the payment sandbox on, so a booking can be
paid end to end without a real provider.
"""

from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import env

DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# No nginx in front of the demo: the site answers for MEDIA_URL itself (web/urls.py).
MEDIA_SERVED_BY_DJANGO = True
PAYMENT_SANDBOX_ENABLED = env.bool("PAYMENT_SANDBOX_ENABLED", default=True)
