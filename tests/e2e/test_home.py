import pytest
from geopy.distance import geodesic

from accounts.services import user_create
from tests.factories import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ORIGIN = (31.2304, 121.4737)


def _at(metres: float, bearing: float) -> dict:
    point = geodesic(meters=metres).destination(ORIGIN, bearing)
    return {"lat": point.latitude, "lng": point.longitude}


def test_owner_finds_nearby_shops_nearest_first(live_server, page):
    # given three shops around People's Square and one suspended next door
    StoreFactory(name="近的洗车店", **_at(300, 10))
    StoreFactory(name="中间的保养店", **_at(1500, 200))
    StoreFactory(name="远的轮胎店", **_at(4000, 90))
    StoreFactory(name="停业整顿店", status="suspended", **_at(100, 0))
    StoreFactory(name="太远的店", **_at(9000, 0))

    # when the owner searches by coordinates within 5 km
    page.goto(live_server.url + "/")
    assert "车服" in page.title()
    assert page.locator("#search-title").inner_text() == "查找附近的合作门店"
    page.locator("summary").click()
    page.fill("#lat", str(ORIGIN[0]))
    page.fill("#lng", str(ORIGIN[1]))
    page.click("#nearby-form button[type=submit]")

    # then the visible shops are listed nearest first, and the suspended and far ones are not
    page.wait_for_selector("#results li.store")
    names = page.locator("#results li.store strong").all_inner_texts()
    assert names == ["近的洗车店", "中间的保养店", "远的轮胎店"]
    assert page.locator("#status").inner_text() == "找到 3 家门店"


def test_the_home_page_switches_to_english(live_server, page):
    page.goto(live_server.url + "/")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Find partner shops near you")
    assert page.locator("html").get_attribute("lang") == "en"


def test_admin_signs_in_to_the_back_office(live_server, page):
    user_create(phone="13800000000", password="chefu-demo-2026", name="管理员", roles=["admin"])

    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", "13800000000")
    page.fill("input[name=password]", "chefu-demo-2026")
    page.click("button[type=submit]")

    page.wait_for_url(live_server.url + "/admin/")
    assert page.locator("main, #main").first.is_visible()
    assert "login" not in page.url
