"""The invariant of the store page: the price shown for the owner's car is the price booked and the price charged.

An owner with a Camry-like car and an electric car: for the Camry, 小保养's price on the page (the list, the phone's
bar, the 预约 button) is the booking's quote_total and the sandbox payment's amount; the electric car is not offered
the oil change; no note meant for the store or QA reaches the page; at 390 px nothing scrolls sideways."""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from catalog.models import ReferencePrice, Service
from catalog.pricing import offering_set_price
from catalog.quotes import quote_build
from payments.models import Coupon, CouponKind, Payment, PaymentStatus
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.catalog.factories import set_price
from tests.e2e.booking_fixtures import sign_in, slot_button
from tests.factories import SHANGHAI, UserFactory, VehicleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
MINOR = "minor_service"


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _world():
    """A shop pricing 小保养 for its own 朗逸 (¥647 listed, with a 朗逸 oil filter) and a wash at ¥45; an owner whose
    first car is a Camry (5 L of oil, the filter quoted from the catalogue: an internal note) and whose second is a
    BYD 汉EV; and a listed coupon, with a long name, the booking is too small for."""
    store = make_shop(bays=2, name="漕溪路保养店", price="999.00")
    minor = Service.objects.get(code=MINOR)
    offering_set_price(
        store=store,
        service=minor,
        by=None,
        labour=Decimal("120.00"),
        parts=[
            {"sku": "OIL-MOB1-0W20", "qty": Decimal("4"), "unit_price": Decimal("118.00")},
            {"sku": "OFL-MANN-EA211", "qty": Decimal("1"), "unit_price": Decimal("55.00")},
        ],
        duration_min=60,
    )
    set_price(store, "standard_wash", "45.00", duration_min=30)
    owner = UserFactory(roles=["owner"], name="陈女士")
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    han = VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)
    now = timezone.now()
    Coupon.objects.create(
        code="DABAOYANG5000",
        name="年度大保养超值特惠券（仅限四轮定位与全车养护套餐同时购买时使用，详见活动细则）",
        kind=CouponKind.AMOUNT,
        value=Decimal("500"),
        min_spend=Decimal("5000"),
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=7),
        per_user_limit=1,
        budget=Decimal("10000"),
    )
    quote = quote_build(store=store, service=minor, vehicle=camry)
    assert quote.internal_notes, "the Camry's filter is a catalogue substitute: the quote has a note for staff"
    assert quote.total != Decimal("647.00")
    return store, owner, camry, han, quote


def _no_internal_note(page, quote) -> None:
    html = page.content()
    for note in quote.internal_notes:
        assert note not in html
    assert "目录价" not in html
    assert "catalogue" not in page.locator("body").inner_text()


def test_the_price_shown_for_the_car_is_booked_and_charged_on_a_phone(celery_worker, live_server, page, settings):
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    store, owner, camry, han, quote = _world()
    exact = f"¥{quote.total}"
    # the worker computes the city's band from the prices set (this one shop's)
    band = celery_worker.wait_for(lambda: ReferencePrice.objects.filter(service_id=MINOR, city=store.city).first())
    page.set_viewport_size(PHONE)

    # when the owner opens the store page, not signed in
    page.goto(f"{live_server.url}/stores/{store.pk}/")

    # then 小保养 costs "from" its labour and the car is asked for; the bar at the bottom says the same
    minor = page.locator(f'#price-list li[data-service="{MINOR}"]')
    expect(minor.locator(".price-total")).to_have_text("¥120.00 起")
    expect(page.locator("#price-basis")).to_have_text("登录并选择您的车辆，查看准确价格。")
    bar = page.locator("#book-bar")
    expect(bar).to_be_visible()
    expect(bar.locator(".book-bar-price")).to_have_text("¥120.00 起")
    assert _scroll_width(page) <= 390
    _shot(page, "price-phone-anonymous")

    # when they sign in: their first car, the Camry, is chosen and kept in the address
    sign_in(page, owner)
    expect(page.locator("#vehicle")).to_have_value(str(camry.pk))
    expect(page).to_have_url(re.compile(rf"[?&]vehicle={camry.pk}\b"))

    # then the list, the booking panel and the bar show the Camry's exact quote, itemized, with the city's band
    expect(minor.locator(".price-total")).to_have_text(exact)
    expect(minor).to_contain_text("美孚1号 全合成机油 0W-20 × 5")
    expect(page.locator("#booking-quote .quote-total")).to_have_text(exact)
    expect(page.locator("#booking-quote .reference")).to_have_text(f"同城参考价 ¥{band.p25}–¥{band.p75}")
    expect(bar.locator(".book-bar-price")).to_have_text(exact)
    _no_internal_note(page, quote)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "price-phone-camry-top")

    # when they tap the bar's 预约: the booking panel comes into view, and the bar steps aside
    bar.locator(".book-bar-go").click()
    expect(page.locator("#booking-title")).to_be_in_viewport()
    expect(bar).to_be_hidden()

    # when they pick tomorrow 10:00: the 预约 button names the amount
    page.select_option("#date", tomorrow().isoformat())
    page.click(slot_button(page, local(tomorrow(), 10)))
    expect(page.locator("#book")).to_have_text(f"预约 · {exact}")
    assert _scroll_width(page) <= 390
    _shot(page, "price-phone-camry-slot")
    page.click("#book")

    # then the booking's quote_total is the amount shown; the coupon the booking is too small for wraps on screen
    result = page.locator("#booking-result")
    expect(result.locator(".total")).to_have_text(exact)
    expect(result.locator('select.coupon-choice option[value="DABAOYANG5000"]')).to_be_disabled()
    booking = Booking.objects.get(owner=owner)
    assert booking.quote_total == quote.total
    _no_internal_note(page, quote)
    assert _scroll_width(page) <= 390
    _shot(page, "price-phone-booked")

    # when they pay in the sandbox
    result.locator("button.pay").click()
    expect(page).to_have_url(re.compile(r"/api/v1/payments/sandbox/CF\w+\?"))
    expect(page.locator(".cashier .amount")).to_have_text(exact)
    page.get_by_role("button", name="付款").click()

    # then the amount charged is the amount shown
    celery_worker.wait_for(lambda: Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED).exists())
    payment = Payment.objects.get(booking=booking)
    booking.refresh_from_db()
    assert (payment.amount, payment.status) == (quote.total, PaymentStatus.SUCCEEDED)
    assert (booking.status, booking.amount_paid) == (BookingStatus.CONFIRMED, quote.total)

    # when they go back to the store page and choose their electric car
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    expect(page.locator("#vehicle")).to_have_value(str(camry.pk))
    page.select_option("#vehicle", str(han.pk))

    # then the oil change is not offered for it: no price, not bookable; the wash is, at its price; kept in the address
    expect(minor).to_have_class("price not-applicable")
    expect(minor.locator(".price-total")).to_have_text("不适用于此车")
    expect(page.locator(f'#service option[value="{MINOR}"]')).to_be_disabled()
    expect(page.locator("#service")).to_have_value("standard_wash")
    expect(bar.locator(".book-bar-price")).to_have_text("¥45.00")
    expect(page).to_have_url(re.compile(rf"[?&]vehicle={han.pk}\b"))
    page.reload()
    expect(page.locator("#vehicle")).to_have_value(str(han.pk))
    expect(minor.locator(".price-total")).to_have_text("不适用于此车")
    assert _scroll_width(page) <= 390
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "price-phone-ev")


