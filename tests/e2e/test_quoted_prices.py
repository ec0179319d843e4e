"""The store page shows the exact quote for the owner's car, and the booking costs what the page showed."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.selectors import amount_due
from catalog.models import Service
from catalog.pricing import offering_set_price
from catalog.quotes import quote_build
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.catalog.factories import set_price
from tests.e2e.booking_fixtures import sign_in, slot_button
from tests.factories import UserFactory, VehicleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Where screenshots go when CHEFU_SCREENSHOTS names a directory (to look at them); otherwise nowhere.
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _shop():
    """A shop whose minor service is priced for its reference car, a 朗逸 (4 L of oil, the EA211 filter): ¥647.00
    on the price list; and a wash, the same ¥45.00 for every car."""
    store = make_shop(bays=2, name="漕溪路保养店")
    offering_set_price(
        store=store,
        service=Service.objects.get(code="minor_service"),
        by=None,
        labour=Decimal("120.00"),
        parts=[
            {"sku": "OIL-MOB1-0W20", "qty": Decimal("4"), "unit_price": Decimal("118.00")},
            {"sku": "OFL-MANN-EA211", "qty": Decimal("1"), "unit_price": Decimal("55.00")},
        ],
        duration_min=60,
    )
    set_price(store, "standard_wash", "45.00", duration_min=30)
    return store


def _price(page, code: str):
    return page.locator(f'#price-list li[data-service="{code}"]')


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_owner_sees_the_exact_price_for_their_car_and_books_at_it(live_server, page, viewport):
    # given a shop listing ¥647.00 for a minor service on a 朗逸, and an owner with a Camry (5 L of oil, another filter)
    store = _shop()
    owner = UserFactory(roles=["owner"], name="陈女士")
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    quote = quote_build(store=store, service=Service.objects.get(code="minor_service"), vehicle=camry)
    exact = f"¥{quote.total}"
    assert quote.total != Decimal("647.00")
    page.set_viewport_size(viewport)
    size = "phone" if viewport is PHONE else "desktop"

    # when the owner opens the store page, not yet signed in
    page.goto(f"{live_server.url}/stores/{store.pk}/")

    # then the minor service costs "from" its labour, the car is asked for, and the wash is the same for every car
    expect(_price(page, "minor_service").locator(".price-total")).to_have_text("¥120.00 起")
    expect(_price(page, "minor_service")).to_contain_text("另加配件，按您的车型报价")
    expect(_price(page, "standard_wash").locator(".price-total")).to_have_text("¥45.00")
    expect(page.locator("#price-basis")).to_have_text("登录并选择您的车辆，查看准确价格。")
    expect(page.locator("#price-list")).not_to_contain_text("647")
    _shot(page, f"store-page-no-car-{size}")

    # when they sign in (their Camry is their car)
    sign_in(page, owner)

    # then the price list and the booking panel show the Camry's quote, itemized, with nothing meant for staff
    expect(page.locator("#price-basis")).to_contain_text("沪B6M218")
    minor = _price(page, "minor_service")
    expect(minor.locator(".price-total")).to_have_text(exact)
    expect(minor.locator(".quote-total")).to_have_text(exact)
    expect(minor).to_contain_text("美孚1号 全合成机油 0W-20 × 5")
    expect(minor).to_contain_text(quote.lines[2].description)
    expect(page.locator("body")).not_to_contain_text("目录价")
    expect(page.locator("#service option:checked")).to_have_text(f"小保养（机油+机滤） · {exact}")
    expect(page.locator("#booking-quote .quote-total")).to_have_text(exact)

    # when they pick tomorrow 10:00 and book
    page.select_option("#date", tomorrow().isoformat())
    page.click(slot_button(page, local(tomorrow(), 10)))
    _shot(page, f"store-page-camry-{size}")
    page.click("#book")

    # then the booking costs exactly what the page showed
    result = page.locator("#booking-result")
    expect(result.locator(".total")).to_have_text(exact)
    booking = Booking.objects.get(owner=owner)
    assert f"¥{amount_due(booking)}" == exact
    assert booking.quote_total == quote.total
    _shot(page, f"store-page-booked-{size}")


def test_an_electric_car_is_not_offered_the_oil_change(live_server, page):
    # given the same shop, and an owner whose only car is a BYD 汉EV
    store = _shop()
    owner = UserFactory(roles=["owner"], name="刘先生")
    VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)
    page.set_viewport_size(PHONE)

    # when they open the store page and sign in
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    sign_in(page, owner)

    # then the minor service is shown as not for this car and cannot be chosen; the wash is offered at its price
    minor = _price(page, "minor_service")
    expect(minor).to_have_class("price not-applicable")
    expect(minor.locator(".price-total")).to_have_text("不适用于此车")
    expect(minor).to_contain_text("纯电动车没有发动机机油和机滤")
    expect(page.locator('#service option[value="minor_service"]')).to_be_disabled()
    expect(page.locator("#service")).to_have_value("standard_wash")
    expect(page.locator("#booking-quote .quote-total")).to_have_text("¥45.00")
    expect(page.locator("#booking-quote")).to_have_text(
        "沪AD12345 · 比亚迪 汉EV 的价格" + "工时费：标准洗车¥45.00" + "合计¥45.00"
    )
    _shot(page, "store-page-ev-phone")
