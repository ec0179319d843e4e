"""Development and demo settings: what `make run` serves."""

from chefu.settings.base import *  # noqa: F403
from chefu.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
