"""An owner's whole journey through the pages, on a phone: the map search finds the shop at their Camry's exact price,
the store page quotes the same, they book and pay in the sandbox and land on the booking's order page; the shop
(through the services) checks the car in, starts and proposes extra work with a photo, which the owner approves,
follows the checklist, pays, and reviews once the job is done. What the owner is shown is what is charged, to the
fen; at the end there is one booking, each payment applied once, and the review."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from bookings import services
from bookings.checklists import checklist_answer
from bookings.models import Booking, BookingStatus, SupplementStatus
from bookings.selectors import amount_due
from bookings.supplements import supplement_propose
from catalog.models import Service
from catalog.quotes import quote_build
from cms import owner_pages
from payments.models import EntryKind, JournalEntry, Payment, PaymentEvent, PaymentStatus
from reviews.models import Review
from tests.bookings.conftest import local, make_shop, price_the_minor_service, tomorrow
from tests.bookings.floor_fixtures import staff_of
from tests.e2e.booking_fixtures import (
    PHONE,
    RATING_LABELS,
    no_sideways_scroll,
    shop_photo,
    shot,
    sign_in,
    slot_button,
)
from tests.factories import SHANGHAI, UserFactory, VehicleFactory
from tests.reviews.conftest import RATINGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_console_errors"),
]

MINOR = "minor_service"
BRAKES = [
    {"description": "前刹车片（一套）", "qty": "1", "unit_price": "380.00"},
    {"description": "工时", "qty": "1.5", "unit_price": "100.00"},
]
BRAKES_TOTAL = Decimal("530.00")


def _pay_in_the_sandbox(page, celery_worker, booking, amount: str) -> None:
    """From the sandbox's pay page showing ``amount``: 付款, and wait for the worker to deliver its notification."""
    expect(page).to_have_url(re.compile(r"/api/v1/payments/sandbox/CF\w+\?"))
    expect(page.locator(".cashier .amount")).to_have_text(amount)
    page.get_by_role("button", name="付款").click()
    celery_worker.wait_for(
        lambda: not Payment.objects.filter(booking=booking, status=PaymentStatus.PENDING).exists(), timeout=30
    )


