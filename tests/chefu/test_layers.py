"""The layer contract (.importlinter), under pytest as well as in `make test`: no app imports a higher one."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from importlinter import api as _configured  # noqa: F401  (sets import-linter up, as its command does)
from importlinter.application import use_cases

CONTRACT = Path(settings.BASE_DIR) / ".importlinter"


def test_no_app_imports_a_higher_layer():
    # what `lint-imports` runs; the report is printed, and pytest shows it with a failure
    assert use_cases.lint_imports(config_filename=str(CONTRACT), cache_dir=None, no_logo=True)


def test_every_app_of_the_project_stands_in_a_layer():
    # given the project's own apps (not Django's, Wagtail's or the tests')
    base = Path(settings.BASE_DIR).resolve()
    ours = {config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == base}
    # then each is a root package of the contract, so a new app (quality, consignment) cannot be left out of it
    options = use_cases.read_user_options(str(CONTRACT))
    assert ours <= set(options.session_options["root_packages"])
