"""The id of the request (or of the task's originating request) the current code works for.

A contextvar: each thread, and each asyncio task, sees its own. The middleware binds it for a request, the Celery
signals for a task (``chefu.observability.tasks``); the logging filter reads it into every record."""

import contextlib
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("chefu_request_id", default=None)

# What an incoming X-Request-ID may be to be kept: what proxies and tracers send (UUIDs, nginx's 32 hex digits,
# base64, "Root=1-…" ids), nothing that could break a log line or a header.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")


def request_id_get() -> str | None:
    """The current request id, or None outside any request or task that carries one."""
    return _request_id.get()


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_clean(value: str | None) -> str | None:
    """``value`` if it looks like a request id (8 to 128 characters of letters, digits and ``._:=+/-``), else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


def request_id_set(value: str | None) -> Token:
    """Bind ``value`` until :func:`request_id_reset` with the token returned (for code that cannot use a ``with``
    block: the Celery signals around a task)."""
    return _request_id.set(value)


def request_id_reset(token: Token) -> None:
    _request_id.reset(token)


@contextlib.contextmanager
def request_id_bound(value: str | None) -> Iterator[str | None]:
    """The current request id is ``value`` inside the block (None: none), and what it was again after it."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)
