"""Demo used-car consignment (issue 14, item 10): three verified dealers with their deposits held (paid through the
sandbox); the demo owner's Corolla with the whole story a week before the load (inspected, sold at auction, paid by
the dealer, handed over at the test centre, the seller paid after the claim window); the Passat sold in a dealer
auction an hour before the load (the deal awaiting the winning dealer's payment); and the BYD in an auction that is
still open, ending about two hours after the demo loads.

Everything goes through the services. The services that take a ``now`` are given times in the past (the sold car's
auction ran an hour before the load): no fast path writes rows behind their back. What durable subscribers do after a
commit (the deal paid, handed over, settled) is called here with the story's times; after the load commits they run
again and find it done. The money rows themselves (payments, ledger entries) carry the load's time. The seller's payout
is transferred once the load has committed (a call to the provider, never made inside a transaction). The inspection
bookings are made on past days like the reviews' bookings (``demo.reviews``); their reports are published at once
(``report_publish``, idempotent) rather than after the load commits, so the auctions can follow in the same transaction.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from bookings.events import BookingCompleted
from catalog.models import Offering
from consignment.auctions import services as auctions
from consignment.dealers import deposits
from consignment.dealers import services as dealers
from consignment.deals import handover, paying, settlement
from consignment.deals.charges import deal_subject
from consignment.deals.services import CLAIM_WINDOW
from consignment.inspection import services as inspection
from consignment.inspection.template import ITEMS, MICROMETRES, MILLIMETRES, VOLTS
from consignment.kinds import CONSIGNMENT
from consignment.models import (
    Auction,
    AuctionEvent,
    Bid,
    Claim,
    Deal,
    Dealer,
    DealerEvent,
    DealEvent,
    DealStatus,
    InspectionItem,
    InspectionPhoto,
    InspectionReport,
    Listing,
    ProxyMax,
)
from demo.bookings import checklist_pass, free_slots
from demo.payments import demo_pay, purging
from payments import payouts
from payments.events import PayoutPaid, PurposePaymentSettled
from payments.models import Payout
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
    "door_rear_right": ("minor", Decimal("265.0"), "右后门补过漆，漆面厚度偏高。"),
    "tyre_tread": ("minor", Decimal("3.2"), "前轮花纹较浅，建议近期更换。"),
}
# Findings of the settled car's report.
SETTLED_FINDINGS = {"windscreen": ("minor", None, "前挡风玻璃有一处小石击点。")}
HOURS_3 = dt.timedelta(hours=3)
# (plate, VIN, mileage, first registration, days before the load the inspection took place)
SETTLED_CAR = ("沪B8N706", "LVGBE40K8KG123457", 52_600, dt.date(2019, 4, 11), 8)
SOLD_CAR = ("沪A5K321", "LSVAU218XN2183294", 86_500, dt.date(2018, 6, 20), 3)
OPEN_CAR = ("沪AD12345", "LFV2A21K8D4123456", 18_900, dt.date(2022, 3, 18), 1)


@dataclass(frozen=True)
class DemoConsignment:
    store: Store
    settled: Deal
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


def _inspected(
    store: Store, offering: Offering, owner: User, car: tuple, *, findings: dict, summary: str, now
) -> tuple[Listing, dt.datetime]:
    """The owner's car inspected at ``store`` some days ago: the booking paid, checked in at its start, the full report
    written, completed half an hour later; the report published then and the listing made. Returns the listing and
    when the inspection ended."""
    plate, *_facts, days_ago = car
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
    _shop_floor(booking, at=booking.start, before_completion=lambda: _report(booking, car, findings, summary))
    done = booking.start + dt.timedelta(minutes=30)
    return inspection.report_publish(booking_id=booking.pk, now=done), done


def _report(booking, car: tuple, findings: dict, summary: str) -> None:
    _plate, vin, mileage_km, first_registered, _days_ago = car
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


def _shop_floor(booking, *, at: dt.datetime, before_completion=None) -> None:
    """The store takes the car in at ``at``, starts two minutes later, ticks the checklist (and does what
    ``before_completion`` does) and completes the job half an hour after ``at``; the timeline carries those times."""
    booking_services.booking_check_in(booking_id=booking.pk, by=None, now=at)
    booking_services.booking_start(booking_id=booking.pk, by=None, now=at + dt.timedelta(minutes=2))
    if before_completion is not None:
        before_completion()
    checklist_pass(booking, None)
    booking_services.booking_complete(booking_id=booking.pk, by=None, now=at + dt.timedelta(minutes=30))


def _auction(listing: Listing, owner: User, *, reserve: str, start: dt.datetime, bids, duration_min: int = 30):
    """The seller starts an auction of ``listing`` at ``start``; ``bids``: (minute, dealer's user, amount, maximum)."""
    auction = auctions.auction_start(
        listing_id=listing.pk, seller=owner, reserve_price=Decimal(reserve), duration_min=duration_min, now=start
    )
    for minute, user, amount, maximum in bids:
        auctions.bid_place(
            auction_id=auction.pk,
            user=user,
            amount=Decimal(amount),
            max_amount=Decimal(maximum) if maximum else None,
            now=start + dt.timedelta(minutes=minute),
        )
    auction.refresh_from_db()
    return auction


def _sold(auction: Auction) -> Deal:
    auctions.auction_close(auction_id=auction.pk, now=auction.ends_at)
    auction.refresh_from_db()
    return Deal.objects.get(auction=auction)


def _paid(deal: Deal, *, at: dt.datetime) -> Deal:
    """The dealer pays the price through the sandbox at ``at``; the deal is paid and its handover booked then (what
    the durable subscriber does after the load commits, and then finds done)."""
    payment = paying.deal_pay_open(deal_id=deal.pk, user=deal.dealer.user, provider="sandbox", now=at)
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    notification_receive(provider="sandbox", params=params)
    settled = PurposePaymentSettled(
        payment_id=payment.pk,
        purpose=payment.purpose,
        subject=payment.subject,
        payer_id=deal.dealer.user_id,
        amount=payment.amount,
        applied=True,
    )
    paying.deal_payment_settled(settled, now=at)
    return deal


def _handed_over_and_paid_out(deal: Deal) -> Deal:
    """The handover at its booked start; the seller's payout asked for once the claim window has passed and the deal
    settled then; the sandbox transfers the payout after the load commits."""
    deal.refresh_from_db()
    booking = deal.handover_booking
    if booking is None:
        raise RuntimeError(f"Deal {deal.pk}: the test centre has no free handover start.")
    _shop_floor(booking, at=booking.start)
    handover.handover_completed(BookingCompleted(booking_id=booking.pk, kind=CONSIGNMENT.code))
    deal.refresh_from_db()
    due = deal.handed_over_at + CLAIM_WINDOW + dt.timedelta(minutes=10)
    settlement.deal_settle(deal_id=deal.pk, now=due)
    payout = Payout.objects.get(purpose=paying.PURPOSE, subject=deal_subject(deal.pk))
    # The transfer calls the provider, which is never done inside a transaction (STYLE.md §8): it runs once the load
    # has committed, paid at the story's time. The deal is settled here already, at its own time, as the PayoutPaid
    # subscriber would settle it; after the transfer that subscriber finds it done.
    payout_id, paid_at = payout.pk, due + dt.timedelta(seconds=30)
    transaction.on_commit(lambda: payouts.payout_execute(payout_id=payout_id, now=paid_at))
    paid = PayoutPaid(
        payout_id=payout.pk,
        purpose=payout.purpose,
        subject=payout.subject,
        user_id=payout.user_id,
        amount=payout.amount,
        cause=payout.cause,
    )
    settlement.deal_payout_paid(paid, now=due + dt.timedelta(minutes=1))
    deal.refresh_from_db()
    return deal


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

    # The Corolla: the whole story a week ago. Inspected, sold in an auction two hours later, paid that evening,
    # handed over at the test centre the next morning, the seller paid once the three-day claim window had passed.
    listing, inspected_at = _inspected(
        store, offering, owner, SETTLED_CAR, findings=SETTLED_FINDINGS, summary="车况良好，保养记录齐全。", now=now
    )
    start = inspected_at + dt.timedelta(hours=2)
    bids = (
        (3, users[2], "68000.00", None),
        (8, users[0], "69000.00", "76000.00"),  # a proxy bid
        (17, users[1], "72000.00", None),
        (29, users[2], "74000.00", None),  # in the last two minutes: the end moves to two minutes after it
    )
    settled = _handed_over_and_paid_out(
        _paid(_sold(_auction(listing, owner, reserve="70000.00", start=start, bids=bids)), at=start + HOURS_3)
    )
    if settled.status != DealStatus.SETTLED or settled.settled_at > now:
        raise RuntimeError(f"Deal {settled.pk} is {settled.status} at {settled.settled_at}, not settled before {now}.")

    # The Passat: an auction that ran an hour ago, three dealers bidding, sold to the README's dealer, who has yet to
    # pay.
    listing, _done = _inspected(
        store, offering, owner, SOLD_CAR, findings=SOLD_FINDINGS, summary="车况良好：右后门补漆，前轮需换胎。", now=now
    )
    bids = (
        (4, users[1], "58000.00", None),
        (9, users[2], "60000.00", None),
        (13, users[0], "61000.00", "70000.00"),  # a proxy bid: the platform bids for them up to ¥70,000
        (21, users[1], "64000.00", None),
        (26, users[2], "66000.00", None),
    )
    sold = _auction(listing, owner, reserve="65000.00", start=now - dt.timedelta(minutes=70), bids=bids)
    deal = _sold(sold)
    sold.refresh_from_db()

    # The BYD: an auction open for two hours from the load, with two bids so far and the reserve not met yet.
    listing, _done = _inspected(
        store, offering, owner, OPEN_CAR, findings={}, summary="准新车，无事故、无泡水、无火烧，电池健康。", now=now
    )
    bids = ((1 / 60, users[1], "120000.00", None), (2 / 60, users[2], "125000.00", None))
    open_ = _auction(listing, owner, reserve="150000.00", start=now, bids=bids, duration_min=120)
    return DemoConsignment(store=store, settled=settled, sold=sold, deal=deal, open=open_, dealers=made)


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
