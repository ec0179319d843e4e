"""A store's closures in the browser: the manager deletes one on the settings page (after a confirm step), and the
board shades a bay's closure on its lane and the whole store's across every bay, with the reason, by day and by
week."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stores.models import Closure
from tests.bookings.conftest import local, make_shop, tomorrow
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


@pytest.fixture
def errors(page) -> list[str]:
    """What the page reports as an error on its console, and any script error it throws."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(f"{error}\n{error.stack}"))
    return seen


def _close(store, starts_at, ends_at, reason, bay=None) -> Closure:
    return Closure.objects.create(store=store, bay=bay, starts_at=starts_at, ends_at=ends_at, reason=reason)


def test_the_manager_deletes_a_closure_on_the_settings_page(live_server, page, errors, tmp_path):
    # given a store with two closures ahead, one of them under way
    store = make_shop(name="徐家汇旗舰店")
    manager = staff_of(store, role="manager", name="王店长")
    now = timezone.now()
    ongoing = _close(store, now - dt.timedelta(hours=1), now + dt.timedelta(hours=2), "临时停电")
    ahead = _close(
        store, local(tomorrow() + dt.timedelta(days=2), 9), local(tomorrow() + dt.timedelta(days=2), 12), "设备检修"
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/partner/settings/")
    sign_in(page, manager)
    row = page.locator(f'li.closure[data-closure-id="{ahead.pk}"]')
    expect(row).to_contain_text("设备检修")
    expect(page.locator("li.closure")).to_have_count(2)

    # when the manager asks to delete it and thinks better of it, nothing is deleted
    row.locator("button.delete-closure").click()
    expect(row.locator(".confirm-question")).to_contain_text("确定删除")
    expect(row.locator("button.confirm-delete")).to_be_focused()
    _fits(page, PHONE["width"])
    _shot(page, "closures-1-confirm-phone", tmp_path)
    row.locator("button.keep-closure").click()
    expect(row.locator("button.delete-closure")).to_be_visible()
    assert Closure.objects.filter(pk=ahead.pk).exists()

    # when they delete it, confirmed
    row.locator("button.delete-closure").click()
    row.locator("button.confirm-delete").click()

    # then it is gone from the list and from the store; the other stays
    expect(page.locator("#closure-form .form-message")).to_have_text("已删除停业时段。")
    expect(row).to_have_count(0)
    expect(page.locator("li.closure")).to_have_count(1)
    expect(page.locator(f'li.closure[data-closure-id="{ongoing.pk}"]')).to_contain_text("临时停电")
    assert not Closure.objects.filter(pk=ahead.pk).exists()
    _fits(page, PHONE["width"])
    _shot(page, "closures-2-deleted-phone", tmp_path)

    # and lifting the one under way leaves the list empty (its past is kept)
    page.locator(f'li.closure[data-closure-id="{ongoing.pk}"] button.delete-closure').click()
    page.locator(f'li.closure[data-closure-id="{ongoing.pk}"] button.confirm-delete').click()
    expect(page.locator("#closures")).to_have_text("近期没有停业安排。")
    ongoing.refresh_from_db()
    assert ongoing.ends_at <= timezone.now()
    page.set_viewport_size(DESKTOP)
    _shot(page, "closures-3-desktop", tmp_path)
    assert not errors, errors


def test_the_board_shades_closures_with_their_reason(live_server, page, errors, tmp_path):
    # given tomorrow one bay closed 09:00-11:00 and the whole store 14:00-16:00
    store = make_shop(bays=2, name="徐家汇旗舰店")
    technician = staff_of(store, role="technician", name="小李")
    first, second = store.bays.order_by("id")
    day = tomorrow()
    _close(store, local(day, 9), local(day, 11), "举升机检修", bay=first)
    _close(store, local(day, 14), local(day, 16), "月度盘点")
    page.set_viewport_size(DESKTOP)

    # when the board opens on that day
    page.goto(f"{live_server.url}/partner/schedule/?date={day.isoformat()}")
    sign_in(page, technician)

    # then the bay's closure is shaded on its lane only, with its reason, two hours high
    bay_closure = page.locator(f'section.bay[data-bay-id="{first.pk}"] .closure-block.bay-closure')
    expect(bay_closure).to_have_text("停业：举升机检修")
    expect(page.locator(f'section.bay[data-bay-id="{second.pk}"] .bay-closure')).to_have_count(0)
    box = bay_closure.bounding_box()
    assert 120 <= box["height"] <= 140  # 120 minutes at 1.1 px a minute
    shading = bay_closure.evaluate("node => getComputedStyle(node).backgroundImage")
    assert "repeating-linear-gradient" in shading
    # and the whole store's across every bay
    for bay in (first, second):
        expect(page.locator(f'section.bay[data-bay-id="{bay.pk}"] .store-closure')).to_have_text("停业：月度盘点")
    _shot(page, "closures-board-day-1366x900", tmp_path)

    # when the week is shown: the bay's closure on its lane, the store's once across the day's column
    page.click("#view-week")
    column = page.locator(f'section.week-day[data-date="{day.isoformat()}"]')
    expect(column.locator(".closure-block.bay-closure")).to_have_text("停业：举升机检修")
    expect(column.locator(".closure-block.store-closure")).to_have_count(1)
    expect(column.locator(".store-closure")).to_contain_text("月度盘点")
    lane = column.locator(".bay-closure").bounding_box()
    whole = column.locator(".store-closure").bounding_box()
    assert lane["width"] < whole["width"] * 0.6
    _shot(page, "closures-board-week-1366x900", tmp_path)

    # and on a phone, by day, the page does not scroll sideways (the board scrolls in its own box)
    page.set_viewport_size(PHONE)
    page.click("#view-day")
    expect(page.locator(f'section.bay[data-bay-id="{first.pk}"] .bay-closure')).to_be_visible()
    _fits(page, PHONE["width"])
    _shot(page, "closures-board-day-phone", tmp_path)
    assert not errors, errors
