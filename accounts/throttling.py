"""Counters in Redis, shared by every web process and every login path: sign-in failures (password and SMS code), SMS
codes sent (per address, per phone and platform-wide), registration attempts.

An attempt is counted *before* the work it guards (``INCR`` is atomic), so a burst of parallel requests cannot all
slip past a limit while the first ones are still hashing. A window starts with its first count; its length is the
key's TTL (``Retry-After`` is what is left of it).

Password failures are counted per (phone, address), per address and per phone. Only the first two are small: a
stranger guessing from elsewhere uses up *their* tries, not the owner's. The per-phone cap is there for guessing
spread over many addresses; it closes password sign-in only, SMS-code sign-in stays open, so no one can lock an
owner out of their account. Wrong SMS codes are counted per (phone, address) and per address, never per phone, on
counters of their own: password failures never close code sign-in, nor code failures password sign-in. Many owners
share one IPv4 address (carrier NAT, offices, campuses); one guesser among them closes only the kind of sign-in they
guessed at.

An "address" is :func:`address_bucket` of the client's address: an IPv6 client holds a whole /64, so its /64 is one
address here.

The counters fail closed: while Redis does not answer, every guarded attempt is refused with
:class:`~accounts.exceptions.ThrottlesUnavailable` (503) instead of going through uncounted. An outage then pauses
signing in, registering and SMS codes (a password guesser or an SMS pumper would otherwise have free rein, and each
code costs money); whoever is signed in already (a token or a session in the database) carries on.
"""

import contextlib
import datetime as dt
import ipaddress
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_redis import get_redis_connection
from redis import Redis, RedisError

from accounts.exceptions import ThrottlesUnavailable
from chefu.errors import Throttled

logger = logging.getLogger(__name__)

_PREFIX = "chefu:throttle"

# DECR only a key that still exists: one that expired meanwhile must not come back as -1 without a TTL.
_GIVE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


def address_bucket(ip: str) -> str:
    """The unit a client's address is counted in: an IPv4 address as is (an IPv4-mapped IPv6 one as its IPv4
    address), an IPv6 address as its /64 network (one subscriber's: every address in it is theirs to rotate through).
    A port some proxies add to X-Forwarded-For (``203.0.113.7:51234``, ``[2001:db8::1]:443``) is dropped: it changes
    with every connection. Anything else (``"unknown"``, ``"internal"``) as given."""
    address = _ip_address(ip.strip())
    if address is None:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Limit:
    key: str
    limit: int
    window_s: int
    # What the refusal says when this limit is the one to wait for (``%(wait)s``, ``%(time)s``); None: the caller's.
    message: str | None = None


@contextlib.contextmanager
def _counters() -> Iterator[Redis]:
    """The counters' Redis; :class:`ThrottlesUnavailable` when it does not answer (see the module's docstring)."""
    try:
        yield get_redis_connection("default")
    except RedisError as exc:
        logger.warning("Throttle counters unavailable, refusing the attempt: %s", exc)
        raise ThrottlesUnavailable() from exc


def _reserve(limits: list[_Limit], message: str) -> None:
    """Count one against each limit; when any is over, give every count back and raise :class:`Throttled` with the
    longest wait among those over, worded by that limit's ``message`` or else by ``message`` (both take
    ``%(wait)s`` and ``%(time)s``)."""
    with _counters() as redis, redis.pipeline() as pipe:
        for limit in limits:
            pipe.incr(limit.key)
            pipe.expire(limit.key, limit.window_s, nx=True)
        counts = pipe.execute()[::2]
    over = [limit for limit, count in zip(limits, counts, strict=True) if count > limit.limit]
    if over:
        _give_back(limits)
        with _counters() as redis:
            waits = {limit.key: max(int(redis.ttl(limit.key)), 1) for limit in over}
        longest = max(over, key=lambda limit: waits[limit.key])
        raise throttled(waits[longest.key], longest.message or message)


def _give_back(limits: list[_Limit]) -> None:
    with _counters() as redis:
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


# --- Signing in ------------------------------------------------------------------------------------------------


def _address_limit(ip: str) -> _Limit:
    """Wrong passwords from an address, for every phone together."""
    return _Limit(
        f"{_PREFIX}:login:ip:{address_bucket(ip)}",
        settings.LOGIN_THROTTLE_MAX_PER_IP,
        settings.LOGIN_THROTTLE_WINDOW_S,
        _(
            "Too many failed sign-ins from your network. Try again in %(wait)s (after %(time)s), or sign in with an "
            "SMS code."
        ),
    )


def _login_limits(*, phone: str, ip: str) -> tuple[_Limit, _Limit, _Limit]:
    window = settings.LOGIN_THROTTLE_WINDOW_S
    address = address_bucket(ip)
    return (
        _Limit(f"{_PREFIX}:login:phone-ip:{phone}:{address}", settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP, window),
        _address_limit(ip),
        _Limit(f"{_PREFIX}:login:phone:{phone}", settings.LOGIN_THROTTLE_MAX_PER_PHONE, window),
    )


