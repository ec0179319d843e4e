"""The shop's hours, closures and booking rules, and its settlements, in the browser: the manager changes each
through the partner API and the store's rows change; a technician's phone shows the role refusal."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.engine import policy_for
from payments.models import Statement
from stores.models import Closure
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import staff_of
from tests.e2e.booking_fixtures import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_manager_sets_hours_a_closure_and_the_booking_rules(live_server, page, tmp_path):
    store = make_shop(name="徐家汇旗舰店")
    manager = staff_of(store, role="manager", name="王店长")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/partner/settings/")
    sign_in(page, manager)

    # Sunday: closed (its ranges removed); saved whole
    sunday = page.locator('li.day-hours[data-weekday="6"]')
    expect(sunday.locator(".hours-range")).to_have_count(2)
    for _ in range(2):
        sunday.locator(".hours-range button").first.click()
    expect(sunday.locator(".closed-note")).to_be_visible()
    page.locator("#hours-form button[type=submit]").click()
    expect(page.locator("#hours-form .form-message")).to_have_text("营业时间已保存。")
    assert not store.opening_hours.filter(weekday=6).exists()
    monday = store.opening_hours.filter(weekday=0).order_by("opens")
    assert [(f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in monday] == [("09:00", "12:00"), ("13:00", "18:00")]

    # a closure, typed on the store's clock
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    page.fill("#closure-form [name=starts_at]", f"{day}T09:00")
    page.fill("#closure-form [name=ends_at]", f"{day}T12:00")
    page.fill("#closure-form [name=reason]", "设备检修")
    page.locator("#closure-form button[type=submit]").click()
    expect(page.locator("#closure-form .form-message")).to_have_text("已添加停业时段。")
    expect(page.locator("#closures")).to_contain_text("设备检修")
    closure = Closure.objects.get(store=store)
    assert closure.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8))).hour == 9

    # the booking rules: the horizon lengthened
    page.fill("#policy-form [name=horizon_days]", "60")
    page.locator("#policy-form button[type=submit]").click()
    expect(page.locator("#policy-form .form-message")).to_have_text("预约规则已保存。")
    assert policy_for(store).horizon_days == 60
    _shot(page, "settings-1-desktop", tmp_path)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator('li.day-hours[data-weekday="0"] .hours-range')).to_have_count(2)
    expect(page.locator('li.day-hours[data-weekday="0"] [name=closes]').last).to_have_value("18:00")
    _fits(page, PHONE["width"])
    _shot(page, "settings-2-phone", tmp_path)


def test_settlements_list_and_a_technician_is_refused(live_server, page, tmp_path):
    store = make_shop(name="徐家汇旗舰店")
    manager = staff_of(store, role="manager", name="王店长")
    technician = staff_of(store, role="technician", name="小李")
    Statement.objects.create(
        store=store,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 1),
        gross=Decimal("598.00"),
        commission=Decimal("47.84"),
        refunds=Decimal("0.00"),
        net=Decimal("550.16"),
    )
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/partner/settlements/")
    sign_in(page, manager)
    expect(page.locator("#statements tr")).to_have_count(1)
    expect(page.locator("#statements")).to_contain_text("¥550.16")
    expect(page.locator("a.csv-link")).to_have_attribute("href", f"/partner/settlements.csv?store={store.pk}")
    _shot(page, "settlements-1-desktop", tmp_path)
    page.set_viewport_size(PHONE)
    _fits(page, PHONE["width"])
    _shot(page, "settlements-2-phone", tmp_path)

    page.locator("#auth .signout").click()
    expect(page.locator("#auth form.signin")).to_be_visible()
    sign_in(page, technician)
    expect(page.locator(".refusal")).to_contain_text("只有门店店长可以查看结算")
    _fits(page, PHONE["width"])
    _shot(page, "settlements-3-technician-phone", tmp_path)
