"""The shop's price edit in the browser: the manager sees each price with the city's band, saves a new price, and
the store's public page then shows it, while the version history keeps both versions."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import ReferencePrice
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import staff_of
from tests.e2e.booking_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def test_the_manager_edits_a_price_and_owners_see_the_new_version(live_server, page, tmp_path):
    # given: a store charging ¥299 for a minor service, the city's band at ¥260–¥399, and its manager at a desk
    store = make_shop(name="徐家汇旗舰店", price="299.00")
    ReferencePrice.objects.create(
        service_id="minor_service",
        city=store.city,
        p25=Decimal("260.00"),
        median=Decimal("320.00"),
        p75=Decimal("399.00"),
        sample_size=12,
    )
    manager = staff_of(store, role="manager", name="王店长")
    page.set_viewport_size(DESKTOP)

    # when the manager opens the price list
    page.goto(f"{live_server.url}/partner/prices/")
    sign_in(page, manager)

    # then the price shows with the band beside it
    card = page.locator('li.price[data-service="minor_service"]')
    expect(card.locator(".price-total")).to_have_text("¥299.00")
    expect(card.locator(".band")).to_contain_text("¥260.00")
    expect(card.locator(".band")).to_contain_text("¥399.00")
    _shot(page, "prices-1-list-desktop", tmp_path)

    # when they type a labour the API refuses (422), the editor says why and nothing changes
    card.locator("button.edit-price").click()
    card.locator("input[name=labour]").fill("-5")
    card.locator("button[type=submit]").click()
    expect(card.locator(".price-editor .form-message")).to_have_class("form-message error")
    expect(card.locator(".price-editor .form-message")).not_to_be_empty()

    # when they set the labour to ¥350, as a new version
    card.locator("input[name=labour]").fill("350.00")
    card.locator("button[type=submit]").click()

    # then the page says so and the card shows the new total and version 2
    expect(page.locator("#console-message")).to_contain_text("¥350.00")
    card = page.locator('li.price[data-service="minor_service"]')
    expect(card.locator(".price-total")).to_have_text("¥350.00")

    # and the version history shows both versions, the new one in force
    card.get_by_role("button", name="版本记录").click()
    versions = card.locator("li.version")
    expect(versions).to_have_count(2)
    expect(card.locator('li.version.current[data-version="2"]')).to_contain_text("¥350.00")
    expect(card.locator('li.version[data-version="1"]')).to_contain_text("¥299.00")
    _shot(page, "prices-2-history-desktop", tmp_path)

    # and on a phone the page fits the screen
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator('li.price[data-service="minor_service"] .price-total')).to_have_text("¥350.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "prices-3-list-phone", tmp_path)
    page.locator('li.price[data-service="minor_service"] button.edit-price').click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "prices-4-editor-phone", tmp_path)

    # and an owner on the store's page sees the new price
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    expect(page.locator("#price-list")).to_contain_text("350.00")
    expect(page.locator("#price-list")).not_to_contain_text("299.00")