def _code_login_limits(*, phone: str, ip: str) -> tuple[_Limit, _Limit]:
    """Wrong codes for (phone, address) and from the address for every phone together."""
    window = settings.LOGIN_THROTTLE_WINDOW_S
    address = address_bucket(ip)
    return (
        _Limit(f"{_PREFIX}:login-code:phone-ip:{phone}:{address}", settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP, window),
        _Limit(
            f"{_PREFIX}:login-code:ip:{address}",
            settings.LOGIN_CODE_THROTTLE_MAX_PER_IP,
            window,
            _("Too many wrong codes from your network. Try again in %(wait)s (after %(time)s)."),
        ),
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
    with _counters() as redis:
        redis.delete(phone_ip.key)
    _give_back([ip_limit, phone_limit])


def login_code_attempt_reserve(*, phone: str, ip: str) -> None:
    """Count one SMS-code sign-in attempt for (phone, address) and for the address, on counters of their own (wrong
    passwords are not on them); :class:`Throttled` (the attempt given back) when either has used up its failures in
    this window. Not counted per phone: a stranger elsewhere cannot close code sign-in for the owner's address. A
    failure keeps its count."""
    _reserve(
        list(_code_login_limits(phone=phone, ip=ip)),
        _("Too many wrong codes. Try again in %(wait)s (after %(time)s)."),
    )


def login_with_code_succeeded(*, phone: str, ip: str) -> None:
    """The owner proved the phone is theirs with an SMS code: sign-in for this (phone, address) starts afresh, by
    password too, and the attempt is given back to the address's code counter. The address's wrong passwords stay
    counted (others behind it may be guessing)."""
    password_phone_ip, _ip, _phone = _login_limits(phone=phone, ip=ip)
    code_phone_ip, code_ip = _code_login_limits(phone=phone, ip=ip)
    with _counters() as redis:
        redis.delete(password_phone_ip.key, code_phone_ip.key)
    _give_back([code_ip])


# --- SMS codes and registration ---------------------------------------------------------------------------------


def _seconds_to_local_midnight() -> int:
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((midnight - now).total_seconds()), 1)


def _platform_sms_limit() -> _Limit:
    return _Limit(
        f"{_PREFIX}:sms:platform",
        settings.SMS_CODE_MAX_PER_HOUR,
        3600,
        _("Too many codes are being sent right now. Try again in %(wait)s (after %(time)s)."),
    )


def sms_code_reserve(*, ip: str, phone: str | None = None, purpose: str = "") -> None:
    """Count one code request from ``ip``: at most ``SMS_CODE_MAX_PER_IP`` per address in ``SMS_CODE_IP_WINDOW_S``.
    With ``phone``, also one code sent to it for ``purpose``: one per ``SMS_CODE_MIN_INTERVAL_S`` and
    ``SMS_CODE_MAX_PER_PHONE_PER_DAY`` in a calendar day of the platform's zone, each purpose on its own counters;
    and one of the platform's ``SMS_CODE_MAX_PER_HOUR`` (every phone and purpose together, an hour from the first
    of the window). :class:`Throttled` (nothing counted) when any is over."""
    limits = [
        _Limit(f"{_PREFIX}:sms:ip:{address_bucket(ip)}", settings.SMS_CODE_MAX_PER_IP, settings.SMS_CODE_IP_WINDOW_S)
    ]
    if phone is not None:
        day = timezone.localdate().isoformat()
        limits += [
            _Limit(f"{_PREFIX}:sms:phone-interval:{purpose}:{phone}", 1, settings.SMS_CODE_MIN_INTERVAL_S),
            _Limit(
                f"{_PREFIX}:sms:phone-day:{day}:{purpose}:{phone}",
                settings.SMS_CODE_MAX_PER_PHONE_PER_DAY,
                _seconds_to_local_midnight(),
            ),
            _platform_sms_limit(),
        ]
    try:
        _reserve(limits, _("Too many codes requested. Try again in %(wait)s (after %(time)s)."))
    except Throttled:
        if phone is not None:
            _platform_sms_budget_warn()
        raise


def _platform_sms_budget_warn() -> None:
    """Log once per window that the platform's budget is spent (every code request is refused until it ends)."""
    platform = _platform_sms_limit()
    with _counters() as redis:
        count = redis.get(platform.key)
        if count is None or int(count) < platform.limit:
            return
        if redis.set(f"{platform.key}:warned", 1, nx=True, ex=max(int(redis.ttl(platform.key)), 1)):
            logger.warning(
                "The platform's budget of %d SMS codes an hour (SMS_CODE_MAX_PER_HOUR) is spent: no code is sent for "
                "%d s.",
                platform.limit,
                redis.ttl(platform.key),
            )


def register_attempt_reserve(*, phone: str, ip: str) -> None:
    """Count one registration attempt for the address and the phone (right or wrong, they stay counted);
    :class:`Throttled` when either is over its limit in ``REGISTER_THROTTLE_WINDOW_S``."""
    window = settings.REGISTER_THROTTLE_WINDOW_S
    _reserve(
        [
            _Limit(f"{_PREFIX}:register:ip:{address_bucket(ip)}", settings.REGISTER_THROTTLE_MAX_PER_IP, window),
            _Limit(f"{_PREFIX}:register:phone:{phone}", settings.REGISTER_THROTTLE_MAX_PER_PHONE, window),
        ],
        _("Too many registration attempts. Try again in %(wait)s (after %(time)s)."),
    )
