"""Finding a shop on the home page: the map with its pins beside the list (above it on a phone), filters and sort
in the URL (Back brings the search back), "use my location", and each result's price, next slot, open/closed and
probation badge. No tile server is configured (MAP_TILE_URL empty): the map still draws its pins and scale."""

import copy
import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connections
from geopy.distance import geodesic
from playwright.sync_api import expect

from stores.coords import wgs84_to_gcj02
from tests.catalog.factories import set_price
from tests.e2e.conftest import csp_violation
from tests.factories import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
ORIGIN = (31.2304, 121.4737)
MINOR = "minor_service"
ALL_DAY = [(d, dt.time(0, 0), dt.time(0, 0)) for d in range(7)]
UNREACHABLE_TILES = "http://127.0.0.1:59999/tiles/{z}/{x}/{y}.png"  # nothing listens there


def _at(metres: float, bearing: float) -> dict:
    point = geodesic(meters=metres).destination(ORIGIN, bearing)
    return {"lat": point.latitude, "lng": point.longitude}


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _town() -> dict:
    """Three shops: the nearest open all day at ¥299, a farther one on probation at ¥199, the farthest no 小保养."""
    near = StoreFactory(name="近的保养店", categories=["maintenance"], hours=ALL_DAY, **_at(300, 10))
    set_price(near, MINOR, "299.00")
    cheap = StoreFactory(
        name="便宜的保养店", categories=["maintenance"], status="probation", hours=[], **_at(1500, 200)
    )
    set_price(cheap, MINOR, "199.00")
    wash = StoreFactory(name="洗车店", categories=["washing"], **_at(3000, 90))
    return {"near": near, "cheap": cheap, "wash": wash}


def _problem(message) -> bool:
    """A console error, or anything the CSP refused; not a tile the unreachable tile server did not send."""
    if csp_violation(message.text):
        return True
    tile = "net::ERR_" in message.text and UNREACHABLE_TILES.split("{")[0] in message.location["url"]
    return message.type == "error" and not tile


@pytest.fixture
def open_page(browser):
    """A page factory (zh-CN, Shanghai time, a viewport, optionally a granted location) that fails the test on a
    console error or anything the Content-Security-Policy refused."""
    contexts, problems = [], []

    def make(viewport: dict, geolocation: dict | None = None):
        extra = {"geolocation": geolocation, "permissions": ["geolocation"]} if geolocation else {}
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport, **extra)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda m: problems.append(m.text) if _problem(m) else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    connections.close_all()
    assert not problems, f"console errors: {problems}"


def _names(page) -> list[str]:
    return page.locator("#results li.store strong").all_inner_texts()


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_shared_link_filters_sort_and_back_on_a_phone(live_server, open_page):
    town = _town()
    page = open_page(PHONE)

    # a shared link opens the search it names: the list, and a pin for each shop on the map above it
    page.goto(f"{live_server.url}/?lat={ORIGIN[0]}&lng={ORIGIN[1]}")
    expect(page.locator("#status")).to_have_text("找到 3 家门店")
    assert _names(page) == ["近的保养店", "便宜的保养店", "洗车店"]
    expect(page.locator("#map .shop-pin")).to_have_count(3)
    expect(page.locator("#map .leaflet-control-scale")).to_be_visible()
    map_box, list_box = page.locator("#map").bounding_box(), page.locator("#results").bounding_box()
    assert map_box["y"] + map_box["height"] <= list_box["y"], "on a phone the map is above the list"
    assert _scroll_width(page) <= 390
    _shot(page, "map-search-phone")

    # choosing a service item puts it in the URL; each shop pricing it shows its price, next slot and open/closed
    page.select_option("#service", MINOR)
    expect(page).to_have_url(re.compile(rf"service={MINOR}"))
    expect(page.locator("#results li.store")).to_have_count(2)
    expect(page.locator("#map .shop-pin")).to_have_count(2)
    near = page.locator(f'#results li.store[data-store-id="{town["near"].pk}"]')
    expect(near.locator(".price-total")).to_have_text("¥299.00")
    expect(near.locator(".open-now")).to_have_text("正在营业")
    expect(near.locator(".next-slot")).to_contain_text("最早可约")
    cheap = page.locator(f'#results li.store[data-store-id="{town["cheap"].pk}"]')
    expect(cheap.locator(".price-total")).to_have_text("¥199.00")
    expect(cheap.locator(".closed-now")).to_have_text("休息中")
    expect(cheap.locator(".badge.probation")).to_be_visible()
    expect(cheap.locator(".next-slot")).to_have_text("近期无空闲时段")

    # sorting by price: the URL and the list follow
    page.select_option("#sort", "price")
    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(page.locator("#results li.store strong").first).to_have_text("便宜的保养店")
    assert _query(page) == {"lat": str(ORIGIN[0]), "lng": str(ORIGIN[1]), "service": MINOR, "sort": "price"}
    _shot(page, "map-search-phone-by-price")

    # a pin chosen on the map marks its shop in the list, and a shop chosen in the list marks its pin
    page.locator("#map .shop-pin").nth(1).click()
    expect(near).to_have_class(re.compile(r"\bselected\b"))
    cheap.locator(".address").click()
    expect(cheap).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#map .shop-pin.selected")).to_have_text("1")

    # Back: nearest first again, then every shop again
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort="))
    expect(page.locator("#sort")).to_have_value("distance")
    expect(page.locator("#results li.store strong").first).to_have_text("近的保养店")
    expect(page.locator("#results li.store")).to_have_count(2)
    page.go_back()
    expect(page.locator("#service")).to_have_value("")
    expect(page.locator("#results li.store")).to_have_count(3)

    # the map folds away on a phone
    page.click("#map-toggle")
    expect(page.locator("#map")).to_be_hidden()


