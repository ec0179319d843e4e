"""What the settings modules make of the observability variables (tests/chefu/test_settings.py runs them the same
way: in a subprocess, from the environment alone)."""

import re

from tests.chefu.test_settings import PRODUCTION_ENV, _read


def test_production_logs_json_by_default_and_text_on_request():
    default = _read("chefu.settings.production", "LOG_FORMAT", "LOGGING", **PRODUCTION_ENV)
    assert default["LOG_FORMAT"] == "json"
    assert default["LOGGING"]["handlers"]["console"]["formatter"] == "json"

    plain = _read("chefu.settings.production", "LOG_FORMAT", **PRODUCTION_ENV, LOG_FORMAT="plain")
    assert plain["LOG_FORMAT"] == "plain"


def test_the_demo_and_development_log_text():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    for module in ("chefu.settings.demo", "chefu.settings.dev"):
        read = _read(module, "LOG_FORMAT", "SENTRY_DSN", **env, DJANGO_SETTINGS_MODULE=module)
        assert (read["LOG_FORMAT"], read["SENTRY_DSN"]) == ("plain", "")


def test_production_probes_and_scrapes_are_not_redirected_to_https():
    exempt = _read("chefu.settings.production", "SECURE_REDIRECT_EXEMPT", **PRODUCTION_ENV)["SECURE_REDIRECT_EXEMPT"]

    def exempted(path: str) -> bool:
        return any(re.search(pattern, path) for pattern in exempt)

    assert exempted("api/v1/health") and exempted("api/v1/ready") and exempted("metrics")
    assert not exempted("api/v1/me") and not exempted("api/v1/health/x") and not exempted("metrics-and-more")
