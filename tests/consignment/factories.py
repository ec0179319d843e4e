"""Consignment fixtures: a published inspection report and its listing written through the ORM (the inspection
services are another piece of work: this stands for their result), dealers made through the dealer services, and
past deals to compare with."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from bookings.models import Booking, BookingStatus
from catalog.models import Service
from consignment.dealers import services as dealer_services
from consignment.fees import fee_for
from consignment.models import (
    Auction,
    AuctionStatus,
    Deal,
    Dealer,
    DealStatus,
    InspectionItem,
    InspectionReport,
    Listing,
)
from tests.catalog.factories import set_price
from tests.factories import StoreFactory, UserFactory, VehicleFactory

VIN = "LSVAU2A37N2183456"
_days = itertools.count(1)
_licences = itertools.count(1)


def inspection_store(**kwargs):
    """A consignment test centre: the consignment category, the inspection priced."""
    store = StoreFactory(categories=["consignment"], **kwargs)
    set_price(store, "consignment_inspection", "300.00", duration_min=30)
    return store


def _inspection_booking(seller, store) -> Booking:
    """A completed consignment_inspection booking some days ago (one a day, so none overlaps on the bay)."""
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=next(_days))
    end = start + dt.timedelta(minutes=30)
    offering = store.offerings.get(service_id="consignment_inspection")
    return Booking.objects.create(
        owner=seller,
        store=store,
        bay=store.bays.first(),
        service=Service.objects.get(code="consignment_inspection"),
        vehicle=VehicleFactory(owner=seller),
        offering_version=offering.current,
        status=BookingStatus.COMPLETED,
        start=start,
        end=end,
        blocks_until=end,
        quote={"lines": [], "total": "300.00"},
        quote_total=Decimal("300.00"),
        amount_paid=Decimal("300.00"),
        cancel_free_until=start,
        cancel_fee_pct=Decimal("0"),
    )


def published_listing(
    *,
    seller=None,
    store=None,
    make: str = "大众",
    model: str = "朗逸",
    year: int = 2019,
    mileage_km: int = 42_000,
    grade: str = "B",
    defects: tuple = (("door_front_left", "minor", "门漆面有划痕"),),
) -> Listing:
    """A published report (with an ok item and ``defects``) and its draft listing, as completing an inspection
    booking leaves them."""
    seller = seller or UserFactory(roles=["owner"], name="卖家张三")
    store = store or inspection_store(name="漕宝路检测中心")
    report = InspectionReport.objects.create(
        booking=_inspection_booking(seller, store),
        store=store,
        inspector=UserFactory(roles=["owner"], name="检测师"),
        template_version="2026.1",
        vin=VIN,
        plate="沪A12345",
        make=make,
        model=model,
        year=year,
        mileage_km=mileage_km,
        first_registered=dt.date(year, 6, 1),
        transfers=1,
        summary="车况良好",
        grade_computed=grade,
        grade=grade,
    )
    InspectionItem.objects.create(report=report, code="engine_start", result="ok")
    for code, result, note in defects:
        InspectionItem.objects.create(report=report, code=code, result=result, note=note)
    InspectionReport.objects.filter(pk=report.pk).update(published_at=timezone.now())
    return Listing.objects.create(
        report=report, seller=seller, make=make, model=model, year=year, mileage_km=mileage_km
    )


def licence() -> str:
    """A fresh unified social credit code (18 characters)."""
    return f"91310000MA{next(_licences):08d}"


def make_dealer(*, user=None, verified: bool = True, deposit: bool = True, company: str | None = None) -> Dealer:
    """A dealer through the dealer services: applied, verified by QA, the deposit held (as the payments integration
    will record it)."""
    user = user or UserFactory(roles=["owner"])
    dealer = dealer_services.dealer_apply(user=user, company=company or f"{user.name}车行", license_no=licence())
    if verified:
        qa = UserFactory(roles=["qa"])
        dealer = dealer_services.dealer_verify(dealer_id=dealer.pk, by=qa)
    if deposit:
        dealer = dealer_services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal("5000.00"), payment_id=None)
    dealer.refresh_from_db()
    return dealer


def past_deal(
    price: str,
    *,
    make: str = "大众",
    model: str = "朗逸",
    year: int = 2019,
    mileage_km: int = 42_000,
    days_ago: int = 10,
    status: str = DealStatus.SETTLED,
    dealer: Dealer | None = None,
    store=None,
) -> Deal:
    """A deal made ``days_ago`` on a sold auction of a comparable car, written through the ORM (history to compare
    with, not behaviour)."""
    listing = published_listing(make=make, model=model, year=year, mileage_km=mileage_km, store=store)
    Listing.objects.filter(pk=listing.pk).update(status="sold")
    at = timezone.now() - dt.timedelta(days=days_ago)
    price = Decimal(price)
    dealer = dealer or make_dealer()
    auction = Auction.objects.create(
        listing=listing,
        status=AuctionStatus.SOLD,
        reserve_price=price,
        started_at=at - dt.timedelta(minutes=30),
        ends_at=at,
        closed_at=at,
        highest_amount=price,
        highest_dealer=dealer,
        bid_count=1,
    )
    fee = fee_for(price)
    return Deal.objects.create(
        auction=auction,
        listing=listing,
        dealer=dealer,
        seller=listing.seller,
        price=price,
        fee=fee,
        seller_net=price - fee,
        status=status,
        pay_before=at + dt.timedelta(hours=24),
        created_at=at,
        # What the statuses after payment require (consignment.models.Deal's constraints).
        paid_at=None if status in (DealStatus.AWAITING_PAYMENT, DealStatus.DEFAULTED) else at + dt.timedelta(hours=2),
        handed_over_at=at + dt.timedelta(days=1) if status in (DealStatus.HANDED_OVER, DealStatus.SETTLED) else None,
        settled_at=at + dt.timedelta(days=4) if status == DealStatus.SETTLED else None,
    )
