"""The shop's day in the browser: the manager's board on a desktop (check-in, a checklist photo, extra work the owner
approves, completion) and a technician's phone (the booking opened from the URL, photo from the camera, completed)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus, ChecklistAnswer, SupplementStatus
from bookings.services import booking_check_in, booking_start
from bookings.supplements import supplement_approve
from tests.bookings.conftest import SHANGHAI, book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import CHECKLIST, image_bytes, staff_of
from tests.e2e.booking_fixtures import sign_in
from tests.factories import UserFactory, VehicleFactory
from tests.payments.paying import pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _due_start() -> dt.datetime:
    """A start within the store's hours (09-12, 13-18) no later than an hour from now: check-in is open for it.
    Today when the clock allows, else yesterday's last slot."""
    now = timezone.localtime(timezone.now(), SHANGHAI)
    if now.hour < 8:
        return local(now.date() - dt.timedelta(days=1), 17)
    hour = min(now.hour + 1, 17)
    return local(now.date(), 11 if hour == 12 else hour)


def _booked(store, *, plate: str, start: dt.datetime, name: str, phone: str) -> Booking:
    """A booking made the evening before its day, paid, with the floor's known checklist."""
    owner = UserFactory(roles=["owner"], name=name, phone=phone)
    car = VehicleFactory(owner=owner, plate=plate, make="丰田", model="卡罗拉")
    evening_before = local(start.astimezone(SHANGHAI).date() - dt.timedelta(days=1), 20)
    booking = book(owner, store, start, vehicle=car, now=evening_before)
    Booking.objects.filter(pk=booking.pk).update(checklist=CHECKLIST)
    pay(booking)
    booking.refresh_from_db()
    return booking


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_managers_day_on_the_board(live_server, page, tmp_path):
    # given: a store with a car due now and one booked for tomorrow, and its manager at a desktop
    store = make_shop(bays=2, name="徐家汇旗舰店")
    manager = staff_of(store, role="manager", name="王店长")
    due = _booked(store, plate="沪B54321", start=_due_start(), name="李车主", phone="13912345678")
    ahead = _booked(store, plate="沪C11223", start=local(tomorrow(), 10), name="赵车主", phone="13700001111")
    day = due.start.astimezone(SHANGHAI).date()
    photo = tmp_path / "oil.png"
    photo.write_bytes(image_bytes("PNG", (320, 240)))
    page.set_viewport_size(DESKTOP)

    # when the manager opens the board on the due car's day
    page.goto(f"{live_server.url}/partner/schedule/?date={day.isoformat()}")
    sign_in(page, manager)

    # then the booking is a block on its bay's time axis, the store's closed hours shaded
    block = page.locator(f'section.bay[data-bay-id="{due.bay_id}"] li.block[data-booking-id="{due.pk}"]')
    expect(block.locator(".plate")).to_have_text("沪B54321")
    expect(block.locator(".badge")).to_have_text("已确认")
    assert page.locator(f'section.bay[data-bay-id="{due.bay_id}"] .closed').count() == 3  # before, lunch, after
    assert page.locator(".axis .tick").count() >= 9
    _shot(page, "shop-day-board-1366x900", tmp_path)

    # and tomorrow's booking (the URL follows the day) cannot be checked in yet, with the reason shown
    if day + dt.timedelta(days=1) == tomorrow():
        page.click("#next-day")
        expect(page).to_have_url(f"{live_server.url}/partner/schedule/?date={tomorrow().isoformat()}")
    else:
        page.goto(f"{live_server.url}/partner/schedule/?date={tomorrow().isoformat()}")
    page.locator(f'li.block[data-booking-id="{ahead.pk}"] button').click()
    detail = page.locator("#detail")
    expect(detail.locator(".act-check-in")).to_be_disabled()
    expect(detail.locator(".check-in-why")).to_contain_text("08:00")
    expect(page).to_have_url(f"{live_server.url}/partner/schedule/?date={tomorrow().isoformat()}&booking={ahead.pk}")
    _shot(page, "shop-day-too-early-1366x900", tmp_path)

    # when the manager goes back to the due car and checks it in
    page.goto(f"{live_server.url}/partner/schedule/?date={day.isoformat()}&booking={due.pk}")
    expect(detail.locator(".plate")).to_have_text("沪B54321")
    expect(detail.locator(".owner")).to_have_text("李车主 · 139****5678")
    detail.locator(".act-check-in").click()
    expect(detail.locator(".badge").first).to_have_text("已到店")
    expect(block.locator(".badge")).to_have_text("已到店")

    # and answers the checklist with a photo of the oil level
    detail.locator(".act-checklist").click()
    checklist = detail.locator("form.checklist")
    oil = checklist.locator('.check-item[data-code="oil_level"]')
    oil.locator("input.photo-input").set_input_files(str(photo))
    expect(oil.locator("img.thumb")).to_be_visible()
    checklist.locator(".all-pass").click()
    oil.locator("input.note").fill("机油偏黑")
    checklist.locator("button.save").click()
    expect(page.locator("#schedule-message")).to_have_text("检查单已保存。")

    # and proposes extra work, two lines and a photo
    detail.locator(".act-extra-work").click()
    extra = detail.locator("form.extra-work")
    extra.locator("textarea[name=reason]").fill("刹车片磨损至 3mm，建议更换")
    extra.locator(".line-description").fill("前刹车片")
    extra.locator(".line-price").fill("260.00")
    extra.locator(".add-line").click()
    extra.locator(".line-description").nth(1).fill("工时")
    extra.locator(".line-price").nth(1).fill("120")
    extra.locator("input.photo-input").set_input_files(str(photo))
    expect(extra.locator("img.thumb")).to_be_visible()
    _shot(page, "shop-day-extra-work-1366x900", tmp_path)
    extra.locator("button.send-extra-work").click()
    proposal = detail.locator("li.supplement")
    expect(proposal).to_contain_text("¥380.00")
    expect(proposal.locator(".badge")).to_have_text("待车主确认")

    # then the checklist answer carries the photo, and the proposal its lines and photo
    answer = ChecklistAnswer.objects.get(booking=due, code="oil_level")
    assert answer.photo is not None and answer.note == "机油偏黑"
    supplement = due.supplements.get()
    assert supplement.total == 380 and supplement.photos.count() == 1

    # when the owner approves it and pays, and the job is started and completed
    supplement_approve(booking_id=due.pk, supplement_id=supplement.pk, by=due.owner)
    pay(due)
    page.click("#refresh")
    expect(detail.locator("li.supplement .badge")).to_have_text("已通过")
    detail.locator(".act-start").click()
    expect(detail.locator(".badge").first).to_have_text("施工中")
    detail.locator(".act-complete").click()

    # then the job is done, on the board and in the database, and the week shows it
    expect(block.locator(".badge")).to_have_text("已完工")
    due.refresh_from_db()
    assert due.status == BookingStatus.COMPLETED
    assert due.supplements.get().status == SupplementStatus.APPROVED
    _shot(page, "shop-day-completed-1366x900", tmp_path)
    page.click("#view-week")
    expect(page).to_have_url(f"{live_server.url}/partner/schedule/?date={day.isoformat()}&view=week&booking={due.pk}")
    expect(page.locator(".week-day")).to_have_count(7)
    expect(page.locator(f'.week-day li.block[data-booking-id="{due.pk}"]')).to_be_visible()
    _no_sideways_scroll(page, DESKTOP["width"])
    _shot(page, "shop-day-week-1366x900", tmp_path)


