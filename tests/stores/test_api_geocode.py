"""GET /api/v1/geo/geocode over HTTP: the contract's fields, coordinate systems and error envelope."""

import pytest

from stores.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.fakes.nominatim import FakeNominatim

PEOPLES_SQUARE = (31.2304, 121.4737)


@pytest.fixture
def nominatim(settings):
    places = {"上海市 人民广场": (*PEOPLES_SQUARE, "人民广场, 黄浦区, 上海市, 200001, 中国")}
    with FakeNominatim(places) as fake:
        settings.GEOCODER = {
            **settings.GEOCODER,
            "provider": "nominatim",
            "domain": fake.domain,
            "scheme": "http",
            "min_interval_s": 0.0,
            "timeout_s": 1.0,
        }
        yield fake


def test_geocode_answers_wgs84_by_default(api, nominatim):
    response = api.get("/api/v1/geo/geocode", {"q": "人民广场", "city": "上海市"})

    assert response.status_code == 200
    body = response.json()
    assert (body["lat"], body["lng"]) == pytest.approx(PEOPLES_SQUARE, abs=1e-7)
    assert body["address"].startswith("人民广场")
    assert body["provider"] == "nominatim"


@pytest.mark.parametrize(("coord", "transform"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_geocode_answers_in_the_system_asked_for(api, nominatim, coord, transform):
    response = api.get("/api/v1/geo/geocode", {"q": "人民广场", "city": "上海市", "coord": coord})

    assert response.status_code == 200
    assert (response.json()["lat"], response.json()["lng"]) == pytest.approx(transform(*PEOPLES_SQUARE), abs=1e-6)


def test_unknown_place_is_404_not_found(api, nominatim):
    response = api.get("/api/v1/geo/geocode", {"q": "不存在的地方", "city": "上海市"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_provider_down_is_503_geocoder_unavailable(api, nominatim):
    nominatim.mode = "down"

    response = api.get("/api/v1/geo/geocode", {"q": "人民广场", "city": "上海市"})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "geocoder_unavailable"


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "人民广场", "coord": "wgs72"}])
def test_bad_query_is_422_and_asks_no_provider(api, nominatim, params):
    response = api.get("/api/v1/geo/geocode", params)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert nominatim.requests == []
