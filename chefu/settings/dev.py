"""Development: DEBUG on, static files from the apps' folders. The payment sandbox stays off unless
``PAYMENT_SANDBOX_ENABLED=true`` (it is on in the demo and test settings only).

Not what `make run` serves (that is ``chefu.settings.demo``): set ``DJANGO_SETTINGS_MODULE=chefu.settings.dev`` in
``.env`` to debug with Django's error pages.
"""

from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# A payment provider called inside a transaction is a bug to see at once here (chefu.settings.base says why).
PAYMENT_PROVIDER_CALL_CHECK = env("PAYMENT_PROVIDER_CALL_CHECK", default="raise")
