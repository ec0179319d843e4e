"""Hand-made store histories for the KPI and nightly-run tests: one real booking made through the services, then
bookings, timeline events, extra work, reviews and complaints written through the ORM at the times a test needs
(the state to measure, not the behaviour under test)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings.models import Booking, BookingEvent, Supplement, SupplementLine
from quality.models import Complaint
from reviews.models import Review
from stores.models import Store
from tests.bookings.conftest import book, make_shop, tomorrow
from tests.factories import UserFactory, VehicleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def at(day: dt.date, days_before: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day - dt.timedelta(days=days_before), dt.time(hour, minute), tzinfo=SHANGHAI)


class History:
    """Bookings of one store cloned from a template booking (its bay, service, price and quote)."""

    def __init__(self, store: Store | None = None, **shop):
        self.store = store or make_shop(**shop)
        owner = UserFactory(roles=["owner"])
        start = dt.datetime.combine(tomorrow() + dt.timedelta(days=5), dt.time(10), tzinfo=SHANGHAI)
        self.template = book(owner, self.store, start)

    def booking(
        self,
        start: dt.datetime,
        status: str = "completed",
        *,
        by_store: bool = False,
        vehicle=None,
        late_min: int | None = 0,
    ) -> Booking:
        """A booking at ``start`` in ``status``; a completed one gets check-in at its start and work started
        ``late_min`` minutes later (None: no timeline)."""
        t = self.template
        vehicle = vehicle or VehicleFactory()
        booking = Booking.objects.create(
            owner=vehicle.owner,
            store=self.store,
            bay=t.bay,
            service=t.service,
            vehicle=vehicle,
            offering_version=t.offering_version,
            status=status,
            start=start,
            end=start + (t.end - t.start),
            blocks_until=start + (t.blocks_until - t.start),
            quote=t.quote,
            quote_total=t.quote_total,
            cancel_free_until=start,
            cancel_fee_pct=t.cancel_fee_pct,
            cancelled_by_store=by_store,
            pay_before=start if status == "pending_payment" else None,
        )
        if status == "completed" and late_min is not None:
            BookingEvent.objects.bulk_create(
                [
                    BookingEvent(booking=booking, at=start, from_status="confirmed", to_status="checked_in"),
                    BookingEvent(
                        booking=booking,
                        at=start + dt.timedelta(minutes=late_min),
                        from_status="checked_in",
                        to_status="in_service",
                    ),
                ]
            )
        return booking

    def completed(self, day: dt.date, days_before: range, **kwargs) -> list[Booking]:
        return [self.booking(at(day, n), **kwargs) for n in days_before]


def supplement(booking: Booking, total: str, status: str = "approved") -> Supplement:
    extra = Supplement.objects.create(booking=booking, reason="刹车片磨损", total=Decimal(total))
    SupplementLine.objects.create(
        supplement=extra, position=1, description="刹车片", qty=1, unit_price=Decimal(total), amount=Decimal(total)
    )
    if status != "proposed":
        Supplement.objects.filter(pk=extra.pk).update(status=status, decided_at=booking.start)
    return extra


def review(booking: Booking, stars: int, *, status: str = "published") -> Review:
    return Review.objects.create(
        booking=booking,
        store=booking.store,
        owner=booking.owner,
        quality=stars,
        attitude=stars,
        timeliness=stars,
        price_transparency=stars,
        environment=stars,
        overall=Decimal(stars),
        status=status,
        created_at=booking.start + dt.timedelta(hours=3),
    )


def complaint(booking: Booking, *, upheld: bool | None = None, category: str = "workmanship") -> Complaint:
    """A complaint filed three hours after the booking's start; resolved (upheld or rejected) unless None."""
    filed = booking.start + dt.timedelta(hours=3)
    resolved = {}
    if upheld is not None:
        resolved = {
            "status": "resolved",
            "outcome": "upheld" if upheld else "rejected",
            "resolved_at": filed + dt.timedelta(hours=30),
        }
    return Complaint.objects.create(
        booking=booking,
        store=booking.store,
        owner=booking.owner,
        category=category,
        description="机油不是报价里的品牌",
        created_at=filed,
        respond_by=filed + dt.timedelta(hours=24),
        resolve_by=filed + dt.timedelta(hours=72),
        **resolved,
    )
