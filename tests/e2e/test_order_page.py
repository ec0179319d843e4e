"""The owner's order page in a real browser: extra work with its photo approved and the amount due following, the
checklist filling in as the shop answers it, the review once the job is done; and 我的预约's tabs."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from bookings import services
from bookings.checklists import checklist_answer
from bookings.models import Booking
from bookings.supplements import supplement_propose
from cms import owner_pages
from notifications.models import Channel, Message
from notifications.selectors import notification_unread_count
from quality.complaints.services import MAX_PHOTOS as COMPLAINT_MAX_PHOTOS
from quality.models import Complaint
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import CHECKLIST, image_bytes, make_booking, staff_of
from tests.e2e.booking_fixtures import (
    PHONE,
    RATING_LABELS,
    no_sideways_scroll,
    owner_with_car,
    shop_photo,
    shot,
    sign_in,
    slot_button,
)
from tests.payments.paying import pay
from tests.reviews.conftest import RATINGS, done_booking

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_console_errors"),
]


def _at_the_shop(store, owner, car) -> tuple[Booking, object]:
    """The owner's paid booking of ¥299.00 tomorrow 10:00, checked in at 09:30 and started on time, and a technician."""
    booking = book(owner, store, local(tomorrow(), 10), vehicle=car)
    Booking.objects.filter(pk=booking.pk).update(checklist=CHECKLIST)
    pay(booking)
    tech = staff_of(store)
    services.booking_check_in(booking_id=booking.pk, by=tech, now=booking.start - dt.timedelta(minutes=30))
    services.booking_start(booking_id=booking.pk, by=tech, now=booking.start)
    return Booking.objects.get(pk=booking.pk), tech


