"""The consignment inspection in the browser: the inspector opens the report form from the shop floor, fills it on a
tablet-sized page and saves it; the seller reads the published report from "my cars"."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bookings.models import BookingStatus
from consignment.inspection.services import report_photo_add
from consignment.models import InspectionPhoto, InspectionReport, Listing
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.bookings.floor_fixtures import image_bytes, make_booking
from tests.consignment.inspection.fixtures import (
    VIN,
    complete,
    inspection_booking,
    inspection_shop,
    inspector_of,
    item_answers,
    plate_photo,
    save_report,
)
from tests.e2e.booking_fixtures import AUTH, sign_in
from tests.factories import PASSWORD, UserFactory, VehicleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _sign_in_here(page, user) -> None:
    """Sign in through the box a page shows a visitor; the page then reloads as the user's."""
    page.fill(f"{AUTH} input[name=phone]", user.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")


def test_the_inspector_fills_and_saves_a_report(live_server, page, tmp_path):
    store = inspection_shop(name="浦东二手车检测中心")
    inspector = inspector_of(store, name="李技师")
    owner = UserFactory(roles=["owner"], name="张先生")
    car = VehicleFactory(owner=owner, plate="沪A8K2M1", make="丰田", model="凯美瑞", year=2018, mileage_km=86000)
    booking = inspection_booking(owner=owner, store=store, vehicle=car, status=BookingStatus.IN_SERVICE)
    photo = tmp_path / "seat.png"
    photo.write_bytes(image_bytes("PNG", (320, 240)))

    # the inspector signs in on the shop floor, goes to tomorrow and opens the report from the booking's card
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/partner/schedule/")
    sign_in(page, inspector)
    expect(page.locator("#date")).not_to_have_value("")  # today's board is there: the day can be moved
    page.click("#next-day")
    card = page.locator(f'.floor-booking[data-booking-id="{booking.pk}"]')
    expect(card).to_be_visible()
    card.locator("button").click()
    page.locator("#detail .act-inspection").click()
    expect(page.locator(".inspection h1")).to_have_text("检测报告")
    expect(page.locator("li.insp-item")).to_have_count(68)
    _shot(page, "inspection-form-empty-1024x768", tmp_path)

    # fills the car's facts, marks the rest OK, measures every panel, and notes a worn seat with a photo
    page.fill("input[name=vin]", VIN.lower())
    page.fill("input[name=mileage_km]", "86500")
    page.fill("input[name=first_registered]", "2018-06-20")
    page.fill("input[name=transfers]", "1")
    seats = page.locator("#item-seats")
    seats.locator("label.choice-minor").click()
    seats.locator("input[name=note-seats]").fill("主驾座椅侧面磨损")
    seats.locator("input[name=photo-seats]").set_input_files(str(photo))
    page.click("#rest-ok")
    expect(page.locator("#progress")).to_contain_text("68 / 68")
    for reading in page.locator("input[data-required]").all():
        reading.fill("118")
    page.locator("input[name=reading-door_rear_right]").fill("265")
    page.fill("textarea[name=summary]", "车况良好，右后门补漆，主驾座椅磨损。")
    page.click("#save")

    # the report is saved: the computed grade is shown
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#computed-grade")).to_have_text("A")
    expect(page.locator(".grade-panel")).to_contain_text("右后门")
    expect(page.locator("#item-seats .review-photos img")).to_have_count(1)
    _shot(page, "inspection-form-saved-1024x768", tmp_path)
    page.set_viewport_size(PHONE)
    _shot(page, "inspection-form-390x844", tmp_path)
    page.set_viewport_size(DESKTOP)
    _shot(page, "inspection-form-1280x800", tmp_path)

    report = InspectionReport.objects.get(booking=booking)
    assert report.vin == VIN and report.items.count() == 68 and report.grade == "A"
    assert report.items.get(code="door_rear_right").reading == 265
    assert InspectionPhoto.objects.get(report=report).item_code == "seats"


def test_the_inspector_sees_what_to_correct(live_server, page):
    booking = inspection_booking()
    inspector = inspector_of(booking.store)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/consignment/inspection/{booking.pk}/")
    _sign_in_here(page, inspector)
    expect(page.locator(".inspection h1")).to_have_text("检测报告")
    page.fill("input[name=vin]", "LSVAU2180N2183294")  # a wrong check digit
    page.fill("input[name=mileage_km]", "86500")
    page.fill("input[name=first_registered]", "2018-06-20")
    page.fill("input[name=transfers]", "0")
    page.click("#rest-ok")
    page.click("#save")

    expect(page.locator("#form-error")).to_contain_text("报告未保存")
    expect(page.locator("input[name=vin]")).to_have_class("vin-input invalid")
    expect(page.locator("#item-hood")).to_have_class("insp-item result-ok has-error")
    assert not InspectionReport.objects.exists()


def test_the_seller_reads_the_published_report(live_server, page, tmp_path):
    # given a car inspected with a few defects, photographed, and completed: its report is published
    store = inspection_shop(name="浦东二手车检测中心")
    seller = UserFactory(roles=["owner"], name="张先生")
    car = VehicleFactory(owner=seller, plate="沪A8K2M1", make="丰田", model="凯美瑞", year=2018, mileage_km=86000)
    # serviced at Chefu before: the passport shows it
    make_booking(
        owner=seller,
        store=make_shop(name="徐汇快修店"),
        vehicle=car,
        status=BookingStatus.COMPLETED,
        start=local(tomorrow(), 15),
    )
    booking = inspection_booking(owner=seller, store=store, vehicle=car)
    items = item_answers(
        seats={"result": "minor", "note": "主驾座椅侧面磨损"},
        brakes={"result": "major", "note": "前刹车片剩余 2 mm，需更换"},
        door_rear_right={"result": "minor", "reading": "265", "note": "补过漆"},
    )
    save_report(booking, items=items, summary="车况良好，前刹车片需更换，右后门补漆。")
    technician = inspector_of(store)
    from django.core.files.uploadedfile import SimpleUploadedFile

    for code, data in (("brakes", image_bytes("PNG", (640, 480), "gray")), ("", plate_photo())):
        upload = SimpleUploadedFile("p.png", data, content_type="image/png")
        report_photo_add(booking_id=booking.pk, by=technician, upload=upload, item_code=code)
    complete(booking)
    listing = Listing.objects.get(report__booking=booking)

    # the seller opens 我的寄售车辆 from the header and signs in
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.click("header nav >> text=我的寄售车辆")
    _sign_in_here(page, seller)
    expect(page.locator(".consignment h1")).to_have_text("我的寄售车辆")
    expect(page.locator(".listing-card")).to_have_count(1)
    _shot(page, "my-cars-390x844", tmp_path)
    page.set_viewport_size(DESKTOP)
    _shot(page, "my-cars-1280x800", tmp_path)
    page.set_viewport_size(PHONE)

    # and reads the report: the grade, the defects (the worst first), the photos, the passport
    page.locator(f'.listing-card[data-listing-id="{listing.pk}"] a').click()
    expect(page.locator(".grade-letter[data-grade]")).to_have_text("B")
    defects = page.locator("#defects .defect")
    expect(defects).to_have_count(3)
    expect(defects.first).to_contain_text("刹车盘与刹车片")
    expect(page.locator("#defects")).to_contain_text("前刹车片剩余 2 mm")
    photo = page.locator("#defect-brakes img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(page.locator("#passport")).to_contain_text("徐汇快修店")
    expect(page.locator("#passport")).to_contain_text("检查机油液位")
    expect(page.locator(".critical-checks")).to_contain_text("事故排查")
    _shot(page, "listing-report-390x844", tmp_path)
    page.set_viewport_size(DESKTOP)
    _shot(page, "listing-report-1280x800", tmp_path)
