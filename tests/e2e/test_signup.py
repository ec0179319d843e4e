"""Signing up by SMS code and adding the car with the make → model → year picker; signing in by code
(cms/account_pages.py, static/js/accounts.js)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User, Vehicle
from tests.e2e.booking_fixtures import AUTH, owner_with_car
from tests.factories import PASSWORD, sms_code_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Where to keep the screenshots to look at (CHEFU_SCREENSHOTS=<dir>); without it they are taken and dropped.
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_new_owner_signs_up_by_code_and_adds_the_car_on_a_phone(live_server, page, tmp_path):
    page.set_viewport_size(PHONE)
    errors: list[str] = []
    # (the 422 the plate gets on purpose is logged by chromium as a failed load: not a script error)
    page.on("pageerror", lambda error: errors.append(str(error)))

    # when a visitor follows 登录/注册 in the header, and on to 注册
    page.goto(f"{live_server.url}/me/bookings/")
    page.click("header >> text=登录/注册")
    page.click(".account-switch a")
    expect(page.locator("h1")).to_have_text("注册")

    # and asks for a code for their phone
    page.fill("#signup-phone", "139 1234 5678")
    page.click(".send-code")
    expect(page.locator(".code-message")).to_have_text("验证码已发送，5 分钟内有效。")
    expect(page.locator(".send-code")).to_be_disabled()
    _no_sideways_scroll(page)
    _shot(page, "signup-code-sent-390x844", tmp_path)

    # and types the code the SMS carried, and a name
    page.fill("#signup-code", sms_code_sent("13912345678"))
    page.fill("#signup-name", "王芳")
    page.click("#signup-form button[type=submit]")

    # then they are signed in, on 我的车辆, with no car yet
    expect(page).to_have_url(f"{live_server.url}/me/vehicles/")
    expect(page.locator("#vehicles-message")).to_have_text("您还没有添加车辆。")
    assert User.objects.filter(phone="13912345678", name="王芳").exists()
    expect(page.locator("header")).not_to_contain_text("登录/注册")

    # when they pick the make, then the model (whose years the catalogue knows), and type a plate the server refuses
    page.select_option("#vehicle-make", "丰田")
    page.select_option("#vehicle-model", "凯美瑞")
    years = page.locator("#vehicle-year option").all_text_contents()[1:]
    assert years[-1] == "2018"  # the catalogue's first Camry year, not the server's 1950
    page.select_option("#vehicle-year", "2020")
    page.fill("#vehicle-plate", "沪I1234")
    page.locator("#vehicle-plate").blur()
    expect(page.locator("#plate-hint")).to_be_visible()
    page.fill("#vehicle-mileage", "32000")
    page.click("#vehicle-form button[type=submit]")

    # then the server's answer is said by the plate field, and nothing is added
    expect(page.locator("#plate-error")).to_contain_text("请填写中国大陆车牌")
    assert page.locator("#vehicle-plate").get_attribute("aria-invalid") == "true"
    _shot(page, "vehicle-plate-refused-390x844", tmp_path)
    assert not Vehicle.objects.exists()

    # when they correct it (lower case and a space, as people type plates)
    page.fill("#vehicle-plate", "沪a 12345")
    page.click("#vehicle-form button[type=submit]")

    # then the car is listed, as the server stored it
    card = page.locator("#vehicles .vehicle")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("沪A12345")
    expect(card).to_contain_text("丰田 凯美瑞 · 2020")
    expect(page.locator("#vehicle-form-message")).to_have_text("车辆已添加。")
    expect(page.locator("#plate-error")).to_be_empty()
    _no_sideways_scroll(page)
    _shot(page, "vehicle-added-390x844", tmp_path)
    vehicle = Vehicle.objects.get()
    assert (vehicle.owner.phone, vehicle.plate, vehicle.make, vehicle.model, vehicle.year, vehicle.mileage_km) == (
        "13912345678",
        "沪A12345",
        "丰田",
        "凯美瑞",
        2020,
        32000,
    )
    assert errors == []


def test_a_car_the_catalogue_does_not_know_is_typed_in(live_server, page, tmp_path):
    owner, _ = owner_with_car()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/signup/")
    _shot(page, "signup-1366x900", tmp_path)
    page.goto(f"{live_server.url}/accounts/signin/?next=/me/vehicles/")
    page.click(f"{AUTH} .signin-mode")  # back to the password
    page.fill(f"{AUTH} input[name=phone]", owner.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/me/vehicles/")
    expect(page.locator("#vehicles .vehicle")).to_have_count(1)

    page.select_option("#vehicle-make", "__other__")
    page.fill("#vehicle-make-other", "红旗")
    page.fill("#vehicle-model-other", "H5")
    page.select_option("#vehicle-year", "2021")
    page.fill("#vehicle-plate", "京AD12345")
    _shot(page, "vehicle-form-1366x900", tmp_path)
    page.click("#vehicle-form button[type=submit]")

    expect(page.locator("#vehicles .vehicle")).to_have_count(2)
    expect(page.locator("#vehicles .vehicle").nth(1)).to_contain_text("红旗 H5 · 2021")
    expect(page.locator("#vehicles .vehicle").nth(1)).to_contain_text("新能源")
    _shot(page, "vehicles-1366x900", tmp_path)

    # when they change the typed-in car's mileage
    page.locator("#vehicles .vehicle").nth(1).locator("button.edit").click()
    expect(page.locator("#vehicle-form-title")).to_have_text("修改 京AD12345")
    assert page.input_value("#vehicle-make-other") == "红旗"
    page.fill("#vehicle-mileage", "1500")
    page.click("#vehicle-form button[type=submit]")
    expect(page.locator("#vehicle-form-message")).to_have_text("修改已保存。")
    expect(page.locator("#vehicles .vehicle").nth(1)).to_contain_text("1,500 公里")
    expect(page.locator("#vehicle-form-title")).to_have_text("添加车辆")

    # when they make it their default car, it is marked so and comes first (prices and bookings start with it)
    first = page.locator("#vehicles .vehicle").nth(0)
    expect(first.locator(".badge.default-car")).to_have_text("默认")
    page.locator("#vehicles .vehicle").nth(1).locator("button.make-default").click()
    expect(page.locator("#vehicles-message")).to_have_text("京AD12345 已设为默认车辆：价格和预约都先按这辆车显示。")
    expect(first).to_contain_text("京AD12345")
    expect(first.locator(".badge.default-car")).to_have_text("默认")
    expect(first.locator("button.make-default")).to_have_count(0)
    expect(page.locator("#vehicles .badge.default-car")).to_have_count(1)

    # and remove it, saying yes when asked: the car left is the default again
    page.locator("#vehicles .vehicle").nth(0).locator("button.remove").click()
    _shot(page, "vehicle-remove-confirm-1366x900", tmp_path)
    page.click("#vehicles .remove-yes")
    expect(page.locator("#vehicles .vehicle")).to_have_count(1)
    expect(page.locator("#vehicle-form-message")).to_have_text("车辆已删除。")
    assert list(Vehicle.objects.filter(owner=owner).values_list("plate", "is_default")) == [("沪A12345", True)]
    expect(page.locator("#vehicles .vehicle .badge.default-car")).to_have_text("默认")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_owner_signs_in_by_code_and_goes_on_to_next(live_server, page, viewport, tmp_path):
    owner, _ = owner_with_car(name="韩梅梅")
    page.set_viewport_size(viewport)
    size = f"{viewport['width']}x{viewport['height']}"

    # when the owner opens 我的车辆 unsigned, they are sent to sign in, the code first
    page.goto(f"{live_server.url}/me/vehicles/")
    expect(page).to_have_url(f"{live_server.url}/accounts/signin/?next=%2Fme%2Fvehicles%2F")
    expect(page.locator(f"{AUTH} input[name=code]")).to_be_visible()
    expect(page.locator(f"{AUTH} input[name=password]")).to_be_hidden()
    _no_sideways_scroll(page)
    _shot(page, f"signin-{size}", tmp_path)
    page.fill(f"{AUTH} input[name=phone]", owner.phone)
    page.click(f"{AUTH} .send-code")
    expect(page.locator(f"{AUTH} .auth-message")).to_have_text("验证码已发送，5 分钟内有效。")
    page.fill(f"{AUTH} input[name=code]", sms_code_sent(owner.phone))
    page.click(f"{AUTH} button[type=submit]")

    # then they are back where they were going, signed in, with their car
    expect(page).to_have_url(f"{live_server.url}/me/vehicles/")
    expect(page.locator("#vehicles .vehicle")).to_contain_text("沪A12345")
    _shot(page, f"my-cars-{size}", tmp_path)

    # when they open its edit form, the picker shows what the car is
    page.click("#vehicles .vehicle button.edit")
    assert (page.input_value("#vehicle-make"), page.input_value("#vehicle-model")) == ("大众", "朗逸")
    assert page.input_value("#vehicle-year") == "2019"
    _shot(page, f"vehicle-edit-{size}", tmp_path)


def test_a_missing_page_is_branded_and_the_favicon_is_there(live_server, page, tmp_path):
    # live_server runs with DEBUG=False, as production does
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        response = page.goto(f"{live_server.url}/no-such-page/")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text("没有找到这个页面")
        expect(page.locator(".site-header .brand")).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"404-{viewport['width']}x{viewport['height']}", tmp_path)

    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")
