"""stores.geocoding through geopy's real Nominatim and BaiduV3 clients, against local HTTP fakes."""

from __future__ import annotations

import itertools
import socket
import threading
import time

import pytest
from django.core.cache import cache
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from chefu.errors import NotFound, ValidationFailed
from stores.coords import bd09_to_wgs84
from stores.exceptions import GeocoderUnavailable
from stores.geocoding import NOT_FOUND_TTL_S, GeocodeResult, geocode
from tests.fakes.nominatim import FakeBaidu, FakeNominatim

PEOPLES_SQUARE = (31.2304, 121.4737, "人民广场, 黄浦区, 上海市, 200001, 中国")
NOMINATIM_PLACES = {
    "上海市 人民广场": PEOPLES_SQUARE,
    "天津市 人民广场": (39.1422, 117.1938, "人民广场, 河北区, 天津市, 中国"),
    "上海市 南京东路": (31.2389, 121.4840, "南京东路, 黄浦区, 上海市, 中国"),
    "上海市 外滩": (31.2400, 121.4900, "外滩, 黄浦区, 上海市, 中国"),
}
# What Baidu answers for People's Square: its own BD-09 coordinates, several hundred metres off WGS-84.
BAIDU_PEOPLES_SQUARE_BD09 = (31.236276, 121.484931)


def _configure(settings, **changes) -> None:
    # Reassign the whole dict: the settings fixture only restores attributes, not nested mutations.
    settings.GEOCODER = {**settings.GEOCODER, **changes}


@pytest.fixture
def nominatim(settings):
    with FakeNominatim(NOMINATIM_PLACES) as fake:
        _configure(
            settings,
            provider="nominatim",
            domain=fake.domain,
            scheme="http",
            user_agent="chefu-tests/1.0",
            timeout_s=2.0,
            min_interval_s=0.0,
            cache_ttl_s=7 * 24 * 3600,
        )
        yield fake


@pytest.fixture
def baidu(settings):
    places = {"上海市 人民广场": (*BAIDU_PEOPLES_SQUARE_BD09, "旅游景点")}
    with FakeBaidu(places) as fake:
        _configure(
            settings,
            provider="baiduv3",
            baidu_key="test-ak",
            domain=fake.domain,
            scheme="http",
            timeout_s=2.0,
            min_interval_s=0.0,
        )
        yield fake


def _geocode_keys() -> list[str]:
    return list(cache.keys("geocode:*"))


# --- Nominatim ------------------------------------------------------------------------------------------


def test_found_returns_the_wgs84_point_and_address(nominatim):
    result = geocode(query="人民广场", city="上海市")

    # Nominatim speaks WGS-84 already: the coordinates come back untouched.
    assert result == GeocodeResult(lat=31.2304, lng=121.4737, address=PEOPLES_SQUARE[2], provider="nominatim")
    [request] = nominatim.requests_to()
    assert request.params == {
        "q": "上海市 人民广场",
        "format": "json",
        "limit": "1",
        "countrycodes": "cn",
        "accept-language": "zh",
    }
    assert request.user_agent == "chefu-tests/1.0"


def test_an_identical_lookup_is_served_from_the_cache(nominatim):
    first = geocode(query="人民广场", city="上海市")

    # Same address, spelled with different spacing: no second request.
    again = geocode(query="  人民广场 ", city=" 上海市")

    assert again == first
    assert len(nominatim.requests_to()) == 1


def test_a_different_city_is_a_new_lookup(nominatim):
    shanghai = geocode(query="人民广场", city="上海市")

    tianjin = geocode(query="人民广场", city="天津市")

    assert [r.params["q"] for r in nominatim.requests_to()] == ["上海市 人民广场", "天津市 人民广场"]
    assert (tianjin.lat, tianjin.lng) == (39.1422, 117.1938)
    assert tianjin != shanghai


def test_the_cache_lives_in_redis_for_the_configured_ttl(nominatim, settings):
    geocode(query="人民广场", city="上海市")

    [key] = _geocode_keys()
    assert NOT_FOUND_TTL_S < cache.ttl(key) <= settings.GEOCODER["cache_ttl_s"]


def test_an_unknown_address_is_not_found(nominatim):
    with pytest.raises(NotFound) as excinfo:
        geocode(query="不存在的地方 999 号", city="上海市")

    assert excinfo.value.code == "not_found"
    assert excinfo.value.status == 404
    assert excinfo.value.message == str(_("No place matches that address."))


def test_not_found_is_cached_for_a_shorter_time(nominatim):
    with pytest.raises(NotFound):
        geocode(query="不存在的地方 999 号")
    with pytest.raises(NotFound):
        geocode(query="不存在的地方 999 号")

    assert len(nominatim.requests_to()) == 1
    [key] = _geocode_keys()
    assert 0 < cache.ttl(key) <= NOT_FOUND_TTL_S


