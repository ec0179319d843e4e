"""The content site in a real browser: from the guides to a service guide, on a phone and on a desktop."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import ReferencePrice
from demo.content import demo_content_load
from demo.payments import demo_coupons_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Where screenshots go when CHEFU_SCREENSHOTS names a directory (to look at them); else the test's own tmp_path.
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(autouse=True)
def no_console_errors(page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert not errors, errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_owner_reads_a_service_guide(live_server, page, tmp_path, size):
    # given the demo content and a city band for the minor service
    demo_coupons_load()
    demo_content_load()
    ReferencePrice.objects.create(
        service_id="minor_service",
        city="上海",
        p25=Decimal("320"),
        median=Decimal("388"),
        p75=Decimal("455"),
        sample_size=57,
    )
    page.set_viewport_size(SIZES[size])
    folder = Path(SHOTS or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    # when the owner opens the guides from the footer and picks the minor service
    page.goto(live_server.url + "/")
    page.click("footer >> text=服务指南")
    expect(page.locator("h1")).to_have_text("服务指南")
    page.screenshot(path=str(folder / f"content-guides-{size}.png"), full_page=True)
    page.click("text=小保养（机油+机滤）")

    # then the guide shows what is included, the checklist from the catalogue and the city band
    expect(page.locator("h1")).to_have_text("小保养（机油+机滤）")
    expect(page.locator("#checklist li").first).to_be_visible()
    assert page.locator("#checklist li").count() >= 3
    expect(page.locator("#price-band tr[data-city='上海']")).to_contain_text("¥320 – ¥455")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(folder / f"content-guide-{size}.png"), full_page=True)

    # and the site search finds it by a Chinese word
    page.goto(live_server.url + "/search/?q=机滤")
    expect(page.locator(".search-results a", has_text="小保养")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(folder / f"content-search-{size}.png"), full_page=True)

    for path, name in (("/promotions/", "promotions"), ("/faq/", "faq"), ("/news/", "news")):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        page.screenshot(path=str(folder / f"content-{name}-{size}.png"), full_page=True)
