"""The close at ends_at through a real Celery worker: the task queued with ETA when the auction starts closes it;
the beat's sweep closes one whose task never ran."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from consignment.auctions import services
from consignment.auctions.tasks import auctions_sweep_task
from consignment.models import Auction, Deal
from tests.consignment.factories import make_dealer

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_eta_task_closes_the_auction_at_its_end(celery_worker, listing, seller):
    # given: an auction that started 30 minutes ago less two seconds, and a dealer's bid above the reserve
    started = timezone.now() - dt.timedelta(minutes=30) + dt.timedelta(seconds=2)
    auction = services.auction_start(
        listing_id=listing.pk, seller=seller, reserve_price=Decimal("80000.00"), now=started
    )
    dealer = make_dealer()
    services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("81000.00"), now=started)
    assert Auction.objects.get(pk=auction.pk).ends_at > timezone.now()
    # when: the worker runs the task at ends_at
    celery_worker.wait_for(lambda: Auction.objects.get(pk=auction.pk).status != "open", timeout=20)
    # then: sold, once, to the dealer
    closed = Auction.objects.get(pk=auction.pk)
    assert closed.status == "sold" and closed.closed_at >= closed.ends_at
    assert Deal.objects.get(auction=auction).dealer_id == dealer.pk
    # The task's run is recorded when it returns, a moment after its transaction committed the close.
    runs = celery_worker.wait_for(lambda: celery_worker.ran("consignment.auctions.tasks.auction_close_task"))
    assert [r.state for r in runs] == ["SUCCESS"]


def test_the_sweep_closes_an_auction_whose_task_was_lost(celery_worker, auction):
    past = timezone.now() - dt.timedelta(seconds=1)
    Auction.objects.filter(pk=auction.pk).update(started_at=past - dt.timedelta(minutes=30), ends_at=past)
    auctions_sweep_task.delay()
    celery_worker.wait_for(lambda: Auction.objects.get(pk=auction.pk).status == "no_bids")