def test_provider_down_is_geocoder_unavailable_and_not_cached(nominatim):
    nominatim.mode = "down"

    with pytest.raises(GeocoderUnavailable) as excinfo:
        geocode(query="人民广场", city="上海市")

    assert excinfo.value.code == "geocoder_unavailable"
    assert excinfo.value.status == 503
    assert _geocode_keys() == []

    # when the provider is back, the next call asks it again and succeeds
    nominatim.mode = "ok"
    assert geocode(query="人民广场", city="上海市").lat == 31.2304
    assert len(nominatim.requests_to()) == 2


def test_a_slow_provider_times_out_as_geocoder_unavailable(nominatim, settings):
    _configure(settings, timeout_s=0.5)
    nominatim.mode = "slow"
    nominatim.slow_s = 2.0

    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable):
        geocode(query="人民广场", city="上海市")
    elapsed = time.monotonic() - started

    # one attempt, abandoned at the client timeout: no silent retries stretching the wait
    assert elapsed < 1.5
    assert len(nominatim.requests_to()) == 1
    assert _geocode_keys() == []


def test_an_unreachable_provider_is_geocoder_unavailable(nominatim, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    _configure(settings, domain=f"127.0.0.1:{closed_port}")

    with pytest.raises(GeocoderUnavailable):
        geocode(query="人民广场", city="上海市")


def test_a_blank_query_is_rejected_without_a_request(nominatim):
    with pytest.raises(ValidationFailed) as excinfo:
        geocode(query="   ", city="上海市")

    assert list(excinfo.value.details["fields"]) == ["q"]
    assert nominatim.requests == []


# --- Rate limit -------------------------------------------------------------------------------------------

# Redis expiry is millisecond-precise, but the fake sees arrivals, not slots: the time between taking the
# slot and the request reaching the fake differs between calls, by more than 10 ms on a loaded CI host (a
# clean-clone CI failed on it). Without the limit the calls arrive a few ms apart, so a 50 ms allowance
# still fails that case.
_CLOCK_SLACK_S = 0.05


def test_uncached_calls_are_spaced_by_min_interval(nominatim, settings):
    _configure(settings, min_interval_s=0.3)

    geocode(query="人民广场", city="上海市")
    geocode(query="南京东路", city="上海市")

    first, second = nominatim.requests_to()
    assert second.at - first.at >= 0.3 - _CLOCK_SLACK_S


def test_concurrent_callers_share_one_rate_limit(nominatim, settings):
    _configure(settings, min_interval_s=0.2)
    errors: list[BaseException] = []

    def lookup(query: str) -> None:
        try:
            geocode(query=query, city="上海市")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=lookup, args=(q,)) for q in ("人民广场", "南京东路", "外滩")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    arrivals = sorted(r.at for r in nominatim.requests_to())
    assert len(arrivals) == 3
    assert all(b - a >= 0.2 - _CLOCK_SLACK_S for a, b in itertools.pairwise(arrivals))


def test_cached_answers_do_not_wait_for_the_rate_limit(nominatim, settings):
    _configure(settings, min_interval_s=5.0)
    geocode(query="人民广场", city="上海市")

    started = time.monotonic()
    geocode(query="人民广场", city="上海市")

    assert time.monotonic() - started < 0.5


def test_no_slot_within_the_timeout_is_geocoder_unavailable(nominatim, settings):
    _configure(settings, min_interval_s=5.0, timeout_s=0.3)
    geocode(query="人民广场", city="上海市")

    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable):
        geocode(query="南京东路", city="上海市")

    assert time.monotonic() - started < 1.0
    assert len(nominatim.requests_to()) == 1


# --- Baidu ------------------------------------------------------------------------------------------------


def test_baidu_answers_are_converted_from_bd09_to_wgs84(baidu):
    result = geocode(query="人民广场", city="上海市")

    expected = bd09_to_wgs84(*BAIDU_PEOPLES_SQUARE_BD09)
    assert (result.lat, result.lng) == pytest.approx(expected, abs=1e-9)
    # the conversion is not a no-op: BD-09 sits several hundred metres away from WGS-84 here
    assert geodesic((result.lat, result.lng), BAIDU_PEOPLES_SQUARE_BD09).meters > 300
    assert result.provider == "baiduv3"
    assert result.address == "上海市 人民广场"
    [request] = baidu.requests_to()
    assert request.params == {"ak": "test-ak", "output": "json", "address": "上海市 人民广场"}


def test_baidu_no_match_is_not_found(baidu):
    with pytest.raises(NotFound):
        geocode(query="不存在的地方 999 号", city="上海市")


def test_baidu_down_is_geocoder_unavailable(baidu):
    baidu.mode = "down"

    with pytest.raises(GeocoderUnavailable):
        geocode(query="人民广场", city="上海市")


def test_the_cache_is_kept_per_provider(nominatim, baidu, settings):
    # given an answer cached from Nominatim
    _configure(settings, provider="nominatim", domain=nominatim.domain)
    from_nominatim = geocode(query="人民广场", city="上海市")

    # when the provider is switched to Baidu
    _configure(settings, provider="baiduv3", domain=baidu.domain)
    from_baidu = geocode(query="人民广场", city="上海市")

    # then Baidu is asked, not served Nominatim's point
    assert len(baidu.requests_to()) == 1
    assert from_baidu.provider == "baiduv3"
    assert from_baidu != from_nominatim