def test_a_technician_finishes_the_job_on_a_phone(live_server, page, tmp_path):
    # given: a job under way and a car still to arrive, and a technician with a phone
    store = make_shop(bays=2, name="徐家汇旗舰店")
    tech = staff_of(store, role="technician", name="小刘")
    start = _due_start()
    job = _booked(store, plate="沪D99887", start=start, name="钱车主", phone="13600002222")
    booking_check_in(booking_id=job.pk, by=None)
    booking_start(booking_id=job.pk, by=None)
    waiting = _booked(store, plate="沪E55667", start=start, name="孙车主", phone="13500003333")
    day = start.astimezone(SHANGHAI).date()
    photo = tmp_path / "tyre.png"
    photo.write_bytes(image_bytes("PNG", (240, 320)))
    page.set_viewport_size(PHONE)

    # when the technician opens the job from a link to it
    page.goto(f"{live_server.url}/partner/schedule/?date={day.isoformat()}&booking={job.pk}")
    sign_in(page, tech)
    detail = page.locator("#detail")
    expect(detail.locator(".plate")).to_have_text("沪D99887")
    _no_sideways_scroll(page, PHONE["width"])
    _shot(page, "shop-day-technician-390x844", tmp_path)

    # then a technician is offered the work, not the front desk's steps
    page.locator(f'li.block[data-booking-id="{waiting.pk}"] button').click()
    expect(detail.locator(".plate")).to_have_text("沪E55667")
    expect(detail.locator(".act-check-in")).to_have_count(0)
    expect(detail.locator(".act-cancel")).to_have_count(0)

    # when the technician takes a photo for the tyre pressure, ticks the rest and completes
    page.locator(f'li.block[data-booking-id="{job.pk}"] button').click()
    expect(detail.locator(".plate")).to_have_text("沪D99887")
    detail.locator(".act-checklist").click()
    checklist = detail.locator("form.checklist")
    tyres = checklist.locator('.check-item[data-code="tyre_pressure"]')
    picker = tyres.locator("input.photo-input")
    assert picker.get_attribute("capture") == "environment" and picker.get_attribute("accept") == "image/*"
    picker.set_input_files(str(photo))
    expect(tyres.locator("img.thumb")).to_be_visible()
    checklist.locator(".all-pass").click()
    _no_sideways_scroll(page, PHONE["width"])
    _shot(page, "shop-day-technician-checklist-390x844", tmp_path)
    checklist.locator("button.save-complete").click()

    # then the job is completed, with the photo on its answer
    expect(detail.locator(".badge").first).to_have_text("已完工")
    job.refresh_from_db()
    assert job.status == BookingStatus.COMPLETED
    assert ChecklistAnswer.objects.get(booking=job, code="tyre_pressure").photo is not None
    _no_sideways_scroll(page, PHONE["width"])
    _shot(page, "shop-day-technician-done-390x844", tmp_path)
