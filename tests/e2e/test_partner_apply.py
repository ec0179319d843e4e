"""A shop owner applies to join on a phone (cms/partner_apply_pages.py, static/js/partner_apply.js): the shop located
from its address, its kinds of work, bays and week; then follows QA's decision: refused with a reason, corrected and
sent again, approved with the way into the shop console."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from stores.models import ApplicationStatus, PartnerApplication
from stores.services import application_approve, application_reject
from tests.e2e.booking_fixtures import AUTH
from tests.factories import PASSWORD, UserFactory
from tests.fakes.nominatim import FakeNominatim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
CAOXI = (31.1915, 121.4365)


@pytest.fixture
def geocoder(settings):
    places = {"上海 徐汇区漕溪北路88号": (*CAOXI, "漕溪北路88号, 徐汇区, 上海市, 中国")}
    with FakeNominatim(places) as fake:
        settings.GEOCODER = {**settings.GEOCODER, "provider": "nominatim", "domain": fake.domain, "scheme": "http"}
        yield fake


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_shop_applies_on_a_phone_is_refused_applies_again_and_is_approved(live_server, page, geocoder, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    applicant = UserFactory(roles=["owner"], name="赵老板")
    qa = UserFactory(roles=["qa"])
    page.set_viewport_size(PHONE)

    # when they follow 门店入驻 in the footer, signed out: they sign in and come back to the form
    page.goto(f"{live_server.url}/")
    page.click("footer >> text=门店入驻")
    page.click(f"{AUTH} .signin-mode")
    page.fill(f"{AUTH} input[name=phone]", applicant.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/partner/apply/")
    expect(page.locator("#applications-message")).to_have_text("您还没有提交过申请。")

    # when they fill it in without locating the shop, they are asked to
    page.fill("#apply-name", "极速养护中心")
    page.fill("#apply-phone", "021-54321234")
    page.fill("#apply-address", "徐汇区漕溪北路88号")
    page.check("#apply-categories input[value=maintenance]")
    page.check("#apply-categories input[value=washing]")
    page.click("#apply-submit")
    expect(page.locator("#apply-message")).to_have_text("请先为门店定位：按地址查找，或使用当前位置。")

    # then they locate it by its address, add a washing bay, and close on Sundays
    page.click("#locate-address")
    expect(page.locator("#locate-message")).to_have_text("已定位：漕溪北路88号, 徐汇区, 上海市, 中国")
    first_bay = page.locator("#apply-bays .bay").nth(0)
    expect(first_bay.locator("input[value=maintenance]")).to_be_checked()  # the shop's kinds of work, by default
    expect(first_bay.locator("input[value=washing]")).to_be_checked()
    page.click("#add-bay")
    second_bay = page.locator("#apply-bays .bay").nth(1)
    second_bay.locator("input[name=bay_name]").fill("洗车位")
    second_bay.locator("input[value=maintenance]").uncheck()
    page.locator('#apply-hours tr[data-weekday="6"] input[name=open]').uncheck()
    page.locator('#apply-hours tr[data-weekday="5"] input[name=closes]').fill("16:00")
    _no_sideways_scroll(page)
    _shot(page, "apply-1-form", tmp_path)
    page.click("#apply-submit")

    # then the application is waiting for QA, and the form is gone until it is decided
    card = page.locator("#applications .application").nth(0)
    expect(card.locator(".badge")).to_have_text("审核中")
    expect(page.locator("#applications-message")).to_have_text("申请已提交，质检团队将进行审核。")
    expect(page.locator("#apply-form")).to_be_hidden()
    application = PartnerApplication.objects.get(applicant=applicant)
    assert (application.name, application.phone, application.city) == ("极速养护中心", "021-54321234", "上海")
    assert (application.location.y, application.location.x) == pytest.approx(CAOXI, abs=1e-7)
    assert application.categories == ["maintenance", "washing"]
    assert application.bays == [
        {"name": "1 号工位", "categories": ["maintenance", "washing"]},
        {"name": "洗车位", "categories": ["washing"]},
    ]
    hours = {(row["weekday"], row["opens"], row["closes"]) for row in application.opening_hours}
    assert hours == {*((day, "09:00", "18:00") for day in range(5)), (5, "09:00", "16:00")}
    _shot(page, "apply-2-waiting", tmp_path)

    # when QA refuses it with a reason
    application_reject(application=application, by=qa, reason="请补充营业执照照片")
    page.reload()

    # then they read why, and may apply again
    expect(card.locator(".badge")).to_have_text("未通过")
    expect(card).to_contain_text("未通过：请补充营业执照照片")
    expect(page.locator("#applications-message")).to_have_text("您可以修改后在下方重新申请。")
    expect(page.locator("#apply-form")).to_be_visible()
    page.fill("#apply-name", "极速养护中心")
    page.fill("#apply-phone", "021-54321234")
    page.fill("#apply-address", "徐汇区漕溪北路88号")
    page.click("#locate-address")
    expect(page.locator("#locate-message")).to_contain_text("已定位")
    page.check("#apply-categories input[value=maintenance]")
    page.click("#apply-submit")
    expect(page.locator("#applications .application")).to_have_count(2)
    expect(card.locator(".badge")).to_have_text("审核中")

    # when QA approves the new one
    again = PartnerApplication.objects.get(applicant=applicant, status=ApplicationStatus.SUBMITTED)
    store = application_approve(application=again, by=qa).store
    page.reload()

    # then the page says so and leads to the shop console of the new store
    expect(card.locator(".badge")).to_have_text("已通过")
    link = card.get_by_role("link", name="进入门店后台")
    expect(link).to_have_attribute("href", f"/partner/schedule/?store={store.pk}")
    _no_sideways_scroll(page)
    _shot(page, "apply-3-approved", tmp_path)
    assert errors == []
