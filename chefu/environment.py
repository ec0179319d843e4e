"""Which settings module a process runs with, for manage.py, wsgi.py and celery.py.

``DJANGO_SETTINGS_MODULE`` comes from the environment or from ``.env`` (written by ``scripts/setup.sh``); there is no
fallback, so a process never runs with development settings by accident.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
VARIABLE = "DJANGO_SETTINGS_MODULE"


def settings_module_configure() -> str:
    """Set ``DJANGO_SETTINGS_MODULE`` from ``.env`` unless the environment already has it, and return it.

    Raises ImproperlyConfigured when neither names one."""
    if ENV_FILE.is_file():
        # What the settings module would load anyway; real environment variables win over the file.
        environ.Env.read_env(ENV_FILE, overwrite=False)
    module = os.environ.get(VARIABLE, "").strip()
    if not module:
        raise ImproperlyConfigured(
            f"{VARIABLE} is not set and {ENV_FILE} does not name one. Run `make setup` (it writes .env with "
            f"{VARIABLE}=chefu.settings.demo), or set it, e.g. {VARIABLE}=chefu.settings.production."
        )
    os.environ[VARIABLE] = module
    return module