def test_owner_approves_extra_work_follows_the_checklist_and_reviews(live_server, page, monkeypatch, tmp_path):
    monkeypatch.setattr(owner_pages, "POLL_SECONDS", 1)  # the page reads the booking again every second
    # given an owner's car in service, and the shop proposing new brake pads with a photo of the worn ones
    store = make_shop(name="漕溪路保养店", phone="021-64001234")
    owner, car = owner_with_car()
    booking, tech = _at_the_shop(store, owner, car)
    worn = shop_photo(booking, tech, "gray")
    supplement = supplement_propose(
        booking_id=booking.pk,
        by=tech,
        reason="前刹车片磨损到极限",
        lines=[
            {"description": "前刹车片（一套）", "qty": "1", "unit_price": "380.00"},
            {"description": "工时", "qty": "1.5", "unit_price": "100.00"},
        ],
        photo_ids=[worn.pk],
    )
    wipers = supplement_propose(
        booking_id=booking.pk,
        by=tech,
        reason="雨刮老化",
        lines=[{"description": "雨刮片", "qty": "1", "unit_price": "88.00"}],
    )

    # when the owner opens the order page on a phone and signs in
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/bookings/{booking.pk}/")
    sign_in(page, owner)

    # then it shows the store with its phone and a map link, the progress, the quote and the proposal with its photo
    expect(page.locator(".order-badge .badge")).to_have_text("施工中")
    expect(page.locator(".store-phone")).to_have_attribute("href", "tel:021-64001234")
    expect(page.locator(".store-map")).to_have_attribute("href", re.compile(r"^https://uri\.amap\.com/marker\?"))
    expect(page.locator("#timeline .timeline-item")).to_have_count(4)
    expect(page.locator("#quote tfoot .num")).to_have_text("¥299.00")
    proposal = page.locator(f'.supplement[data-supplement-id="{supplement.pk}"]')
    expect(proposal).to_contain_text("原因：前刹车片磨损到极限")
    expect(proposal.locator("tfoot .num")).to_have_text("¥530.00")
    expect(proposal.locator(".thumbs img")).to_have_count(1)
    proposal.locator(".thumbs img").scroll_into_view_if_needed()  # it loads lazily
    assert proposal.locator(".thumbs img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    expect(page.locator(".money .amount-due")).to_have_text("¥299.00")
    expect(page.locator(".money .amount-paid")).to_have_text("¥299.00")
    expect(page.locator("#change")).to_be_hidden()  # the car is at the shop: nothing to cancel or move here
    no_sideways_scroll(page)
    shot(page, tmp_path, "order-1-proposal")

    # when they approve it
    proposal.get_by_role("button", name="同意").click()

    # then the amount due includes it, and what is still to pay is the extra work
    expect(page.locator("#extra-message")).to_have_text("已同意追加项目，应付金额变为 ¥829.00。")
    expect(page.locator(".money .amount-due")).to_have_text("¥829.00")
    expect(page.locator(".money .amount-owed")).to_have_text("¥530.00")
    expect(proposal.locator(".badge")).to_have_text("已通过")
    expect(proposal.get_by_role("button")).to_have_count(0)

    # when they reject the other one, saying why
    other = page.locator(f'.supplement[data-supplement-id="{wipers.pk}"]')
    other.get_by_role("button", name="拒绝").click()
    other.get_by_label("拒绝原因（选填）").fill("下次再换")
    other.get_by_role("button", name="确认拒绝").click()

    # then it is never charged: the amount due stays
    expect(page.locator("#extra-message")).to_have_text("已拒绝追加项目，应付金额仍为 ¥829.00。")
    expect(other.locator(".badge")).to_have_text("已驳回")
    expect(page.locator(".money .amount-due")).to_have_text("¥829.00")
    decided = dict(Booking.objects.get(pk=booking.pk).supplements.values_list("pk", "status"))
    assert decided == {supplement.pk: "approved", wipers.pk: "rejected"}

    # when the shop answers the checklist, one item with a photo
    expect(page.locator('.check-row[data-code="oil_level"] .check-result')).to_have_text("待检查")
    green = shop_photo(booking, tech, "green")
    checklist_answer(
        booking_id=booking.pk,
        by=tech,
        items=[{"code": "oil_level", "result": "pass", "note": "液位正常", "photo": green.pk}],
    )

    # then the page shows it without being reloaded
    oil = page.locator('.check-row[data-code="oil_level"]')
    expect(oil.locator(".check-result")).to_have_text("合格")
    expect(oil).to_contain_text("液位正常")
    expect(oil.locator(".thumbs img")).to_have_count(1)
    checklist_answer(booking_id=booking.pk, by=tech, items=[{"code": "tyre_pressure", "result": "fail"}])
    expect(page.locator('.check-row[data-code="tyre_pressure"] .check-result')).to_have_text("不合格")
    shot(page, tmp_path, "order-2-checklist")

    # when the owner has paid the extra work and the shop completes the job
    pay(Booking.objects.get(pk=booking.pk))
    services.booking_complete(booking_id=booking.pk, by=tech)

    # then the page shows it completed and paid in full, and offers the review
    expect(page.locator(".order-badge .badge")).to_have_text("已完工")
    expect(page.locator(".money .amount-paid")).to_have_text("¥829.00")
    expect(page.locator(".money .amount-owed")).to_have_count(0)
    review = page.locator("#review-panel")
    review.get_by_role("button", name="评价", exact=True).click()
    for dimension, stars in RATINGS.items():
        review.get_by_role("radiogroup", name=RATING_LABELS[dimension]).get_by_role("radio", name=f"{stars} 星").check()
    review.get_by_label("评价内容（选填）").fill("增项讲得清楚，有照片。")
    review.get_by_role("button", name="提交评价").click()
    expect(review.locator(".review-message")).to_have_text("评价已提交，感谢您的反馈。")
    expect(review.locator(".review .review-overall")).to_have_text("4.4")
    # and the complaint form is at hand
    expect(page.locator("#complaint-panel summary")).to_have_text("我要投诉")
    no_sideways_scroll(page)
    shot(page, tmp_path, "order-3-reviewed")


def test_the_owner_cancels_seeing_the_refund_first(live_server, page, tmp_path):
    # given a paid booking tomorrow 10:00 whose free cancellation has ended (the store keeps 20 %)
    owner, car = owner_with_car()
    booking = make_booking(owner=owner, vehicle=car, store=make_shop(name="徐汇洗车店"))
    Booking.objects.filter(pk=booking.pk).update(cancel_free_until=booking.start - dt.timedelta(days=2))

    # when the owner opens it
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/bookings/{booking.pk}/")
    sign_in(page, owner)
    expect(page.locator("#terms")).to_have_text("现在取消将扣除违约金 ¥59.80，退还 ¥239.20。")

    # when they look at moving it to 15:00 instead, the move is free but does not reopen free cancellation
    page.locator("#change-actions button.reschedule").click()
    page.locator(slot_button(page, local(tomorrow(), 15))).click()
    expect(page.locator("#change-panel .move-terms")).to_have_text("改期免费，但改期后取消将扣除违约金 ¥59.80。")
    expect(page.locator("#change-panel button.confirm-reschedule")).to_be_enabled()
    shot(page, tmp_path, "order-4-reschedule-terms")
    page.locator("#change-panel").get_by_role("button", name="返回").click()

    # when they press 取消预约 instead
    page.locator("#change-actions button.cancel").click()

    # then the fee and the refund are shown before they confirm, and the cancellation gives exactly that
    expect(page.locator("#change-panel .cancel-terms")).to_have_text("现在取消将扣除违约金 ¥59.80，退还 ¥239.20。")
    shot(page, tmp_path, "order-5-cancel-terms")
    page.locator("#change-panel button.confirm-cancel").click()
    expect(page.locator(".order-badge .badge")).to_have_text("已取消")
    booking.refresh_from_db()
    assert (booking.status, str(booking.cancellation_fee), str(booking.refund_due)) == ("cancelled", "59.80", "239.20")


def test_my_bookings_tabs_show_each_booking_where_it_belongs(live_server, page, tmp_path):
    # given an owner with a booking awaiting payment, a confirmed one, a completed one to review and a cancelled one
    store = make_shop(name="人民广场保养店")
    owner, car = owner_with_car()
    to_pay = book(owner, store, local(tomorrow() + dt.timedelta(days=3), 14), vehicle=car)
    upcoming = make_booking(owner=owner, vehicle=car, store=store, start=local(tomorrow(), 9))
    done = done_booking(store, owner=owner, days=4, hour=11)
    cancelled = make_booking(owner=owner, vehicle=car, store=store, start=local(tomorrow(), 15))
    services.booking_cancel(booking_id=cancelled.pk, by=owner, reason="")

    # when they open 我的预约 on the 待支付 tab
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/bookings/?tab=to_pay")
    sign_in(page, owner)

    # then only the booking awaiting payment is listed, with 应付 and 实付 and a link to its order page
    rows = page.locator("li.booking-item")
    expect(rows).to_have_count(1)
    row = page.locator(f'li.booking-item[data-booking-id="{to_pay.pk}"]')
    expect(row.locator(".amount")).to_have_text("¥299.00")
    expect(row.locator(".amount-paid")).to_have_text("¥0.00")
    expect(row.locator("a.order-link")).to_have_attribute("href", f"/me/bookings/{to_pay.pk}/")
    expect(page.locator('.owner-tabs [data-tab="to_pay"]')).to_have_attribute("aria-current", "page")
    expect(page.locator('.owner-tabs [data-tab="upcoming"] .tab-count')).to_have_text("1")
    no_sideways_scroll(page)
    shot(page, tmp_path, "my-bookings-to-pay")

    # and each tab, followed from the tab bar, lists its own
    for key, booking in (("upcoming", upcoming), ("to_review", done), ("completed", done), ("cancelled", cancelled)):
        page.locator(f'.owner-tabs [data-tab="{key}"]').click()
        expect(page).to_have_url(re.compile(rf"\?tab={key}$"))
        expect(page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')).to_be_visible()
        expect(rows).to_have_count(1)
    expect(page.locator(f'li.booking-item[data-booking-id="{cancelled.pk}"] .amount-paid')).to_have_text("¥299.00")
    shot(page, tmp_path, "my-bookings-cancelled")

    # and 全部 lists them all; a row's link opens its order page
    page.locator('.owner-tabs [data-tab="all"]').click()
    expect(rows).to_have_count(4)
    page.locator(f'li.booking-item[data-booking-id="{done.pk}"] a.order-link').click()
    expect(page).to_have_url(f"{live_server.url}/me/bookings/{done.pk}/")
    expect(page.locator(".order-badge .badge")).to_have_text("已完工")

    # and from there a complaint can be filed about the completed job
    page.locator("#complaint-panel summary").click()
    form = page.locator(".complaint-form")
    form.get_by_label("问题类型").select_option("workmanship")
    form.get_by_label("问题描述").fill("机油加多了，发动机冒烟。")
    form.get_by_role("button", name="提交投诉").click()
    expect(page.locator(".complaint-message")).to_contain_text("投诉已提交，门店将于")
    expect(page.locator("#complaints .complaint")).to_contain_text("机油加多了，发动机冒烟。")
    assert Complaint.objects.filter(booking=done, owner=owner, category="workmanship").exists()


def test_the_inbox_marks_messages_read_and_the_badge_follows(live_server, page, tmp_path):
    # given an owner told of their booking's confirmation, in the app as by SMS, and of a proposal of extra work
    owner, car = owner_with_car()
    booking, tech = _at_the_shop(make_shop(name="漕溪路保养店"), owner, car)
    wipers = [{"description": "雨刮片", "qty": "1", "unit_price": "88.00"}]
    supplement_propose(booking_id=booking.pk, by=tech, reason="雨刮老化", lines=wipers)
    unread = notification_unread_count(user=owner)
    assert unread >= 2
    assert Message.objects.filter(recipient=owner, channel=Channel.IN_APP, ref=f"booking:{booking.pk}").exists()

    # when they sign in on the inbox
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/notifications/")
    sign_in(page, owner)
    page.reload()  # the header's badge is drawn for a signed-in session

    # then the messages are listed unread, newest first, and the header counts them
    expect(page.locator(".notification.unread")).to_have_count(unread)
    expect(page.locator(".notification .subject").first).to_have_text("门店提出了追加项目")
    expect(page.locator(".site-header .unread-badge")).to_have_text(str(unread))
    no_sideways_scroll(page)
    shot(page, tmp_path, "inbox")

    # when one is marked read, the badge follows; 全部标为已读 reads the rest
    page.locator(".notification.unread .mark-read").first.click()
    expect(page.locator(".site-header .unread-badge")).to_have_text(str(unread - 1))
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator(".site-header .unread-badge")).to_be_hidden()
    assert notification_unread_count(user=owner) == 0

    # and a message about the booking opens its order page
    page.locator(".notification .open-ref").first.click()
    expect(page).to_have_url(f"{live_server.url}/me/bookings/{booking.pk}/")


def test_the_owner_files_a_complaint_with_a_photo_from_the_phone(live_server, page, tmp_path):
    # given an owner's completed job
    owner, _car = owner_with_car()
    done = done_booking(make_shop(name="漕溪路保养店"), owner=owner)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/bookings/{done.pk}/")
    sign_in(page, owner)

    # when they open the complaint form: it takes up to the API's limit of photos, from the phone's camera
    page.locator("#complaint-panel summary").click()
    form = page.locator(".complaint-form")
    photos = form.get_by_label(f"照片（选填，最多 {COMPLAINT_MAX_PHOTOS} 张）")
    expect(photos).to_have_attribute("type", "file")
    expect(photos).to_have_attribute("accept", "image/*")
    expect(photos).to_have_attribute("capture", "environment")

    # when they choose more photos than that, they are told before anything is sent
    too_many = [
        {"name": f"{n}.png", "mimeType": "image/png", "buffer": image_bytes()} for n in range(COMPLAINT_MAX_PHOTOS + 1)
    ]
    photos.set_input_files(too_many)
    expect(page.locator(".complaint-message")).to_have_text(f"最多 {COMPLAINT_MAX_PHOTOS} 张照片。")

    # when they file it with one photo of the smoking engine
    form.get_by_label("问题类型").select_option("workmanship")
    form.get_by_label("问题描述").fill("机油加多了，发动机冒烟。")
    photos.set_input_files([{"name": "smoke.png", "mimeType": "image/png", "buffer": image_bytes(color="gray")}])
    form.get_by_role("button", name="提交投诉").click()

    # then the complaint is listed with the photo as a thumbnail
    expect(page.locator(".complaint-message")).to_contain_text("投诉已提交，门店将于")
    filed = page.locator("#complaints .complaint")
    expect(filed).to_contain_text("机油加多了，发动机冒烟。")
    expect(filed.locator(".thumbs img")).to_have_count(1)
    filed.locator(".thumbs img").scroll_into_view_if_needed()  # it loads lazily
    assert filed.locator(".thumbs img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    no_sideways_scroll(page)
    shot(page, tmp_path, "order-complaint-photo")

    # and the complaint and its photo are stored
    complaint = Complaint.objects.get(booking=done, owner=owner, category="workmanship")
    photo = complaint.photos.get()
    assert (photo.width, photo.height, photo.uploaded_by_id) == (64, 48, owner.pk)
