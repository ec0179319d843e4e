"""Address -> point lookups through the geopy provider named in ``settings.GEOCODER``.

Answers (and "no such place") are cached in Redis, and outgoing requests are spaced across all
our processes to respect the provider's usage policy (Nominatim allows one request per second).
Results are always WGS-84, whatever the provider speaks.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection
from geopy import exc as geopy_exc
from geopy.adapters import URLLibAdapter
from geopy.geocoders import BaiduV3, Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from chefu.errors import NotFound, ValidationFailed
from stores.coords import bd09_to_wgs84
from stores.exceptions import GeocoderUnavailable

logger = logging.getLogger(__name__)

# Places do appear (new roads, new malls), so a miss is kept for much less time than a hit.
NOT_FOUND_TTL_S = 3600

_CACHE_VERSION = 1
_NOT_FOUND = {"found": False}


@dataclass(frozen=True)
class GeocodeResult:
    """A geocoded place. ``lat``/``lng`` are WGS-84 degrees, whatever the provider returned."""

    lat: float
    lng: float
    address: str
    provider: str


class _BaiduV3(BaiduV3):
    """geopy's BaiduV3, with two gaps filled.

    * It always calls api.map.baidu.com; a configured domain (a proxy, a fake in tests) replaces it,
      as it does for Nominatim.
    * Baidu reports "no match" as status 1 with msg "...无相关结果", which geopy turns into a service
      error; here it is the empty answer it means, so callers see NotFound rather than an outage.
    """

    _NO_MATCH_MSG = "无相关结果"

    def __init__(self, api_key: str, *, domain: str = "", **kwargs: Any):
        super().__init__(api_key, **kwargs)
        if domain:
            host = f"{self.scheme}://{domain.strip('/')}"
            self.api = f"{host}{self.api_path}"
            self.reverse_api = f"{host}{self.reverse_path}"

    def _parse_json(self, page, exactly_one=True):
        if not page.get("result") and self._NO_MATCH_MSG in str(page.get("msg", "")):
            return None
        return super()._parse_json(page, exactly_one=exactly_one)


def _identity(lat: float, lng: float) -> tuple[float, float]:
    return lat, lng


@dataclass(frozen=True)
class _Provider:
    build: Callable[[Mapping[str, Any], dict[str, Any]], Geocoder]
    to_wgs84: Callable[[float, float], tuple[float, float]] = _identity
    geocode_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # Baidu's answer names only the match level ("门址", "道路"), not a place, so the query stands in.
    address_from_query: bool = False


def _build_nominatim(config: Mapping[str, Any], common: dict[str, Any]) -> Geocoder:
    if config.get("domain"):
        common["domain"] = config["domain"]
    return Nominatim(**common)


def _build_baidu(config: Mapping[str, Any], common: dict[str, Any]) -> Geocoder:
    if not config.get("baidu_key"):
        raise ImproperlyConfigured("GEOCODER['baidu_key'] (GEOCODER_BAIDU_KEY) is required for baiduv3.")
    return _BaiduV3(config["baidu_key"], domain=config.get("domain") or "", **common)


_PROVIDERS: dict[str, _Provider] = {
    "nominatim": _Provider(
        build=_build_nominatim,
        geocode_kwargs={"country_codes": "cn", "language": "zh"},
    ),
    # Baidu answers in BD-09 unless asked otherwise, and geopy does not ask.
    "baiduv3": _Provider(build=_build_baidu, to_wgs84=bd09_to_wgs84, address_from_query=True),
}


def _provider(name: str) -> _Provider:
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown GEOCODER provider {name!r}; expected one of {sorted(_PROVIDERS)}."
        ) from None


def _build_geocoder(config: Mapping[str, Any] | None = None) -> Geocoder:
    config = settings.GEOCODER if config is None else config
    common: dict[str, Any] = {
        "user_agent": config["user_agent"],
        "scheme": config["scheme"],
        "timeout": config["timeout_s"],
        # urllib makes exactly one attempt per call: geopy's default requests adapter retries on its
        # own, which would slip requests past the rate limiter and multiply the wait by three.
        "adapter_factory": URLLibAdapter,
    }
    return _provider(config["provider"]).build(config, common)


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _full_query(query: str, city: str | None) -> str:
    if city and city not in query:
        return f"{city} {query}"
    return query


def _cache_key(provider: str, query: str, city: str | None) -> str:
    raw = "\x1f".join((provider, query.casefold(), (city or "").casefold()))
    return f"geocode:v{_CACHE_VERSION}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _take_rate_slot(provider: str, *, interval_s: float, wait_s: float) -> None:
    """Block until this process may send one request to ``provider``.

    A Redis key set with NX and a TTL of ``interval_s`` is the slot: whoever sets it may call, and
    nobody else can until it expires. Raises GeocoderUnavailable rather than wait more than ``wait_s``.
    """
    if interval_s <= 0:
        return
    redis = get_redis_connection("default")
    key = cache.make_key(f"geocoder:slot:{provider}")
    interval_ms = max(1, round(interval_s * 1000))
    deadline = time.monotonic() + wait_s
    while not redis.set(key, 1, nx=True, px=interval_ms):
        pttl = redis.pttl(key)
        delay = pttl / 1000 if pttl > 0 else 0.005
        if time.monotonic() + delay > deadline:
            logger.warning("Geocoder %s: no request slot within %.1fs", provider, wait_s)
            raise GeocoderUnavailable()
        time.sleep(delay)


def _lookup(provider_name: str, full_query: str, config: Mapping[str, Any]) -> Location | None:
    provider = _provider(provider_name)
    geocoder = _build_geocoder(config)
    wait_s = min(config["timeout_s"], config.get("max_wait_s", config["timeout_s"]))
    _take_rate_slot(provider_name, interval_s=config["min_interval_s"], wait_s=wait_s)
    try:
        return geocoder.geocode(full_query, exactly_one=True, **provider.geocode_kwargs)
    except (geopy_exc.GeocoderServiceError, OSError) as error:
        # GeocoderServiceError is the parent of geopy's timeout, unavailable, quota and parse errors.
        logger.warning("Geocoder %s failed: %s: %s", provider_name, type(error).__name__, error)
        raise GeocoderUnavailable() from error


def geocode(*, query: str, city: str | None = None) -> GeocodeResult:
    """Find the place ``query`` (optionally within ``city``) names, through the configured provider.

    Raises ValidationFailed for a blank query, NotFound when the provider knows no such place, and
    GeocoderUnavailable when it cannot be reached, answers with an error or is rate limited.
    """
    query, city = _squash(query), _squash(city) or None
    if not query:
        raise ValidationFailed({"q": _("Enter an address to look up.")})

    config = settings.GEOCODER
    provider_name = config["provider"]
    provider = _provider(provider_name)
    key = _cache_key(provider_name, query, city)

    cached = cache.get(key)
    if cached == _NOT_FOUND:
        raise NotFound(message=_("No place matches that address."))
    if cached is not None:
        return GeocodeResult(**cached)

    full_query = _full_query(query, city)
    location = _lookup(provider_name, full_query, config)
    if location is None:
        cache.set(key, _NOT_FOUND, min(NOT_FOUND_TTL_S, config["cache_ttl_s"]))
        raise NotFound(message=_("No place matches that address."))

    lat, lng = provider.to_wgs84(location.latitude, location.longitude)
    result = GeocodeResult(
        lat=lat,
        lng=lng,
        address=full_query if provider.address_from_query else (location.address or full_query),
        provider=provider_name,
    )
    cache.set(key, asdict(result), config["cache_ttl_s"])
    return result
