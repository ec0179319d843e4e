"""Deal fixtures. What the inspection, dealer and auction code would have made (a published report of a completed
inspection booking, the seller's listing, a verified dealer with its deposit held, an auction sold to it, the deal
awaiting payment) is written here with the ORM; everything a deal does from there goes through its services, money
through the payments sandbox."""

import datetime as dt
import itertools
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.checklists import checklist_answer
from bookings.models import Booking, BookingEvent, BookingStatus
from consignment.deals import paying
from consignment.models import (
    Auction,
    AuctionStatus,
    Deal,
    Dealer,
    DealerStatus,
    DealEvent,
    DealStatus,
    DepositStatus,
    InspectionReport,
    Listing,
    ListingStatus,
)
from payments import payouts
from payments import services as payment_services
from payments.models import Payment, Payout, PayoutStatus, Refund, RefundStatus
from stores.models import Store
from tests.bookings.conftest import book, local
from tests.bookings.floor_fixtures import move, staff_of
from tests.catalog.factories import set_price
from tests.consignment.inspection.fixtures import complete, item_answers, save_report
from tests.factories import StoreFactory, UserFactory, VehicleFactory
from tests.payments.charging import _another_waits_on_a_lock
from tests.payments.paying import notify

HOURS = [(d, dt.time(9, 0), dt.time(18, 0)) for d in range(7)]
PRICE = Decimal("80000.00")
FEE = Decimal("2400.00")
_licences = itertools.count(1)


def consignment_store(**kwargs) -> Store:
    """A test centre open 09:00-18:00 every day with one consignment bay, pricing the inspection and the handover."""
    store = StoreFactory(categories=["consignment"], hours=HOURS, **kwargs)
    set_price(store, "consignment_inspection", "300.00", duration_min=30)
    set_price(store, "consignment_handover", "100.00", duration_min=30)
    return store


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def inspected(store: Store, *, seller=None, inspector=None) -> InspectionReport:
    """A ``consignment_inspection`` booking, paid, checked in (its check-in dated yesterday 10:05) and completed, and
    its published report (what the inspection code makes of it). Booked for tomorrow 10:00 (a booking is made for a
    start to come; a past one's expiry would race its payment under a real worker)."""
    seller = seller or UserFactory(roles=["owner"], name="张伟")
    inspector = inspector or staff_of(store, name="检测员李")
    car = VehicleFactory(owner=seller, plate="沪A88888", make="大众", model="帕萨特", year=2018)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    booking = book(seller, store, local(tomorrow, 10), vehicle=car, service="consignment_inspection")
    # The report is written on the shop floor, through the inspection's service: completion needs it.
    move(booking, BookingStatus.IN_SERVICE, by=inspector)
    items = item_answers(bumper_rear="major")  # a major defect: grade B
    save_report(booking, by=inspector, items=items, mileage_km=68000, first_registered="2018-05-01", transfers=0)
    complete(booking, by=inspector)
    BookingEvent.objects.filter(booking=booking, to_status=BookingStatus.CHECKED_IN).update(
        at=local(yesterday(), 10, 5)
    )
    # Completion publishes it after commit (and lists the car); a test inside one transaction publishes it here.
    InspectionReport.objects.filter(booking=booking, published_at__isnull=True).update(
        published_at=local(yesterday(), 10, 30)
    )
    return InspectionReport.objects.select_related("booking").get(booking=booking)


def verified_dealer(company: str = "沪上二手车行") -> Dealer:
    return Dealer.objects.create(
        user=UserFactory(roles=["dealer"], name="王经理"),
        company=company,
        license_no=f"91310000MA{next(_licences):08d}",
        status=DealerStatus.VERIFIED,
        deposit_status=DepositStatus.HELD,
        deposit_amount=Decimal("5000.00"),
    )


