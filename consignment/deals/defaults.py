"""The dealer who never pays (issue 14, item 6): a deal still ``awaiting_payment`` past ``pay_before`` is
``defaulted``, the dealer's deposit forfeited to the platform's revenue, and the car offered to the runner-up, or
given back to the seller.

When: a beat sweep every minute (``CELERY_BEAT_SCHEDULE``), and a Celery task queued with ``eta=pay_before`` when the
deal opens (``auctions.services.deal_open``) if that is within ``CELERY_ETA_MAX_S`` (a day is not: ``chefu.queue``);
both call :func:`deal_default`, which re-checks under the deal's row
lock, so the default happens exactly once however many callers race.

**The runner-up** (decided here, documented in the README): among the auction's other dealers (never one who has
already defaulted on it), the one with the highest maximum (``ProxyMax``: the highest of their bids and proxy
maxima; between equals the one who reached it first, as the auction ranks them) that still may bid (verified,
deposit held), provided that maximum meets the reserve. They are offered the car at the price the auction's proxy
rule gives without the dealers who defaulted: one increment above the next highest maximum, never below their own
highest bid nor the reserve, capped at their own maximum (``auctions.rules``).

For an auction whose seller **accepted** a price below the reserve there is no runner-up: the seller agreed to that
price from that dealer only, so the car goes back to them. The runner-up's deal is a new ``Deal`` on the same
auction with a new 24-hour window, told through the outbox (the deal's usual ``consignment_won`` message, plus
``consignment_runner_up``); the seller is told either way (``consignment_sold`` with the new price, or
``consignment_deal_defaulted``).
"""

import datetime as dt
from decimal import Decimal

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chefu.money import format_money
from consignment.auctions import rules
from consignment.auctions.lock_objects import auction_lock, listing_lock
from consignment.auctions.services import car_label, deal_open, listing_move
from consignment.dealers.deposits import dealer_deposit_forfeit
from consignment.deals.lock_objects import deal_lock
from consignment.models import (
    AuctionStatus,
    Bid,
    Deal,
    DealerStatus,
    DealEvent,
    DealStatus,
    DepositStatus,
    ListingStatus,
    ProxyMax,
)
from notifications.services import notify


def runner_up(*, deal: Deal) -> tuple[int, Decimal] | None:
    """(dealer id, price) of the car's next buyer after ``deal``'s dealer defaulted, or None (see the module's
    docstring for the rule)."""
    auction = deal.auction
    if auction.status != AuctionStatus.SOLD:
        return None
    out = set(Deal.objects.filter(auction=auction).values_list("dealer_id", flat=True))  # defaulted or this one
    maxima = sorted(
        (
            (m.max_amount, m.pk, m.dealer_id, m.dealer)
            for m in ProxyMax.objects.filter(auction=auction).exclude(dealer_id__in=out).select_related("dealer")
        ),
        key=lambda row: (-row[0], row[1], row[2]),
    )
    for i, (own_max, _rank, dealer_id, dealer) in enumerate(maxima):
        if own_max < auction.reserve_price:
            return None
        if dealer.status != DealerStatus.VERIFIED or dealer.deposit_status != DepositStatus.HELD:
            continue
        others = [m for j, m in enumerate(maxima) if j != i]
        own_bid = Bid.objects.filter(auction=auction, dealer_id=dealer_id, accepted=True).order_by("-amount")
        own_top = own_bid.values_list("amount", flat=True).first() or own_max
        floor = max(own_top, auction.reserve_price)
        if others:
            floor = max(floor, rules.min_next_bid(others[0][0]))
        return dealer_id, min(own_max, floor)
    return None


@transaction.atomic
def deal_default(*, deal_id: int, now: dt.datetime | None = None) -> Deal | None:
    """Default ``deal_id`` if it is still awaiting payment past ``pay_before``; None (nothing changed) otherwise:
    harmless to call again, early or concurrently. The deal ``defaulted`` (a ``DealEvent``), the deposit forfeited
    (``dealer_deposit_forfeit``), then the runner-up's new deal, or the listing back to ``draft`` for the seller to
    relist. Returns the runner-up's deal, or the defaulted deal when there is none. Locks the deal's row, the
    dealer's, then the listing's and the auction's."""
    deal = deal_lock(deal_id)
    now = now or timezone.now()
    if deal is None or deal.status != DealStatus.AWAITING_PAYMENT or deal.pay_before > now:
        return None
    deal.status = DealStatus.DEFAULTED
    deal.save(update_fields=["status"])
    dealer_deposit_forfeit(
        dealer_id=deal.dealer_id,
        deal_id=deal.pk,
        reason=_("Deal %(deal)s was not paid by its deadline: the deposit is forfeited.") % {"deal": deal.pk},
        now=now,
    )
    listing = listing_lock(deal.listing_id)
    auction = auction_lock(deal.auction_id)
    deal.auction = auction
    chosen = runner_up(deal=deal)
    car = car_label(listing)
    DealEvent.objects.create(
        deal=deal,
        at=now,
        from_status=DealStatus.AWAITING_PAYMENT,
        to_status=DealStatus.DEFAULTED,
        reason="not paid by pay_before",
        details={"runner_up_dealer_id": chosen[0] if chosen else None},
    )
    if chosen is None:
        listing_move(listing, ListingStatus.DRAFT)
        notify(
            recipient=listing.seller,
            template="consignment_deal_defaulted",
            params={"car": car},
            ref=f"auction:{auction.pk}",
            dedupe_key=f"deal:{deal.pk}:defaulted",
        )
        return deal
    dealer_id, price = chosen
    following = deal_open(auction=auction, listing=listing, now=now, dealer_id=dealer_id, price=price)
    DealEvent.objects.filter(deal=following).update(details={"runner_up_after_deal_id": deal.pk})
    notify(
        recipient=following.dealer.user,
        template="consignment_runner_up",
        params={
            "auction_id": str(auction.pk),
            "car": car,
            "price": f"¥{format_money(price)}",
            "pay_before": timezone.localtime(following.pay_before).strftime("%Y-%m-%d %H:%M"),
        },
        ref=f"auction:{auction.pk}",
        dedupe_key=f"deal:{following.pk}:runner_up",
    )
    return following


def deals_default_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The beat's safety net: default the deals past ``pay_before`` still awaiting payment, one transaction each.
    Returns how many it defaulted."""
    now = now or timezone.now()
    due = Deal.objects.filter(status=DealStatus.AWAITING_PAYMENT, pay_before__lte=now).order_by("pay_before", "id")
    return sum(deal_default(deal_id=pk, now=now) is not None for pk in due.values_list("pk", flat=True)[:limit])


_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="consignment.deals.defaults.deal_default_task", **_DB_RETRY)
def deal_default_task(deal_id: int) -> bool:
    """Queued with ``eta=pay_before`` when the deal opens (if that is within ``CELERY_ETA_MAX_S``); a paid deal (or
    one defaulted by the sweep) is left alone. True when it defaulted the deal."""
    return deal_default(deal_id=deal_id) is not None


@shared_task(name="consignment.deals.defaults.deals_default_sweep_task", **_DB_RETRY)
def deals_default_sweep_task() -> int:
    """CELERY_BEAT_SCHEDULE, every minute: the defaults the per-deal tasks missed."""
    return deals_default_sweep()
