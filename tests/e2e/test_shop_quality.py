"""The shop's quality page in the browser: a store manager signs in at /partner/quality/, sends the evidence for a
corrective action with a photo, and answers a complaint."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quality.models import ActionPhoto, ActionStatus, Complaint, ComplaintStatus, CorrectiveAction, StoreKpi
from tests.bookings.floor_fixtures import image_bytes, make_booking, make_shop, staff_of
from tests.e2e.booking_fixtures import AUTH
from tests.factories import PASSWORD, UserFactory
from tests.quality.test_audits_actions import failed_audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _store_with_work():
    store = make_shop(name="安心汽修")
    manager = staff_of(store, role="manager", name="王店长")
    action = CorrectiveAction.objects.get(audit=failed_audit(UserFactory(roles=["qa"]), store))
    booking = make_booking(store=store)
    now = timezone.now()
    complaint = Complaint.objects.create(
        booking=booking,
        store=store,
        owner=booking.owner,
        category="overcharge",
        description="结账比报价多了 80 元",
        respond_by=now + dt.timedelta(hours=20),
        resolve_by=now + dt.timedelta(hours=68),
    )
    for n in range(10):
        for window in (30, 90):
            StoreKpi.objects.create(
                store=store,
                day=timezone.localdate() - dt.timedelta(days=9 - n),
                window_days=window,
                completed=42,
                reviews=12,
                rating=Decimal("4.60") - Decimal(n) / 50,
                complaint_rate=Decimal("1.20") + Decimal(n) / 10,
                store_cancel_rate=Decimal("2.00"),
                on_time_rate=Decimal("88.00") + n,
                low_rating_share=Decimal("8.00"),
            )
    return store, manager, action, complaint


def test_a_manager_sends_evidence_with_a_photo_and_answers_a_complaint(live_server, page, tmp_path):
    _store, manager, action, complaint = _store_with_work()
    photo = tmp_path / "floor.png"
    photo.write_bytes(image_bytes("PNG", (320, 240)))

    # the manager opens 门店质量 from the header and signs in through the box
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.click("header nav >> text=门店质量")
    page.fill(f"{AUTH} input[name=phone]", manager.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")
    expect(page.locator(".shop-quality h1")).to_have_text("门店质量")
    expect(page.locator(f"#action-{action.pk}")).to_be_visible()
    _shot(page, "shop-quality-390x844", tmp_path)
    page.set_viewport_size(DESKTOP)
    _shot(page, "shop-quality-1366x900", tmp_path)

    # sends the evidence for the corrective action, with a photo
    card = page.locator(f"#action-{action.pk}")
    card.locator("textarea[name=note]").fill("已清理工位地面油污，并张贴清洁排班表")
    card.locator("input[name=photos]").set_input_files(str(photo))
    card.locator("button[type=submit]").click()
    expect(page.locator(f"#action-{action.pk}")).to_contain_text("等待质检确认")
    expect(page.locator(f"#action-{action.pk} .thumbs img")).to_have_count(1)
    # the thumbnail loads (it arrives after the page: wait for it rather than read it at once)
    page.wait_for_function(
        "sel => { const img = document.querySelector(sel); return img && img.complete && img.naturalWidth > 0 }",
        arg=f"#action-{action.pk} .thumbs img",
        timeout=10_000,
    )

    # and answers the complaint
    answer = page.locator(f"#complaint-{complaint.pk}")
    expect(answer).to_contain_text("剩余")
    answer.locator("textarea[name=text]").fill("已核对账单，差价 80 元将原路退回")
    answer.locator("button[type=submit]").click()
    expect(page.locator(f"#complaint-{complaint.pk}")).to_contain_text("差价 80 元将原路退回")
    expect(page.locator(f"#complaint-{complaint.pk} textarea")).to_have_count(0)
    page.set_viewport_size(PHONE)
    _shot(page, "shop-quality-done-390x844", tmp_path)

    action.refresh_from_db()
    complaint.refresh_from_db()
    assert action.status == ActionStatus.SUBMITTED and ActionPhoto.objects.filter(action=action).count() == 1
    assert complaint.status == ComplaintStatus.ANSWERED
