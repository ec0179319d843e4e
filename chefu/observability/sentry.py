"""Errors to Sentry, when ``SENTRY_DSN`` is set: the web's (Django) and the workers' (Celery), without personal data.
Called from the settings, so every process that loads them (gunicorn's workers, Celery's) reports."""

import subprocess
from pathlib import Path

from chefu.observability.context import request_id_get


def git_release(base_dir: Path) -> str | None:
    """The commit checked out at ``base_dir``, or None (no git, not a clone)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=base_dir, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _tag_request_id(event: dict, hint: dict) -> dict:
    # The id that finds the event's request (and its tasks) in the logs.
    request_id = request_id_get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float = 0.0) -> None:
    """Start the Sentry client. Nothing personal leaves: ``send_default_pii`` off (no cookies, user ids, addresses or
    bodies), and no local variables in stack frames (a request's repr holds its query string, a service's arguments
    a phone number)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_tag_request_id,
    )
