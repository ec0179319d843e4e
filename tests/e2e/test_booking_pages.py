"""The store page's booking panel, 我的预约 and the shop-floor schedule, in a real browser against the real API."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus, ChecklistAnswer
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import staff_of
from tests.e2e.booking_fixtures import owner_with_car, sign_in, slot_button
from tests.factories import SHANGHAI, UserFactory, VehicleFactory
from tests.payments.paying import pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _open_day(page, day) -> None:
    page.select_option("#service", "minor_service")
    page.select_option("#date", day.isoformat())


def test_owner_books_a_free_slot_on_the_store_page(live_server, page):
    # given a two-bay shop charging ¥299.00 for a minor service, and an owner with a car
    store = make_shop(bays=2, price="299.00", name="漕溪路保养店")
    owner, car = owner_with_car()
    day = tomorrow()
    start = local(day, 10)

    # when the owner opens the store page, signs in and picks tomorrow 10:00
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    expect(page.locator("#store-name")).to_have_text("漕溪路保养店")
    expect(page.locator('#price-list li[data-service="minor_service"] .price-total')).to_have_text("¥299.00")
    sign_in(page, owner)
    _open_day(page, day)
    slot = page.locator(slot_button(page, start))
    expect(slot).to_have_attribute("data-free", "2")
    expect(slot.locator(".slot-time")).to_have_text("10:00")
    slot.click()
    expect(page.locator("#vehicle")).to_have_value(str(car.pk))
    page.click("#book")

    # then the booking is shown awaiting payment with its total, and it is in the database with that start
    result = page.locator("#booking-result")
    expect(result.locator(".badge")).to_have_text("待支付")
    expect(result.locator(".total")).to_have_text("¥299.00")
    expect(result.locator(".booking-time")).to_contain_text("10:00–11:00")
    expect(result.locator("button.pay")).to_have_text("去支付")
    booking = Booking.objects.get(owner=owner)
    assert (booking.start, booking.status, booking.vehicle_id) == (start, BookingStatus.PENDING_PAYMENT, car.pk)
    expect(result.locator(".booking-bay")).to_have_text(booking.bay.name)

    # and after a reload one bay fewer is free at 10:00
    page.reload()
    _open_day(page, day)
    expect(page.locator(slot_button(page, start))).to_have_attribute("data-free", "1")


def test_a_slot_taken_meanwhile_shows_the_error_and_fresh_slots(live_server, page):
    # given a one-bay shop, and the owner looking at tomorrow's 10:00
    store = make_shop(bays=1)
    owner, _car = owner_with_car()
    start = local(tomorrow(), 10)
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    sign_in(page, owner)
    _open_day(page, tomorrow())
    page.click(slot_button(page, start))
    expect(page.locator("#book")).to_be_enabled()

    # when someone else takes the last bay before the owner clicks 预约
    book(another_owner(), store, start)
    page.click("#book")

    # then the API's refusal is shown, the 10:00 slot is gone from the refreshed list, and nothing was booked
    expect(page.locator("#booking-message")).to_contain_text("该时段已无空闲工位")
    expect(page.locator(slot_button(page, local(tomorrow(), 11)))).to_be_visible()
    expect(page.locator(slot_button(page, start))).to_have_count(0)
    expect(page.locator("#book")).to_be_disabled()
    assert not Booking.objects.filter(owner=owner).exists()


def test_owner_reschedules_then_cancels_from_my_bookings(live_server, page):
    # given an owner's booking tomorrow at 14:00
    store = make_shop(name="人民广场洗车店")
    owner, car = owner_with_car()
    booking = book(owner, store, local(tomorrow(), 14), vehicle=car)

    # when the owner opens 我的预约 and moves it to 16:00
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    expect(item.locator(".badge")).to_have_text("待支付")
    expect(item.locator(".when")).to_contain_text("14:00–15:00")
    expect(item).to_contain_text("人民广场洗车店")
    item.locator("button.reschedule").click()
    item.locator(slot_button(page, local(tomorrow(), 16))).click()
    item.locator("button.confirm-reschedule").click()

    # then it shows the new time
    expect(item.locator(".when")).to_contain_text("16:00–17:00")
    booking.refresh_from_db()
    assert booking.start == local(tomorrow(), 16)

    # when the owner cancels it
    item.locator("button.cancel").click()
    item.locator("input[name=reason]").fill("临时有事")
    item.locator("button.confirm-cancel").click()

    # then it is cancelled, on the page and in the database, and can no longer be changed
    expect(item.locator(".badge")).to_have_text("已取消")
    expect(item.locator("button.cancel")).to_have_count(0)
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "临时有事")


def test_manager_runs_a_booking_through_the_shop_floor_on_a_phone(live_server, page):
    # given a confirmed booking yesterday at 09:00 (check-in is open for it), and the store's manager on a phone
    store = make_shop(bays=2, name="徐家汇旗舰店")
    manager = staff_of(store, role="manager", name="王店长")
    owner = UserFactory(roles=["owner"], name="李车主", phone="13912345678")
    car = VehicleFactory(owner=owner, plate="沪B54321", make="丰田", model="卡罗拉")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    booking = book(owner, store, local(yesterday, 9), vehicle=car, now=local(yesterday - dt.timedelta(days=1), 20))
    pay(booking)
    page.set_viewport_size({"width": 390, "height": 844})

    # when the manager opens the schedule for that day
    page.goto(f"{live_server.url}/partner/schedule/")
    sign_in(page, manager)
    expect(page.locator("#store")).to_have_value(str(store.pk))
    page.fill("#date", yesterday.isoformat())

    # then the booking is a block under its bay, and opens with the owner's phone masked
    block = page.locator(f'section.bay[data-bay-id="{booking.bay_id}"] li[data-booking-id="{booking.pk}"]')
    expect(block.locator(".floor-time")).to_have_text("09:00–10:00")
    expect(block.locator(".plate")).to_have_text("沪B54321")
    block.locator("button").click()
    card = page.locator(f'#detail .floor-detail[data-booking-id="{booking.pk}"]')
    expect(card.locator(".owner")).to_have_text("李车主 · 139****5678")
    expect(card.locator(".badge")).to_have_text("已确认")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # when the car arrives and the job starts
    card.locator(".act-check-in").click()
    expect(card.locator(".badge")).to_have_text("已到店")
    card.locator(".act-start").click()
    expect(card.locator(".badge")).to_have_text("施工中")

    # and 完工 is refused until the checklist is answered, which the page asks for
    card.locator(".act-complete").click()
    checklist = card.locator("form.checklist")
    expect(checklist).to_be_visible()
    assert checklist.locator(".check-item").count() >= 1
    checklist.locator(".all-pass").click()
    checklist.locator(".check-item input.note").first.fill("机油液位正常")
    checklist.locator("button.save-complete").click()

    # then the job is completed, on the page and in the database
    expect(card.locator(".badge")).to_have_text("已完工")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    answers = ChecklistAnswer.objects.filter(booking=booking)
    assert answers.count() == len(booking.checklist) and {a.result for a in answers} == {"pass"}
    assert "机油液位正常" in {a.note for a in answers}


def test_home_search_leads_to_the_store_page_which_switches_to_english(live_server, page):
    store = make_shop(name="人民广场保养店")

    # the home page's search results link each shop to its page
    page.goto(live_server.url + "/")
    page.locator("summary").click()
    page.fill("#lat", str(SHANGHAI[0]))
    page.fill("#lng", str(SHANGHAI[1]))
    page.click("#nearby-form button[type=submit]")
    page.click("#results li.store a")
    page.wait_for_url(f"{live_server.url}/stores/{store.pk}/")
    expect(page.locator("#booking-title")).to_have_text("预约")

    # the language switch turns the page and the texts its script shows into English
    page.select_option("select[name=language]", "en")
    expect(page.locator("#booking-title")).to_have_text("Book a time")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator('#price-list li[data-service="minor_service"] .lines tr').first).to_contain_text("Labour")
    _open_day(page, tomorrow())
    expect(page.locator(slot_button(page, local(tomorrow(), 10))).locator(".slot-free")).to_have_text("2 free")
    expect(page.locator("#auth button[type=submit]")).to_have_text("Sign in")

    # a store owners may not see has no page
    store.status = "suspended"
    store.save(update_fields=["status"])
    assert page.goto(f"{live_server.url}/stores/{store.pk}/").status == 404
