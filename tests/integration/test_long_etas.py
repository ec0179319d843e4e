"""Work due a day ahead (a booking's pay_before with a 24-hour window, a 24-hour auction's end, a deal's pay_before)
queues no task with that ETA, which Redis would deliver again every visibility timeout and RabbitMQ would cut off
after its consumer_timeout; the beat's sweeps do it once it is due, and doing it twice changes nothing. Time moves
through the services' ``now``."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingEvent, BookingStatus
from consignment.auctions import services as auction_services
from consignment.deals.defaults import deals_default_sweep
from consignment.models import Auction, AuctionEvent, Deal, DealEvent, DealStatus
from notifications.models import Message
from tests.bookings.conftest import another_owner, book, local, make_shop
from tests.consignment.factories import make_dealer, published_listing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)


class Broker:
    """Every queue of the test broker (Redis DB TEST_REDIS_DB + 1), read without consuming."""

    def __init__(self):
        assert settings.CELERY_BROKER_URL.startswith("redis")
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        self.names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
        self.redis.delete(*self.names)

    def tasks(self) -> list[str]:
        return [headers["task"] for headers in self.headers()]

    def headers(self) -> list[dict]:
        return [json.loads(raw)["headers"] for name in self.names for raw in self.redis.lrange(name, 0, -1)]


@pytest.fixture
def queued():
    b = Broker()
    yield b
    b.redis.delete(*b.names)


def test_a_booking_with_a_day_to_pay_queues_no_expiry_and_the_sweep_expires_it_once(
    queued, django_capture_on_commit_callbacks
):
    # given: a shop giving a day to pay, and a booking made now for the day after tomorrow
    store = make_shop(bays=1)
    booking_services.booking_policy_set(store=store, pay_window_min=24 * 60)
    start = local(timezone.localdate() + dt.timedelta(days=2), 10)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(another_owner(), store, start)
    assert booking.pay_before - booking.created_at == DAY
    assert "bookings.tasks.booking_expire_task" not in queued.tasks()
    # when the sweep runs a minute before the day is up, then after it
    assert booking_services.bookings_expire_due(now=booking.pay_before - dt.timedelta(minutes=1)) == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING_PAYMENT
    assert booking_services.bookings_expire_due(now=booking.pay_before + dt.timedelta(seconds=30)) == 1
    # then it expired, once: again (a second beat, the expiry task of a shorter window) changes nothing
    events = BookingEvent.objects.filter(booking=booking).count()
    assert booking_services.bookings_expire_due(now=booking.pay_before + dt.timedelta(minutes=1)) == 0
    assert booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before + DAY) is None
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED
    assert BookingEvent.objects.filter(booking=booking).count() == events


def test_a_24_hour_auction_queues_no_close_and_the_sweep_closes_it_once(queued, django_capture_on_commit_callbacks):
    # given: a day-long auction with a bid over the reserve
    seller = UserFactory(roles=["owner"])
    listing = published_listing(seller=seller)
    dealer = make_dealer()
    with django_capture_on_commit_callbacks(execute=True):
        auction = auction_services.auction_start(
            listing_id=listing.pk, seller=seller, reserve_price=Decimal("80000.00"), duration_min=24 * 60
        )
    with django_capture_on_commit_callbacks(execute=True):
        auction_services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("81000.00"))
    auction.refresh_from_db()
    assert auction.ends_at - auction.started_at == DAY
    assert "consignment.auctions.tasks.auction_close_task" not in queued.tasks()
    # when the sweep runs just before the end, then at it
    assert auction_services.auctions_sweep(now=auction.ends_at - dt.timedelta(seconds=1))["closed"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert auction_services.auctions_sweep(now=auction.ends_at)["closed"] == 1
    # then it is sold, and the deal's own day to pay queued no default either
    assert Auction.objects.get(pk=auction.pk).status == "sold"
    deal = Deal.objects.get(auction=auction)
    assert "consignment.deals.defaults.deal_default_task" not in queued.tasks()
    # a second close (the next beat) changes nothing: no second deal, event or message
    counts = (AuctionEvent.objects.count(), Deal.objects.count(), Message.objects.count())
    assert auction_services.auctions_sweep(now=auction.ends_at + dt.timedelta(minutes=1))["closed"] == 0
    assert auction_services.auction_close(auction_id=auction.pk, now=auction.ends_at + DAY) is None
    assert (AuctionEvent.objects.count(), Deal.objects.count(), Message.objects.count()) == counts

    # and the unpaid deal defaults from the sweep at its pay_before, once
    assert deals_default_sweep(now=deal.pay_before - dt.timedelta(seconds=1)) == 0
    assert deals_default_sweep(now=deal.pay_before) == 1
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.DEFAULTED
    events = DealEvent.objects.count()
    assert deals_default_sweep(now=deal.pay_before + dt.timedelta(minutes=1)) == 0
    assert DealEvent.objects.count() == events


def test_an_auction_ending_before_the_next_sweep_has_its_close_queued_for_its_end(queued):
    """A day-long auction queued no close when it started; the sweep in its last minute and a half queues one for
    ``ends_at``, so it closes on time and not at the next beat, up to a minute late."""
    seller = UserFactory(roles=["owner"])
    auction = auction_services.auction_start(
        listing_id=published_listing(seller=seller).pk,
        seller=seller,
        reserve_price=Decimal("80000.00"),
        duration_min=24 * 60,
    )
    now = timezone.now()
    assert auction_services.auctions_sweep(now=now) == {"closed": 0, "declined": 0}
    assert "consignment.auctions.tasks.auction_close_task" not in queued.tasks()  # a day away
    ends_at = now + dt.timedelta(seconds=60)
    Auction.objects.filter(pk=auction.pk).update(ends_at=ends_at)  # the day has nearly gone by
    assert auction_services.auctions_sweep(now=now) == {"closed": 0, "declined": 0}
    closes = [h for h in queued.headers() if h["task"] == "consignment.auctions.tasks.auction_close_task"]
    assert len(closes) == 1
    assert closes[0]["argsrepr"] == f"({auction.pk},)" and dt.datetime.fromisoformat(closes[0]["eta"]) == ends_at
