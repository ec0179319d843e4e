"""Paying from 我的预约 through the sandbox's pay page, with a real worker delivering the provider's notification."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingStatus
from payments.models import Coupon, CouponKind, Payment, PaymentStatus
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

    # then they are on the order page of the booking they paid, which follows the payment (?payment=) until the
    # notification has arrived, says so, shows the booking confirmed, and drops the payment from its address
    expect(page.locator(".order-badge .badge")).to_have_text("已确认", timeout=30_000)
    expect(page.locator("#order-message")).to_have_text("已支付。")
    expect(page).to_have_url(f"{live_server.url}/me/bookings/{booking.pk}/")
    expect(page.locator(".money .amount-paid")).to_have_text("¥299.00")
    expect(page.locator("#pay-actions button.pay")).to_have_count(0)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.amount_paid) == (BookingStatus.CONFIRMED, payment.amount)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert [run.state for run in celery_worker.ran("payments.tasks.sandbox_notify_deliver_task")] == ["SUCCESS"]


def test_owner_pays_with_a_listed_coupon(celery_worker, live_server, page, settings):
    # given a ¥299.00 booking awaiting payment and a listed ¥30-off coupon for payments of ¥199 or more
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    owner, car = owner_with_car()
    booking = book(owner, make_shop(price="299.00"), local(tomorrow(), 14), vehicle=car)
    now = timezone.now()
    Coupon.objects.create(
        code="XINKE30",
        name="新客立减",
        kind=CouponKind.AMOUNT,
        value=Decimal("30"),
        min_spend=Decimal("199"),
        valid_from=now - dt.timedelta(hours=1),
        valid_until=now + dt.timedelta(days=7),
        per_user_limit=1,
        budget=Decimal("1000"),
    )

    # when the owner picks it beside 去支付 and pays
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    expect(item.locator('select.coupon-choice option[value="XINKE30"]')).to_have_text("新客立减（−¥30.00）")
    item.locator("select.coupon-choice").select_option("XINKE30")
    item.locator("button.pay").click()

    # then the sandbox charges ¥269.00, and the booking is paid in full once the notification arrives
    expect(page.locator(".cashier .amount")).to_have_text("¥269.00")
    page.get_by_role("button", name="付款").click()
    expect(page).to_have_url(re.compile(rf"/me/bookings/{booking.pk}/"))
    expect(page.locator(".order-badge .badge")).to_have_text("已确认", timeout=30_000)
    expect(page.locator("#pay-actions .coupon-held")).to_have_text("优惠券 XINKE30 −¥30.00")
    expect(page.locator("#pay-actions select.coupon-choice")).to_have_count(0)
    payment = Payment.objects.get(booking=booking)
    booking.refresh_from_db()
    assert (payment.status, payment.amount, payment.discount) == (PaymentStatus.SUCCEEDED, Decimal("269.00"), 30)
    assert booking.amount_paid == Decimal("299.00")


def test_an_unknown_coupon_code_is_refused_and_opens_no_payment(live_server, page):
    # given a booking awaiting payment
    owner, car = owner_with_car()
    booking = book(owner, make_shop(price="299.00"), local(tomorrow(), 14), vehicle=car)

    # when the owner types a code no coupon has and presses 去支付
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    item.locator("select.coupon-choice").select_option(label="输入优惠码…")
    item.locator("input.coupon-code").fill("NOSUCH99")
    item.locator("button.pay").click()

    # then the refusal names the field's problem, the page stays, and no payment was opened
    expect(page.locator("#list-message")).to_have_text("部分字段填写有误。 没有这个优惠码。")
    expect(page.locator("#list-message")).to_have_class(re.compile(r"\berror\b"))
    expect(item.locator("button.pay")).to_be_enabled()
    assert not Payment.objects.filter(booking=booking).exists()


def test_extra_work_after_a_refunded_duplicate_payment_can_be_paid(live_server, page):
    """The owner paid the quote twice (the second refunded in full), then approved extra work: the booking's
    amount_paid (¥598.00, the sum of succeeded payments) is above its amount_due (¥379.00), yet 我的预约 still
    offers to pay the ¥80.00 the extra work owes (amount_owed)."""
    from bookings.services import booking_check_in
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of
    from tests.payments.test_settlements import notify, open_payment

    # given
    store = make_shop(price="299.00")
    owner, car = owner_with_car()
    booking = book(owner, store, local(tomorrow(), 14), vehicle=car)
    first, second = open_payment(booking), open_payment(booking)
    notify(first)
    notify(second)
    staff = staff_of(store)
    booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)

    # when
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)

    # then
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    expect(item.locator("button.pay")).to_have_count(1)
    assert Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED).count() == 2