def test_the_desktop_page_shows_the_cars_price_beside_the_list(live_server, page):
    store, owner, camry, han, quote = _world()
    page.set_viewport_size(DESKTOP)

    # when the owner opens the page for their electric car (a shared link), signed in
    page.goto(f"{live_server.url}/stores/{store.pk}/?vehicle={han.pk}")
    expect(page.locator("#book-bar")).to_be_hidden()  # phones only
    sign_in(page, owner)

    # then the electric car is chosen and not offered the oil change
    expect(page.locator("#vehicle")).to_have_value(str(han.pk))
    expect(page.locator(f'#price-list li[data-service="{MINOR}"] .price-total')).to_have_text("不适用于此车")
    _shot(page, "price-desktop-ev")

    # when they choose the Camry: its exact price, on the list and on 预约 once a time is picked
    page.select_option("#vehicle", str(camry.pk))
    exact = f"¥{quote.total}"
    expect(page.locator(f'#price-list li[data-service="{MINOR}"] .price-total')).to_have_text(exact)
    page.select_option("#service", MINOR)
    page.select_option("#date", tomorrow().isoformat())
    page.click(slot_button(page, local(tomorrow(), 11)))
    expect(page.locator("#book")).to_have_text(f"预约 · {exact}")
    _no_internal_note(page, quote)
    _shot(page, "price-desktop-camry")


def test_the_search_shows_each_shops_price_for_the_car(live_server, page):
    store, owner, camry, han, quote = _world()
    exact = f"¥{quote.total}"
    page.set_viewport_size(PHONE)

    def search(car=None):
        page.goto(live_server.url + "/")
        page.locator("#nearby-form summary").click()
        page.fill("#lat", str(SHANGHAI[0]))
        page.fill("#lng", str(SHANGHAI[1]))
        page.select_option("#service", MINOR)
        if car:
            expect(page.locator("#car-choice")).to_be_visible()
            page.select_option("#car", str(car.pk))
        page.click("#nearby-form button[type=submit]")
        return page.locator(f'#results li.store[data-store-id="{store.pk}"]')

    # a visitor is told what 小保养 costs at least there, and asked for the car
    result = search()
    expect(result.locator(".price-total")).to_have_text("¥120.00 起")
    expect(page.locator("#status")).to_contain_text("登录并选择您的车辆")

    # signed in (on the store page), the owner searches for their Camry: its exact price, the one booking charges
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    sign_in(page, owner)
    result = search(camry)
    expect(result.locator(".price-total")).to_have_text(exact)
    assert _scroll_width(page) <= 390
    _shot(page, "price-phone-search-camry")

    # and the shop's page opens for the same service and car, at the same price
    result.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/stores/{store.pk}/\?service={MINOR}&vehicle={camry.pk}"))
    expect(page.locator(f'#price-list li[data-service="{MINOR}"] .price-total')).to_have_text(exact)
    expect(page.locator("#book-bar .book-bar-price")).to_have_text(exact)

    # for the electric car, the oil change is not offered at any shop
    result = search(han)
    expect(result.locator(".price-total")).to_have_text("不适用于此车")
