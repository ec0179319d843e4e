"""Login attempts counted in Redis, shared by every web process and every login path.

An attempt is counted *before* the password is checked (``INCR`` is atomic), so a burst of parallel
guesses cannot all slip past the limit while the first ones are still hashing. A success gives its
reservation back (and clears the phone's failures); a failure keeps it. The first attempt of a
window starts it; the window's length is the key's TTL.
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


def login_attempt_reserve(*, phone: str, ip: str) -> None:
    """Count one attempt for the phone and the address; raise :class:`Throttled` (and give the
    attempt back) when either has already used up its failures in this window."""
    redis = get_redis_connection("default")
    keys = _keys(phone=phone, ip=ip)
    with redis.pipeline() as pipe:
        for key in keys:
            pipe.incr(key.name)
            pipe.expire(key.name, settings.LOGIN_THROTTLE_WINDOW_S, nx=True)
        counts = pipe.execute()[::2]
    over = [key for key, count in zip(keys, counts, strict=True) if count > key.limit]
    if over:
        _give_back(redis, keys)
        raise Throttled(retry_after_s=max(max(int(redis.ttl(key.name)) for key in over), 1))


def login_attempt_succeeded(*, phone: str, ip: str) -> None:
    redis = get_redis_connection("default")
    phone_key, ip_key = _keys(phone=phone, ip=ip)
    with redis.pipeline() as pipe:
        pipe.delete(phone_key.name)
        pipe.decr(ip_key.name)
        pipe.execute()


def _give_back(redis, keys: list[_Key]) -> None:
    with redis.pipeline() as pipe:
        for key in keys:
            pipe.decr(key.name)
        pipe.execute()