def test_an_owner_finds_books_pays_follows_and_reviews_a_job_on_a_phone(
    celery_worker, live_server, page, monkeypatch, settings, tmp_path
):
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    monkeypatch.setattr(owner_pages, "POLL_SECONDS", 1)  # the order page reads the booking again every second
    # given a shop near People's Square pricing 小保养 for a 朗逸, and an owner whose car is a Camry (5 L of oil and a
    # catalogue filter: its exact price is not the listed one)
    store = make_shop(bays=2, name="漕溪路保养店", phone="021-64001234")
    price_the_minor_service(store)
    owner = UserFactory(roles=["owner"], name="陈女士")
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    quote = quote_build(store=store, service=Service.objects.get(code=MINOR), vehicle=camry)
    exact = f"¥{quote.total}"
    assert quote.total != Decimal("647.00")
    page.set_viewport_size(PHONE)

    # when the owner, signed in, searches the map around People's Square for 小保养 for their Camry
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    page.locator(".site-header .brand").click()
    page.locator("#nearby-form summary").click()
    page.fill("#lat", str(SHANGHAI[0]))
    page.fill("#lng", str(SHANGHAI[1]))
    page.select_option("#service", MINOR)
    expect(page.locator("#car-choice")).to_be_visible()
    page.select_option("#car", str(camry.pk))
    page.click("#nearby-form button[type=submit]")

    # then the shop is on the map and in the list, at the Camry's exact price
    expect(page.locator("#status")).to_have_text("找到 1 家门店 · 沪B6M218 · 丰田 凯美瑞 的价格")
    expect(page.locator("#map .shop-pin")).to_have_count(1)
    result = page.locator(f'#results li.store[data-store-id="{store.pk}"]')
    expect(result.locator(".price-total")).to_have_text(exact)
    no_sideways_scroll(page)
    shot(page, tmp_path, "journey-1-search")

    # when they choose it: the store page, for the same service and car, quotes the same price, itemized
    result.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/stores/{store.pk}/\?service={MINOR}&vehicle={camry.pk}"))
    expect(page.locator(f'#price-list li[data-service="{MINOR}"] .price-total')).to_have_text(exact)
    expect(page.locator("#booking-quote .quote-total")).to_have_text(exact)
    expect(page.locator("#book-bar .book-bar-price")).to_have_text(exact)
    no_sideways_scroll(page)
    shot(page, tmp_path, "journey-2-quote")

    # when they pick tomorrow 10:00 and book
    page.select_option("#date", tomorrow().isoformat())
    page.click(slot_button(page, local(tomorrow(), 10)))
    expect(page.locator("#book")).to_have_text(f"预约 · {exact}")
    page.click("#book")

    # then the booking awaits payment of the amount quoted
    booked = page.locator("#booking-result")
    expect(booked.locator(".badge")).to_have_text("待支付")
    expect(booked.locator(".total")).to_have_text(exact)
    booking = Booking.objects.get(owner=owner)
    assert (booking.quote_total, amount_due(booking)) == (quote.total, quote.total)
    shot(page, tmp_path, "journey-3-booked")

    # when they pay it in the sandbox: the pay page asks for the amount quoted
    booked.locator("button.pay").click()
    shot(page, tmp_path, "journey-4-cashier")
    _pay_in_the_sandbox(page, celery_worker, booking, exact)

    # then they are back on this booking's order page (not the list of bookings), which shows it paid and confirmed
    expect(page.locator("#order-message")).to_have_text("已支付。", timeout=30_000)
    expect(page).to_have_url(f"{live_server.url}/me/bookings/{booking.pk}/")
    expect(page.locator(".order-badge .badge")).to_have_text("已确认")
    expect(page.locator("#quote tfoot .num")).to_have_text(exact)
    expect(page.locator(".money .amount-due")).to_have_text(exact)
    expect(page.locator(".money .amount-paid")).to_have_text(exact)
    expect(page.locator("#pay-actions button.pay")).to_have_count(0)
    no_sideways_scroll(page)
    shot(page, tmp_path, "journey-5-paid")

    # when the car arrives at the shop, the job starts and the shop proposes new brake pads with a photo of the
    # worn ones; the owner opens the order page again (the message they were sent links to it)
    booking.refresh_from_db()
    tech = staff_of(store)
    services.booking_check_in(booking_id=booking.pk, by=tech, now=booking.start - dt.timedelta(minutes=30))
    services.booking_start(booking_id=booking.pk, by=tech, now=booking.start)
    worn = shop_photo(booking, tech, "gray")
    brakes = supplement_propose(
        booking_id=booking.pk, by=tech, reason="前刹车片磨损到极限", lines=BRAKES, photo_ids=[worn.pk]
    )
    page.reload()

    # then they see the job under way and the proposal with its photo and its total
    expect(page.locator(".order-badge .badge")).to_have_text("施工中")
    proposal = page.locator(f'.supplement[data-supplement-id="{brakes.pk}"]')
    expect(proposal).to_contain_text("原因：前刹车片磨损到极限")
    expect(proposal.locator("tfoot .num")).to_have_text(f"¥{BRAKES_TOTAL}")
    expect(proposal.locator(".thumbs img")).to_have_count(1)
    proposal.locator(".thumbs img").scroll_into_view_if_needed()  # it loads lazily
    assert proposal.locator(".thumbs img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    shot(page, tmp_path, "journey-6-proposal")

    # when they approve it: the amount due is the quote and the extra work, and the extra work is what is owed
    due = quote.total + BRAKES_TOTAL
    proposal.get_by_role("button", name="同意").click()
    expect(page.locator("#extra-message")).to_have_text(f"已同意追加项目，应付金额变为 ¥{due}。")
    expect(page.locator(".money .amount-due")).to_have_text(f"¥{due}")
    expect(page.locator(".money .amount-owed")).to_have_text(f"¥{BRAKES_TOTAL}")
    expect(proposal.locator(".badge")).to_have_text("已通过")

    # when the shop answers the checklist, item by item: the page follows without being reloaded
    items = Booking.objects.get(pk=booking.pk).checklist
    assert items, "the booking carries its service's checklist"
    for n, item in enumerate(items):
        note = f"第{n + 1}项正常"
        checklist_answer(booking_id=booking.pk, by=tech, items=[{"code": item["code"], "result": "pass", "note": note}])
        row = page.locator(f'.check-row[data-code="{item["code"]}"]')
        expect(row.locator(".check-result")).to_have_text("合格")
        expect(row).to_contain_text(note)
    no_sideways_scroll(page)
    shot(page, tmp_path, "journey-7-checklist")

    # when they pay the extra work from the order page: the sandbox asks for exactly what is owed
    page.locator("#pay-actions button.pay").click()
    _pay_in_the_sandbox(page, celery_worker, booking, f"¥{BRAKES_TOTAL}")

    # then they are back on the order page, paid in full
    expect(page.locator("#order-message")).to_have_text("已支付。", timeout=30_000)
    expect(page).to_have_url(f"{live_server.url}/me/bookings/{booking.pk}/")
    expect(page.locator(".money .amount-paid")).to_have_text(f"¥{due}")
    expect(page.locator(".money .amount-owed")).to_have_count(0)
    shot(page, tmp_path, "journey-8-extra-paid")

    # when the shop completes the job: the page shows it and offers the review
    services.booking_complete(booking_id=booking.pk, by=tech)
    expect(page.locator(".order-badge .badge")).to_have_text("已完工")
    review = page.locator("#review-panel")
    review.get_by_role("button", name="评价", exact=True).click()
    for dimension, stars in RATINGS.items():
        group = review.get_by_role("radiogroup", name=RATING_LABELS[dimension])
        group.get_by_role("radio", name=f"{stars} 星").check()
    review.get_by_label("评价内容（选填）").fill("报价和实付一分不差，增项有照片。")
    review.get_by_role("button", name="提交评价").click()
    expect(review.locator(".review-message")).to_have_text("评价已提交，感谢您的反馈。")
    expect(review.locator(".review .review-overall")).to_have_text("4.4")
    no_sideways_scroll(page)
    shot(page, tmp_path, "journey-9-reviewed")

    # and in the database: one booking, completed and paid in full; two payments, of the amounts shown, each
    # succeeded once and entered in the journal once; the extra work approved; the review stored
    assert Booking.objects.filter(owner=owner).count() == 1
    booking.refresh_from_db()
    assert (booking.status, amount_due(booking), booking.amount_paid) == (BookingStatus.COMPLETED, due, due)
    payments = list(Payment.objects.filter(booking=booking).order_by("pk"))
    assert [(p.amount, p.status) for p in payments] == [
        (quote.total, PaymentStatus.SUCCEEDED),
        (BRAKES_TOTAL, PaymentStatus.SUCCEEDED),
    ]
    for payment in payments:
        assert PaymentEvent.objects.filter(payment=payment, to_status=PaymentStatus.SUCCEEDED).count() == 1
        assert JournalEntry.objects.filter(payment=payment, kind=EntryKind.PAYMENT).count() == 1
    assert booking.supplements.get().status == SupplementStatus.APPROVED
    stored = Review.objects.get(booking=booking)
    assert (stored.owner_id, stored.store_id, stored.text) == (owner.pk, store.pk, "报价和实付一分不差，增项有照片。")
    assert {name: getattr(stored, name) for name in RATINGS} == RATINGS