def test_use_my_location_on_a_desktop_map_beside_the_list(live_server, open_page):
    _town()
    far = geodesic(meters=30_000).destination(ORIGIN, 0)
    StoreFactory(name="郊区的店", lat=far.latitude, lng=far.longitude)
    page = open_page(DESKTOP, geolocation={"latitude": ORIGIN[0], "longitude": ORIGIN[1]})

    page.goto(live_server.url + "/")
    page.click("#locate")

    # the browser's position is the searched point: in the URL, with the three shops around it
    expect(page.locator("#status")).to_have_text("找到 3 家门店")
    query = _query(page)
    assert float(query["lat"]) == pytest.approx(ORIGIN[0], abs=1e-5)
    assert float(query["lng"]) == pytest.approx(ORIGIN[1], abs=1e-5)
    expect(page.locator("#map .shop-pin")).to_have_count(3)
    map_box, list_box = page.locator("#map").bounding_box(), page.locator("#results").bounding_box()
    assert map_box["x"] >= list_box["x"] + list_box["width"], "on a desktop the map is beside the list"
    expect(page.locator("#map-toggle")).to_be_hidden()
    _shot(page, "map-search-desktop")

    # the pins' shift for GCJ-02 tiles (MAP_TILE_CRS=gcj02) is the one the API's coord=gcj02 uses
    for point in [(31.2304, 121.4737), (39.9042, 116.4074), (22.5431, 114.0579), (51.5072, -0.1276)]:
        shifted = page.evaluate("([lat, lng]) => ChefuMap.wgs84ToGcj02(lat, lng)", list(point))
        assert shifted == pytest.approx(list(wgs84_to_gcj02(*point)), abs=1e-9)

    # a filter is one more step in the URL, and Back undoes it
    page.select_option("#category", "washing")
    expect(page.locator("#results li.store")).to_have_count(1)
    assert _query(page)["category"] == "washing"
    page.go_back()
    expect(page.locator("#results li.store")).to_have_count(3)
    expect(page.locator("#category")).to_have_value("")


def test_a_refused_location_is_said_plainly(live_server, open_page):
    page = open_page(PHONE)

    page.goto(live_server.url + "/")
    page.click("#locate")

    expect(page.locator("#status")).to_contain_text("无法使用您的位置")


def test_an_unreachable_tile_server_still_leaves_pins_and_a_scale(live_server, open_page, settings):
    # given a tile server configured (and allowed by the CSP, as chefu/settings does it) that does not answer
    settings.MAP_TILE_URL = UNREACHABLE_TILES
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"].append("http://127.0.0.1:59999")
    settings.CONTENT_SECURITY_POLICY = policy
    _town()
    page = open_page(DESKTOP)

    page.goto(f"{live_server.url}/?lat={ORIGIN[0]}&lng={ORIGIN[1]}")

    expect(page.locator("#map .shop-pin")).to_have_count(3)
    expect(page.locator("#map")).to_have_class(re.compile(r"\bno-tiles\b"))
    expect(page.locator("#map .leaflet-control-scale")).to_be_visible()
    expect(page.locator("#map .search-area")).to_have_count(1)
