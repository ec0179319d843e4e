"""Secret message parameters (a one-time code) live in Redis, never in the database: one key per message, with the
secret's own lifetime as its TTL. The outbox row holds markers (``templates.secret_marker``); delivery fills them in
from here, and a message whose key is gone (expired, or dropped when it was cancelled) is cancelled, not sent."""

import json
from collections.abc import Iterable, Mapping

from django_redis import get_redis_connection

_PREFIX = "chefu:notifications:secret"


def _key(message_id: int) -> str:
    return f"{_PREFIX}:{message_id}"


def secrets_keep(*, message_id: int, values: Mapping[str, str], ttl_s: int) -> None:
    """Keep ``values`` for message ``message_id`` for ``ttl_s`` seconds (at least one)."""
    get_redis_connection("default").set(_key(message_id), json.dumps(dict(values)), ex=max(int(ttl_s), 1))


def secrets_get(*, message_id: int) -> dict[str, str] | None:
    """The values kept for the message, or None once they have expired or been dropped."""
    raw = get_redis_connection("default").get(_key(message_id))
    return None if raw is None else json.loads(raw)


def secrets_drop(*, message_ids: Iterable[int]) -> None:
    keys = [_key(pk) for pk in message_ids]
    if keys:
        get_redis_connection("default").delete(*keys)
