"""Sentry when SENTRY_DSN is set: a process started with it reports a view's exception, through the real sentry_sdk
client, to a stand-in of Sentry's envelope endpoint on 127.0.0.1 (tests/fakes/sentry.py); without it, nothing starts."""

import json
import os
import subprocess
import sys

import sentry_sdk
from django.conf import settings
from django.db import connection

from chefu.observability.sentry import git_release
from tests.fakes.sentry import FakeSentry

# Run in a process of its own: Sentry's integrations patch Django and Celery for the life of a process.
SCRIPT = """
import json, sentry_sdk, django
django.setup()
from django.test import Client
from django.test.utils import override_settings

client = sentry_sdk.get_client()
with override_settings(ROOT_URLCONF="tests.chefu.boom_urls"):
    response = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1").get(
        "/boom?phone=13800000000",
        headers={"X-Request-ID": "sentry-req-0001", "Authorization": "Bearer very-secret-token"},
        HTTP_COOKIE="sessionid=very-secret-session",
        REMOTE_ADDR="198.51.100.23",
    )
sentry_sdk.flush(timeout=10)
print(json.dumps({
    "status": response.status_code,
    "active": client.is_active(),
    "integrations": sorted(client.integrations),
    "send_default_pii": client.options["send_default_pii"],
}))
"""


def _run(env_extra: dict[str, str]) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="chefu.settings.test",
        DATABASE_URL=f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **env_extra,
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_view_that_raises_is_reported_without_personal_data(django_db_setup):
    with FakeSentry() as sentry:
        # when: a process runs with SENTRY_DSN pointing at the stand-in, and a view raises
        outcome = _run({"SENTRY_DSN": sentry.dsn(project=42)})

        # then: it answered 500 and Sentry received the exception, with the request's id to find its logs
        [event] = sentry.wait_for_events(1)
    assert outcome["status"] == 500
    assert outcome["active"] is True
    assert {"django", "celery"} <= set(outcome["integrations"])
    assert outcome["send_default_pii"] is False
    assert sentry.rejected == []
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("BoomError", "boom from a view")
    assert event["tags"]["request_id"] == "sentry-req-0001"
    assert event["environment"] == "test"
    assert event["release"] == git_release(settings.BASE_DIR)
    assert event["transaction"] == "/boom"
    # no cookie, token, address, user, nor a phone number in a frame's variables leaves the process
    raw = b"".join(e.raw for e in sentry.envelopes)
    for secret in (b"very-secret-token", b"very-secret-session", b"198.51.100.23", b"13800000000"):
        assert secret not in raw
    assert "user" not in event or not event["user"].get("ip_address")


def test_sentry_release_names_the_release(django_db_setup):
    with FakeSentry() as sentry:
        _run({"SENTRY_DSN": sentry.dsn(), "SENTRY_RELEASE": "chefu@2026.12.1"})
        [event] = sentry.wait_for_events(1)

    assert event["release"] == "chefu@2026.12.1"


def test_without_a_dsn_sentry_is_off():
    # this process's settings had no SENTRY_DSN
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def test_git_release_is_the_commit_or_none_outside_a_clone(tmp_path):
    assert git_release(tmp_path) is None
    assert len(git_release(settings.BASE_DIR)) == 40  # this checkout is one
