"""Counting failed logins in Redis, shared by every web process.

A fixed window per key: the first failure starts it, the window's length is its TTL. Counting uses
INCR, which is atomic, so simultaneous failures are each counted.
"""

from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

from chefu.errors import Throttled

_PREFIX = "chefu:login-fail"


@dataclass(frozen=True)
class _Key:
    name: str
    limit: int


def _keys(*, phone: str, ip: str) -> list[_Key]:
    return [
        _Key(f"{_PREFIX}:phone:{phone}", settings.LOGIN_THROTTLE_MAX_PER_PHONE),
        _Key(f"{_PREFIX}:ip:{ip}", settings.LOGIN_THROTTLE_MAX_PER_IP),
    ]


def login_check_allowed(*, phone: str, ip: str) -> None:
    """Raise :class:`Throttled` when the phone or the address has used up its failures."""
    redis = get_redis_connection("default")
    keys = _keys(phone=phone, ip=ip)
    counts = redis.mget([k.name for k in keys])
    for key, count in zip(keys, counts, strict=True):
        if count is not None and int(count) >= key.limit:
            ttl = redis.ttl(key.name)
            raise Throttled(retry_after_s=max(int(ttl), 1))


def login_record_failure(*, phone: str, ip: str) -> None:
    redis = get_redis_connection("default")
    window = settings.LOGIN_THROTTLE_WINDOW_S
    with redis.pipeline() as pipe:
        for key in _keys(phone=phone, ip=ip):
            pipe.incr(key.name)
            pipe.expire(key.name, window, nx=True)
        pipe.execute()


def login_record_success(*, phone: str) -> None:
    get_redis_connection("default").delete(f"{_PREFIX}:phone:{phone}")
