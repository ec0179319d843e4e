"""Counters in Redis, shared by every web process and every login path: password sign-in failures, SMS codes sent,
registration attempts.

An attempt is counted *before* the work it guards (``INCR`` is atomic), so a burst of parallel requests cannot all
slip past a limit while the first ones are still hashing. A window starts with its first count; its length is the
key's TTL (``Retry-After`` is what is left of it).

Password failures are counted per (phone, address), per address and per phone. Only the first two are small: a
stranger guessing from elsewhere uses up *their* tries, not the owner's. The per-phone cap is there for guessing
spread over many addresses; it closes password sign-in only, SMS-code sign-in stays open, so no one can lock an
owner out of their account.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_redis import get_redis_connection

from chefu.errors import Throttled

_PREFIX = "chefu:throttle"

# DECR only a key that still exists: one that expired meanwhile must not come back as -1 without a TTL.
_GIVE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


@dataclass(frozen=True)
class _Limit:
    key: str
    limit: int
    window_s: int


def _reserve(limits: list[_Limit], message: str) -> None:
    """Count one against each limit; when any is over, give every count back and raise :class:`Throttled` with the
    longest wait among those over. ``message`` takes ``%(wait)s`` and ``%(time)s``."""
    redis = get_redis_connection("default")
    with redis.pipeline() as pipe:
        for limit in limits:
            pipe.incr(limit.key)
            pipe.expire(limit.key, limit.window_s, nx=True)
        counts = pipe.execute()[::2]
    over = [limit for limit, count in zip(limits, counts, strict=True) if count > limit.limit]
    if over:
        _give_back(limits)
        raise throttled(max(max(int(redis.ttl(limit.key)) for limit in over), 1), message)


def _give_back(limits: list[_Limit]) -> None:
    redis = get_redis_connection("default")
    for limit in limits:
        redis.eval(_GIVE_BACK, 1, limit.key)


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def throttled(retry_after_s: int, message: str) -> Throttled:
    """A :class:`Throttled` whose message says when to try again, in words and as a local time (the platform's
    zone); ``details`` carry ``retry_after_s`` and ``retry_at``."""
    now = timezone.localtime()
    retry_at = now + dt.timedelta(seconds=retry_after_s)
    at = retry_at.strftime("%H:%M") if retry_at.date() == now.date() else retry_at.strftime("%Y-%m-%d %H:%M")
    exc = Throttled(retry_after_s, message % {"wait": _wait_text(retry_after_s), "time": at})
    exc.details["retry_at"] = retry_at.isoformat(timespec="seconds")
    return exc


# --- Password sign-in -------------------------------------------------------------------------------------------


def _login_limits(*, phone: str, ip: str) -> tuple[_Limit, _Limit, _Limit]:
    window = settings.LOGIN_THROTTLE_WINDOW_S
    return (
        _Limit(f"{_PREFIX}:login:phone-ip:{phone}:{ip}", settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP, window),
        _Limit(f"{_PREFIX}:login:ip:{ip}", settings.LOGIN_THROTTLE_MAX_PER_IP, window),
        _Limit(f"{_PREFIX}:login:phone:{phone}", settings.LOGIN_THROTTLE_MAX_PER_PHONE, window),
    )


def login_attempt_reserve(*, phone: str, ip: str) -> None:
    """Count one password attempt for (phone, address), the address and the phone; :class:`Throttled` (the
    attempt given back) when any has used up its failures in this window. A failure keeps its count."""
    _reserve(
        list(_login_limits(phone=phone, ip=ip)),
        _("Too many failed sign-ins. Try again in %(wait)s (after %(time)s), or sign in with an SMS code."),
    )


def login_attempt_succeeded(*, phone: str, ip: str) -> None:
    """The password was right: this (phone, address) starts afresh and the attempt is given back. The phone's
    failures from elsewhere stay counted (the owner signing in must not give a distributed guesser fresh tries)."""
    phone_ip, ip_limit, phone_limit = _login_limits(phone=phone, ip=ip)
    get_redis_connection("default").delete(phone_ip.key)
    _give_back([ip_limit, phone_limit])


def login_with_code_succeeded(*, phone: str, ip: str) -> None:
    """The owner proved the phone is theirs with an SMS code: password sign-in from this address opens again."""
    phone_ip, _ip, _phone = _login_limits(phone=phone, ip=ip)
    get_redis_connection("default").delete(phone_ip.key)


# --- SMS codes and registration ---------------------------------------------------------------------------------


def _seconds_to_local_midnight() -> int:
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((midnight - now).total_seconds()), 1)


def sms_code_reserve(*, ip: str, phone: str | None = None, purpose: str = "") -> None:
    """Count one code request from ``ip``: at most ``SMS_CODE_MAX_PER_IP`` per address in ``SMS_CODE_IP_WINDOW_S``.
    With ``phone``, also one code sent to it for ``purpose``: one per ``SMS_CODE_MIN_INTERVAL_S`` and
    ``SMS_CODE_MAX_PER_PHONE_PER_DAY`` in a calendar day of the platform's zone, each purpose on its own counters.
    :class:`Throttled` (nothing counted) when any is over."""
    limits = [_Limit(f"{_PREFIX}:sms:ip:{ip}", settings.SMS_CODE_MAX_PER_IP, settings.SMS_CODE_IP_WINDOW_S)]
    if phone is not None:
        day = timezone.localdate().isoformat()
        limits += [
            _Limit(f"{_PREFIX}:sms:phone-interval:{purpose}:{phone}", 1, settings.SMS_CODE_MIN_INTERVAL_S),
            _Limit(
                f"{_PREFIX}:sms:phone-day:{day}:{purpose}:{phone}",
                settings.SMS_CODE_MAX_PER_PHONE_PER_DAY,
                _seconds_to_local_midnight(),
            ),
        ]
    _reserve(limits, _("Too many codes requested. Try again in %(wait)s (after %(time)s)."))


def register_attempt_reserve(*, phone: str, ip: str) -> None:
    """Count one registration attempt for the address and the phone (right or wrong, they stay counted);
    :class:`Throttled` when either is over its limit in ``REGISTER_THROTTLE_WINDOW_S``."""
    window = settings.REGISTER_THROTTLE_WINDOW_S
    _reserve(
        [
            _Limit(f"{_PREFIX}:register:ip:{ip}", settings.REGISTER_THROTTLE_MAX_PER_IP, window),
            _Limit(f"{_PREFIX}:register:phone:{phone}", settings.REGISTER_THROTTLE_MAX_PER_PHONE, window),
        ],
        _("Too many registration attempts. Try again in %(wait)s (after %(time)s)."),
    )
