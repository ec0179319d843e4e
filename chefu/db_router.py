"""Reads on the streaming replica (``DATABASES["replica"]``, from ``DATABASE_REPLICA_URL``), with read-your-writes.

A read goes to the replica only inside a web request (:class:`ReplicaReadsMiddleware`) whose method is safe (GET,
HEAD, OPTIONS), outside any transaction, for a model that is not an identity one (sessions, users, tokens: who is
asking must be known from the primary right after signing in), and when the asker is not *sticky*. A request that
wrote through the default connection makes its user sticky for ``REPLICA_STICKY_S`` seconds, recorded in the cache
(Redis, shared by the web nodes) under the user's id and under the request's bearer token (public endpoints never
authenticate it); a task writing for a user may call :func:`sticky_mark`. Everything else
(writes, transactions, ``select_for_update``, unsafe requests, Celery tasks, commands) uses the primary. Without a
replica configured the router answers None, which is Django's own behaviour.
"""

import contextvars
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Read on the primary always: authentication must see a session or token created a moment ago.
PRIMARY_ONLY_MODELS = frozenset({"sessions.Session", "accounts.User", "accounts.AuthToken"})
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "COPY", "TRUNCATE")


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _user_key(user_id: int) -> str:
    return f"replica:sticky:user:{user_id}"


def _bearer_key(request: HttpRequest) -> str | None:
    # A public endpoint never authenticates its bearer, so the token itself (hashed) is a key too.
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return "replica:sticky:bearer:" + hashlib.sha256(token.strip().encode()).hexdigest()


def _keys_mark(keys: list[str]) -> None:
    try:
        cache.set_many(dict.fromkeys(keys, 1), timeout=settings.REPLICA_STICKY_S)
    except Exception:
        logger.exception("replica: could not mark %s sticky", keys)


def sticky_mark(*, user_id: int) -> None:
    """Send ``user_id``'s reads to the primary for ``REPLICA_STICKY_S`` seconds, for a write made on their behalf
    outside their own request (a request that wrote marks its user itself). A no-op without a replica. A cache
    failure is logged: the mark is then lost, which is what the timeout allows anyway."""
    if replica_configured():
        _keys_mark([_user_key(user_id)])


@dataclass
class _RequestReads:
    """What the router knows of the request being served."""

    request: HttpRequest
    wrote: bool = False
    sticky: dict[str, bool] = field(default_factory=dict)

    def keys(self) -> list[str]:
        """The request's stickiness keys: its bearer token's, and its user's once known (the bearer's user once the
        API's auth ran, accounts.auth setting ``api_token``; else the session's)."""
        keys = []
        if bearer := _bearer_key(self.request):
            keys.append(bearer)
        token = getattr(self.request, "api_token", None)
        if token is not None:
            keys.append(_user_key(token.user_id))
        else:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                keys.append(_user_key(user.pk))
        return keys

    def primary(self) -> bool:
        if self.wrote or self.request.method not in SAFE_METHODS:
            return True
        unknown = [key for key in self.keys() if key not in self.sticky]
        if unknown:
            try:
                found = cache.get_many(unknown)
            except Exception:
                # Without the cache nobody's recent writes are known: this request reads the primary.
                logger.warning("replica: cache unavailable, reading the primary", exc_info=True)
                return True
            self.sticky.update((key, key in found) for key in unknown)
        return any(self.sticky[key] for key in self.keys())


_request_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("request_reads", default=None)


def read_alias(model=None) -> str:
    """The database alias a read of ``model`` should use now (see the module's docstring)."""
    if not replica_configured():
        return PRIMARY
    if model is not None and model._meta.label in PRIMARY_ONLY_MODELS:
        return PRIMARY
    state = _request_reads.get()
    if state is None or connections[PRIMARY].in_atomic_block or state.primary():
        return PRIMARY
    return REPLICA


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads as :func:`read_alias` says, writes and migrations on the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return read_alias(model) if replica_configured() else None

    def db_for_write(self, model, **hints) -> str | None:
        return PRIMARY if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read there may point at one read on the primary.
        return True if replica_configured() else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return db == PRIMARY if replica_configured() else None


class ReplicaReadsMiddleware:
    """Lets the request's reads use the replica (unless its user is sticky) and marks the user sticky when the
    request wrote: any INSERT, UPDATE or DELETE sent on the default connection while it was served, committed or
    not (a rolled-back write only costs a few seconds of reads on the primary). Placed after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        state = _RequestReads(request)
        token = _request_reads.set(state)

        def writes_noted(execute, sql, params, many, context):
            if not state.wrote and sql.lstrip()[:8].upper().startswith(WRITE_VERBS):
                state.wrote = True
            return execute(sql, params, many, context)

        try:
            with connections[PRIMARY].execute_wrapper(writes_noted):
                response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        if state.wrote and (keys := state.keys()):
            _keys_mark(keys)
        return response
