"""The default at pay_before through a real Celery worker: the task queued with ETA when the deal opens defaults it;
the beat's sweep defaults one whose task never ran."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from consignment.auctions import services
from consignment.deals.defaults import deals_default_sweep_task
from consignment.models import Deal, DealStatus
from tests.consignment.factories import make_dealer

pytestmark = pytest.mark.django_db(transaction=True)


def _deal_due_in(listing, seller, seconds: int) -> Deal:
    """A deal whose pay_before is ``seconds`` from now: its auction ran a day ago (started, bid on and closed in one
    transaction, so the close task queued at the start finds it closed)."""
    ends = timezone.now() - dt.timedelta(hours=24) + dt.timedelta(seconds=seconds)
    started = ends - dt.timedelta(minutes=30)
    dealer = make_dealer()
    with transaction.atomic():
        auction = services.auction_start(
            listing_id=listing.pk, seller=seller, reserve_price=Decimal("80000.00"), now=started
        )
        services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("81000.00"), now=started)
        services.auction_close(auction_id=auction.pk, now=ends)
    return Deal.objects.get(auction=auction)


def test_the_eta_task_defaults_the_deal_at_pay_before(celery_worker, listing, seller):
    deal = _deal_due_in(listing, seller, 2)
    assert deal.status == DealStatus.AWAITING_PAYMENT and deal.pay_before > timezone.now()
    celery_worker.wait_for(lambda: Deal.objects.get(pk=deal.pk).status != DealStatus.AWAITING_PAYMENT, timeout=20)
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.DEFAULTED
    # the task's run is recorded once it returns, a moment after its transaction committed the default
    runs = celery_worker.wait_for_task("consignment.deals.defaults.deal_default_task")
    assert [r.state for r in runs] == ["SUCCESS"]


def test_the_sweep_defaults_a_deal_whose_task_was_lost(celery_worker, listing, seller):
    deal = _deal_due_in(listing, seller, 3600)
    Deal.objects.filter(pk=deal.pk).update(pay_before=timezone.now() - dt.timedelta(seconds=1))
    deals_default_sweep_task.delay()
    celery_worker.wait_for(lambda: Deal.objects.get(pk=deal.pk).status == DealStatus.DEFAULTED, timeout=20)
