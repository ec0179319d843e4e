"""Paying from 我的预约 through the sandbox's pay page, with a real worker delivering the provider's notification."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import BookingStatus
from payments.models import Payment, PaymentStatus
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.e2e.booking_fixtures import owner_with_car, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_owner_pays_a_booking_from_my_bookings(celery_worker, live_server, page, settings):
    # given an owner's booking awaiting payment of ¥299.00, and providers reaching this live server
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    store = make_shop(price="299.00", name="人民广场洗车店")
    owner, car = owner_with_car()
    booking = book(owner, store, local(tomorrow(), 14), vehicle=car)

    # when the owner opens 我的预约 and presses 去支付
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    expect(item.locator(".badge")).to_have_text("待支付")
    item.locator("button.pay").click()

    # then the sandbox's pay page shows the order
    expect(page).to_have_url(re.compile(r"/api/v1/payments/sandbox/CF\w+\?"))
    payment = Payment.objects.get(booking=booking)
    cashier = page.locator(".cashier")
    expect(cashier.locator(".amount")).to_have_text("¥299.00")
    expect(cashier.locator(".out-trade-no")).to_have_text(payment.out_trade_no)

    # when the owner presses 付款
    page.get_by_role("button", name="付款").click()

    # then they are back on 我的预约, which shows the booking confirmed once the notification has arrived
    expect(page).to_have_url(re.compile(r"/me/bookings/"))
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    expect(item.locator(".badge")).to_have_text("已确认", timeout=30_000)
    expect(page.locator("#list-message")).to_have_text("已支付。")
    expect(item.locator("button.pay")).to_have_count(0)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.amount_paid) == (BookingStatus.CONFIRMED, payment.amount)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert [run.state for run in celery_worker.ran("payments.tasks.sandbox_notify_deliver_task")] == ["SUCCESS"]
