"""The settings modules: which one a process runs with, what the demo serves, what production refuses."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.views.defaults import server_error

from chefu import environment
from chefu.checks import proxy_settings_check

# A production environment that passes every requirement; each test removes or spoils one thing.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "chefu.settings.production",
    "SECRET_KEY": "k3Jx-9vQ_2mWz8RtYp4LbN6cHs1FgDa7EoUiZq5XwVy0TrMn-pL8s",
    "ALLOWED_HOSTS": "chefu.example",
    "DATABASE_URL": "postgis://chefu:chefu@127.0.0.1:5432/chefu",
    "WAGTAILADMIN_BASE_URL": "https://chefu.example",
    "TRUSTED_PROXY_COUNT": "1",
}

_READ = (
    "import importlib, json, sys; s = importlib.import_module(sys.argv[1]); "
    "print(json.dumps({n: getattr(s, n, None) for n in sys.argv[2:]}, default=str))"
)


def _clean_env(**values: str) -> dict[str, str]:
    """The test process's environment without anything .env or a developer's shell may have set for the site, so
    the subprocess sees only ``values`` (the settings read .env too, but real variables win over it)."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process; check --deploy refuses it.
    names = {*PRODUCTION_ENV, "PAYMENT_SANDBOX_ENABLED", "PAYMENT_NOTIFY_BASE_URL", "DEBUG"}
    names.add("DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("ALIPAY_")}
    return env | values


def _run(args: list[str], **values: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        env=_clean_env(**values),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _read(module: str, *names: str, **values: str) -> dict:
    import json

    done = _run(["-c", _READ, module, *names], **values)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- which settings module ------------------------------------------------------------------------------------


def test_no_settings_module_anywhere_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setattr(environment, "ENV_FILE", tmp_path / ".env")

    with pytest.raises(ImproperlyConfigured, match="make setup"):
        environment.settings_module_configure()


def test_env_file_without_the_module_is_a_clear_error(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("SECRET_KEY=x\n")
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setattr(environment, "ENV_FILE", tmp_path / ".env")

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SETTINGS_MODULE"):
        environment.settings_module_configure()


def test_the_module_comes_from_env_file_and_the_environment_wins(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("DJANGO_SETTINGS_MODULE=chefu.settings.demo\n")
    monkeypatch.setattr(environment, "ENV_FILE", tmp_path / ".env")
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)

    assert environment.settings_module_configure() == "chefu.settings.demo"

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "chefu.settings.production")
    assert environment.settings_module_configure() == "chefu.settings.production"


@pytest.mark.parametrize("path", ["manage.py", "chefu/wsgi.py", "chefu/celery.py"])
def test_entry_points_never_name_a_default_settings_module(path):
    source = (django_settings.BASE_DIR / path).read_text()

    assert "settings_module_configure()" in source
    assert "setdefault" not in source and "chefu.settings." not in source


# --- what each module sets ------------------------------------------------------------------------------------


def test_the_sandbox_is_off_unless_a_module_turns_it_on():
    base = _read("chefu.settings.base", "PAYMENT_SANDBOX_ENABLED", SECRET_KEY="x", DATABASE_URL="postgis://a@b/c")
    demo = _read("chefu.settings.demo", "PAYMENT_SANDBOX_ENABLED", "DEBUG", "STORAGES", "MEDIA_SERVED_BY_DJANGO")

    assert base["PAYMENT_SANDBOX_ENABLED"] is False
    assert demo["PAYMENT_SANDBOX_ENABLED"] is True
    assert demo["DEBUG"] is False
    assert demo["MEDIA_SERVED_BY_DJANGO"] is True
    assert demo["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_sets_hsts_for_a_year_with_subdomains_and_believes_the_proxy_it_counts():
    behind_proxy = _read(
        "chefu.settings.production",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "TRUSTED_PROXY_COUNT",
        "PAYMENT_SANDBOX_ENABLED",
        **PRODUCTION_ENV,
    )
    no_proxy = {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "0"}
    direct = _read("chefu.settings.production", "SECURE_PROXY_SSL_HEADER", **no_proxy)

    assert behind_proxy["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert behind_proxy["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind_proxy["TRUSTED_PROXY_COUNT"] == 1
    assert behind_proxy["PAYMENT_SANDBOX_ENABLED"] is False
    assert direct["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TRUSTED_PROXY_COUNT": None}, "TRUSTED_PROXY_COUNT"),
        ({"WAGTAILADMIN_BASE_URL": None}, "WAGTAILADMIN_BASE_URL"),
        ({"WAGTAILADMIN_BASE_URL": "http://127.0.0.1:8000"}, "WAGTAILADMIN_BASE_URL"),
        ({"PAYMENT_NOTIFY_BASE_URL": "https://localhost"}, "PAYMENT_NOTIFY_BASE_URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(change, message):
    env = {**PRODUCTION_ENV, **change}
    env = {k: v for k, v in env.items() if v is not None}

    done = _run(["-c", _READ, "chefu.settings.production"], **env)

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert message in done.stderr


def test_production_passes_check_deploy_with_no_warning():
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_a_proxy_header_without_a_trusted_proxy_count_fails_the_system_check(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 0

    errors = proxy_settings_check(None)

    assert [e.id for e in errors] == ["chefu.E001"]
    assert isinstance(errors[0], Error)
    settings.TRUSTED_PROXY_COUNT = 1
    assert proxy_settings_check(None) == []


# --- error pages ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_page_is_the_branded_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="error-code">404' in body
    assert "没有找到这个页面" in body  # zh-hans first
    assert "车服" in body and "Traceback" not in body


def test_the_500_page_is_branded_and_needs_no_request_context():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    body = response.content.decode()
    assert 'class="error-code">500' in body and "车服" in body
