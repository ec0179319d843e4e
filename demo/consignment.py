"""Demo used-car consignment (issue 14, item 10): three verified dealers with their deposits held (paid through the
sandbox), the demo owner's Passat sold in a dealer auction (its inspection booking completed with a full report, bids
from the three dealers, the deal awaiting the winning dealer's payment) and the owner's BYD in an auction that is
still open, ending about two hours after the demo loads.

Everything goes through the services. The services that take a ``now`` are given times in the past (the sold car's
auction ran an hour before the load): no fast path writes rows behind their back. The inspection bookings are made
on past days like the reviews' bookings (``demo.reviews``); their reports are published at once
(``report_publish``, idempotent) rather than after the load commits, so the auctions can follow in the same
transaction.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from catalog.models import Offering
from consignment.auctions import services as auctions
from consignment.dealers import deposits
from consignment.dealers import services as dealers
from consignment.inspection import services as inspection
from consignment.inspection.template import ITEMS, MICROMETRES, MILLIMETRES, VOLTS
from consignment.models import (
    Auction,
    AuctionEvent,
    Bid,
    Claim,
    Deal,
    Dealer,
    DealerEvent,
    DealEvent,
    InspectionItem,
    InspectionPhoto,
    InspectionReport,
    Listing,
    ProxyMax,
)
from demo.bookings import checklist_pass, free_slots
from demo.payments import demo_pay, purging
from payments.providers.base import provider_get
from payments.services import notification_receive
from stores.models import Store, StoreStatus

# (phone, company, licence): the first is the README's dealer account (DEALER in demo.accounts).
DEALERS = (
    ("13800000005", "上海诚信二手车经纪有限公司", "91310000MA1FL5A001"),
    ("13800000006", "申通汽车销售服务有限公司", "91310000MA1FL5A002"),
    ("13800000007", "沪联二手车贸易有限公司", "91310000MA1FL5A003"),
)
READINGS = {MICROMETRES: Decimal("118.0"), MILLIMETRES: Decimal("5.8"), VOLTS: Decimal("12.6")}
# Findings of the sold car's report (everything else ok).
SOLD_FINDINGS = {
    "paint_rear_right_door": ("minor", Decimal("265.0"), "右后门补过漆，漆面厚度偏高。"),
    "tyre_tread": ("minor", Decimal("3.2"), "前轮花纹较浅，建议近期更换。"),
}
# (plate, VIN, mileage, first registration, days before the load the inspection took place)
SOLD_CAR = ("沪A5K321", "LSVAU218XN2183294", 86_500, dt.date(2018, 6, 20), 3)
OPEN_CAR = ("沪AD12345", "LFV2A21K8D4123456", 18_900, dt.date(2022, 3, 18), 1)


@dataclass(frozen=True)
class DemoConsignment:
    store: Store
    sold: Auction
    deal: Deal
    open: Auction
    dealers: tuple[Dealer, ...]


def _inspection_store(stores) -> tuple[Store, Offering] | None:
    offering = (
        Offering.objects.filter(
            store__in=stores,
            store__status=StoreStatus.ACTIVE,
            service_id="consignment_inspection",
            is_active=True,
            current__isnull=False,
        )
        .select_related("store", "service", "current")
        .order_by("store_id")
        .first()
    )
    return (offering.store, offering) if offering else None


def _dealer(phone: str, company: str, license_no: str, *, qa: User) -> Dealer:
    """Apply, be verified, pay the deposit through the sandbox. The deposit is recorded held at once (the durable
    subscriber that would do it runs after the load commits, and then finds it held by the same payment)."""
    user = User.objects.get(phone=phone)
    dealer = dealers.dealer_apply(user=user, company=company, license_no=license_no)
    dealers.dealer_verify(dealer_id=dealer.pk, by=qa, reason="营业执照与二手车经营备案已核验。")
    payment = deposits.dealer_deposit_pay(user=user, provider="sandbox")
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    notification_receive(provider="sandbox", params=params)
    return dealers.dealer_deposit_held(dealer_id=dealer.pk, amount=payment.amount, payment_id=payment.pk)


def _items(findings: dict) -> list[inspection.ItemSpec]:
    specs = []
    for item in ITEMS:
        result, reading, note = findings.get(item.code, ("ok", READINGS.get(item.unit), ""))
        specs.append(inspection.ItemSpec(code=item.code, result=result, reading=reading, note=note))
    return specs


def _inspected(store: Store, offering: Offering, owner: User, car: tuple, *, findings: dict, summary: str, now):
    """The owner's car inspected at ``store`` some days ago: the booking paid, checked in, the full report written,
    completed; the report published and the listing made."""
    plate, vin, mileage_km, first_registered, days_ago = car
    vehicle = owner.vehicles.get(plate=plate)
    tz = ZoneInfo(store.timezone)
    booking = None
    for back in range(days_ago, days_ago + 7):  # the first day the test centre is open and free
        day = (now.astimezone(tz) - dt.timedelta(days=back)).date()
        booked_at = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(20, 0), tzinfo=tz)
        slots = free_slots(store, offering, day, booked_at)
        if slots:
            booking = booking_services.booking_create(
                owner=owner, store=store, service=offering.service, vehicle=vehicle, start=slots[0].start, now=booked_at
            )
            break
    if booking is None:
        raise RuntimeError(f"{store.name} takes no inspection in the week before the demo.")
    demo_pay(booking)
    booking_services.booking_check_in(booking_id=booking.pk, by=None)
    booking_services.booking_start(booking_id=booking.pk, by=None)
    inspection.report_save(
        booking_id=booking.pk,
        by=None,
        vin=vin,
        mileage_km=mileage_km,
        first_registered=first_registered,
        transfers=1,
        items=_items(findings),
        summary=summary,
    )
    checklist_pass(booking, None)
    booking_services.booking_complete(booking_id=booking.pk, by=None)
    return inspection.report_publish(booking_id=booking.pk)


def demo_consignment_load(*, stores, owner: User, qa: User, now: dt.datetime | None = None) -> DemoConsignment | None:
    """The consignment demo at the first active test centre among ``stores`` (None, nothing written, when there is
    none: a demo of a few stores may have no consignment centre)."""
    found = _inspection_store(stores)
    if found is None:
        return None
    store, offering = found
    now = (now or timezone.now()).replace(microsecond=0)
    made = tuple(_dealer(phone, company, licence, qa=qa) for phone, company, licence in DEALERS)
    users = [d.user for d in made]

    # The Passat: an auction that ran an hour ago, three dealers bidding, sold to the README's dealer.
    listing = _inspected(
        store, offering, owner, SOLD_CAR, findings=SOLD_FINDINGS, summary="车况良好：右后门补漆，前轮需换胎。", now=now
    )
    start = now - dt.timedelta(minutes=70)
    sold = auctions.auction_start(
        listing_id=listing.pk, seller=owner, reserve_price=Decimal("65000.00"), duration_min=30, now=start
    )
    for minute, user, amount, maximum in (
        (4, users[1], "58000.00", None),
        (9, users[2], "60000.00", None),
        (13, users[0], "61000.00", "70000.00"),  # a proxy bid: the platform bids for them up to ¥70,000
        (21, users[1], "64000.00", None),
        (26, users[2], "66000.00", None),
    ):
        auctions.bid_place(
            auction_id=sold.pk,
            user=user,
            amount=Decimal(amount),
            max_amount=Decimal(maximum) if maximum else None,
            now=start + dt.timedelta(minutes=minute),
        )
    sold.refresh_from_db()
    auctions.auction_close(auction_id=sold.pk, now=sold.ends_at)
    sold.refresh_from_db()
    deal = Deal.objects.get(auction=sold)

    # The BYD: an auction open for two hours from the load, with two bids so far and the reserve not met yet.
    listing = _inspected(
        store, offering, owner, OPEN_CAR, findings={}, summary="准新车，无事故、无泡水、无火烧，电池健康。", now=now
    )
    open_ = auctions.auction_start(
        listing_id=listing.pk, seller=owner, reserve_price=Decimal("150000.00"), duration_min=120, now=now
    )
    for minute, user, amount in ((1, users[1], "120000.00"), (2, users[2], "125000.00")):
        auctions.bid_place(
            auction_id=open_.pk, user=user, amount=Decimal(amount), now=now + dt.timedelta(seconds=minute)
        )
    open_.refresh_from_db()
    return DemoConsignment(store=store, sold=sold, deal=deal, open=open_, dealers=made)


def demo_consignment_reset() -> None:
    """Delete every consignment row (the demo reset deletes every booking, and the reports with them): a published
    report is immutable except in a purge (``consignment`` migration 0003)."""
    purging()
    Claim.objects.all().delete()
    DealEvent.objects.all().delete()
    Deal.objects.all().delete()
    Bid.objects.all().delete()
    ProxyMax.objects.all().delete()
    AuctionEvent.objects.all().delete()
    Auction.objects.all().delete()
    Listing.objects.all().delete()
    InspectionPhoto.objects.all().delete()
    InspectionItem.objects.all().delete()
    InspectionReport.objects.all().delete()
    DealerEvent.objects.all().delete()
    Dealer.objects.all().delete()