def deal_awaiting_payment(
    *,
    store: Store | None = None,
    report: InspectionReport | None = None,
    dealer: Dealer | None = None,
    price: Decimal = PRICE,
    fee: Decimal = FEE,
    pay_before: dt.datetime | None = None,
) -> Deal:
    """A listing sold at auction to ``dealer``, and its deal awaiting the dealer's payment (what the auction's close
    makes: pay_before 24 h on)."""
    report = report or inspected(store or consignment_store())
    dealer = dealer or verified_dealer()
    now = timezone.now()
    listing, _ = Listing.objects.update_or_create(
        report=report,
        defaults={
            "seller": report.booking.owner,
            "status": ListingStatus.DEAL,
            "make": report.make,
            "model": report.model,
            "year": report.year,
            "mileage_km": report.mileage_km,
        },
    )
    auction = Auction.objects.create(
        listing=listing,
        status=AuctionStatus.SOLD,
        reserve_price=price - Decimal("5000.00"),
        started_at=now - dt.timedelta(minutes=40),
        ends_at=now - dt.timedelta(minutes=10),
        closed_at=now - dt.timedelta(minutes=10),
        highest_amount=price,
        highest_dealer=dealer,
        bid_count=3,
    )
    deal = Deal.objects.create(
        auction=auction,
        listing=listing,
        dealer=dealer,
        seller=listing.seller,
        price=price,
        fee=fee,
        seller_net=price - fee,
        pay_before=pay_before or now + dt.timedelta(hours=24),
        created_at=now,
    )
    DealEvent.objects.create(deal=deal, from_status="", to_status=DealStatus.AWAITING_PAYMENT, at=now)
    return deal


def open_deal_payment(deal: Deal) -> Payment:
    payment = paying.deal_pay_open(deal_id=deal.pk, user=deal.dealer.user, provider="sandbox")
    return payment_services.payment_checkout(payment=payment)


def pay_deal(deal: Deal) -> Payment:
    """The dealer pays through the sandbox and the provider's notification arrives."""
    payment = open_deal_payment(deal)
    notify(payment)
    deal.refresh_from_db()
    payment.refresh_from_db()
    return payment


def complete_handover(deal: Deal, by=None) -> Booking:
    """The store's staff check the car in, answer the handover checklist and complete the booking."""
    deal.refresh_from_db()
    booking = deal.handover_booking
    by = by or staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=by, now=booking.start)
    booking_services.booking_start(booking_id=booking.pk, by=by)
    required = [item["code"] for item in booking.checklist if item.get("required")]
    checklist_answer(booking_id=booking.pk, by=by, items=[{"code": code, "result": "pass"} for code in required])
    booking_services.booking_complete(booking_id=booking.pk, by=by)
    deal.refresh_from_db()
    booking.refresh_from_db()
    return booking


def handed_over(deal: Deal | None = None) -> Deal:
    deal = deal or deal_awaiting_payment()
    pay_deal(deal)
    complete_handover(deal)
    return deal


def provider_runs() -> None:
    """What the workers do after commit: the provider pays the pending refunds and payouts."""
    for refund in Refund.objects.filter(status=RefundStatus.PENDING):
        payment_services.refund_execute(refund_id=refund.pk)
    for payout in Payout.objects.filter(status=PayoutStatus.PENDING):
        payouts.payout_execute(payout_id=payout.pk)


def payout_refused(deal: Deal) -> Payout:
    """The deal paid, handed over, its claim window passed and its settlement asked for, and the provider refusing
    the seller's payout (the sandbox's refusal marker on its ``out_biz_no``); the refused payout."""
    from consignment.deals import settlement
    from payments.providers.sandbox import REFUSE_MARKER

    pay_deal(deal)
    complete_handover(deal)
    settlement.deals_settle_due(now=after_window(deal))
    payout = Payout.objects.get(subject=f"deal:{deal.pk}")
    Payout.objects.filter(pk=payout.pk).update(out_biz_no=f"{payout.out_biz_no}{REFUSE_MARKER}")
    provider_runs()
    deal.refresh_from_db()
    payout.refresh_from_db()
    return payout


def read_together(monkeypatch, module, name: str, readers: int = 2) -> list:
    """Make ``module.name`` (a read a service makes before it writes) wait, once it has read, until the other readers
    have read too or one is seen waiting on a lock (``tests.payments.charging``'s way, for reads of one row): without
    the service's lock they would all read the same state, then all write. Returns what each read, in order."""
    read, real = [], getattr(module, name)

    def reading(*args, **kwargs):
        found = real(*args, **kwargs)
        read.append(found)
        deadline = time.monotonic() + 10
        while len(read) < readers and not _another_waits_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)
        return found

    monkeypatch.setattr(module, name, reading)
    return read


def after_window(deal: Deal) -> dt.datetime:
    """The first instant the claim window of a handed-over deal no longer covers."""
    return deal.handed_over_at + dt.timedelta(days=3)


@pytest.fixture
def deal(db) -> Deal:
    return deal_awaiting_payment()


@pytest.fixture
def qa(db):
    return UserFactory(roles=["qa"], name="质检员赵")
