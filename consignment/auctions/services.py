"""Auctions: the seller starts one on a listing, verified dealers bid (with proxy maxima), it closes by itself at
``ends_at`` exactly once, and the seller accepts or declines a highest bid below the reserve. A sale opens the deal.

Locks (``consignment.auctions.lock_objects``): a bid takes its dealer's row, then the auction's; starting, closing and
the seller's decision take the listing's row, then the auction's. Every bid is judged at the moment it holds the
auction's row: that is its place in line, and the clock it is judged by (``ends_at``). Every bid is recorded,
accepted or refused with its reason: a refusal is returned, not raised, so that it is written with the caller's
transaction (``bid_refusal_error`` names the error to answer).

A beat sweep (``auctions_sweep``, every minute) closes the auctions past ``ends_at`` and declines the seller decisions
left past their 24 hours. The close is also queued as a Celery task with ``eta=ends_at`` when the auction starts and
whenever a late bid moves ``ends_at``, which ``chefu.queue`` sends only when that end is minutes away (a late bid's);
for the others, the sweep queues it once the end is due before its next run (``SWEEP_LOOKAHEAD``). Either spares
the wait for the next sweep. Each re-checks the state under the lock, so running twice changes nothing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from chefu.errors import NotFound, ValidationFailed
from chefu.events import emit
from chefu.money import format_money, money
from chefu.queue import send_now, send_on_commit
from consignment.auctions import rules
from consignment.auctions.estimates import listing_estimate
from consignment.auctions.exceptions import (
    DecisionWindowClosed,
    InvalidTransition,
    ListingNotAvailable,
    OwnAuction,
)
from consignment.auctions.lock_objects import auction_lock, listing_lock
from consignment.dealers.exceptions import DealerNotVerified
from consignment.dealers.lock_objects import dealer_lock_of_user
from consignment.dealers.selectors import bidder_refusal
from consignment.events import AuctionClosed, AuctionDecided, AuctionStarted, DealOpened
from consignment.fees import fee_for
from consignment.models import (
    Auction,
    AuctionEvent,
    AuctionStatus,
    Bid,
    BidRefusal,
    Deal,
    Dealer,
    DealEvent,
    DealStatus,
    Listing,
    ListingStatus,
    ProxyMax,
)
from notifications.services import notify

DURATION_DEFAULT_MIN = 30
DURATION_MAX_MIN = 1440
# A bid this close to the end moves the end to this long after the bid (anti-sniping).
EXTENSION = dt.timedelta(minutes=2)
# The seller's time to accept or decline a highest bid below the reserve; the dealer's time to pay a deal.
DECISION_WINDOW = dt.timedelta(hours=24)
PAY_WINDOW = dt.timedelta(hours=24)
# Amounts (bids, maxima, reserves) stay below this: no car costs ¥100 million, and a typo that large is refused.
AMOUNT_LIMIT = Decimal("100000000.00")
CLOSE_TASK = "consignment.auctions.tasks.auction_close_task"
# The deal's default at pay_before (consignment.deals.defaults), queued when a deal opens; the beat sweeps behind it.
DEFAULT_TASK = "consignment.deals.defaults.deal_default_task"

# The moves an auction's status may make ("" is the start).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "": {AuctionStatus.OPEN},
    AuctionStatus.OPEN: {AuctionStatus.SOLD, AuctionStatus.RESERVE_NOT_MET, AuctionStatus.NO_BIDS},
    AuctionStatus.RESERVE_NOT_MET: {AuctionStatus.ACCEPTED, AuctionStatus.DECLINED},
    AuctionStatus.SOLD: set(),
    AuctionStatus.NO_BIDS: set(),
    AuctionStatus.ACCEPTED: set(),
    AuctionStatus.DECLINED: set(),
}
# How an auction moves its listing: to auction when it starts; back to draft (relisted) without a sale; to a deal.
LISTING_MOVES: dict[str, set[str]] = {
    ListingStatus.DRAFT: {ListingStatus.AUCTION},
    ListingStatus.AUCTION: {ListingStatus.DEAL, ListingStatus.AWAITING_SELLER, ListingStatus.DRAFT},
    ListingStatus.AWAITING_SELLER: {ListingStatus.DEAL, ListingStatus.DRAFT},
    # A dealer who never paid (consignment.deals.defaults): back to the seller, to relist.
    ListingStatus.DEAL: {ListingStatus.DRAFT},
}


# --- input ------------------------------------------------------------------------------------------------------------


def clean_amount(value, *, field: str) -> Decimal:
    """A positive amount of yuan and fen below ``AMOUNT_LIMIT``; ValidationFailed naming ``field`` otherwise."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed({field: _("Give a positive amount in yuan and fen.")})
    if amount >= AMOUNT_LIMIT:
        raise ValidationFailed({field: _("The amount is too large.")})
    return money(amount)


def _clean_duration(duration_min) -> int:
    if isinstance(duration_min, bool) or not isinstance(duration_min, int) or not 1 <= duration_min <= DURATION_MAX_MIN:
        raise ValidationFailed(
            {"duration_min": _("Give a whole number of minutes from 1 to %(max)d.") % {"max": DURATION_MAX_MIN}}
        )
    return duration_min


# --- moves and messages -----------------------------------------------------------------------------------------------


def listing_move(listing: Listing, to: str) -> None:
    """Move the listing (locked by the caller) as an auction or a deal does; ListingNotAvailable otherwise."""
    if to not in LISTING_MOVES.get(listing.status, set()):
        raise ListingNotAvailable(status=listing.status)
    listing.status = to
    listing.save(update_fields=["status", "updated_at"])


def auction_transition(
    *,
    auction: Auction,
    to: str,
    by: User | None,
    reason: str = "",
    details: dict | None = None,
    now: dt.datetime | None = None,
) -> Auction:
    """Move ``auction`` (locked by the caller: ``auction_lock``) to ``to``, raise its ``version`` (what dealers poll)
    and append its event. InvalidTransition for a move ``ALLOWED_TRANSITIONS`` does not list."""
    before = auction.status
    if to not in ALLOWED_TRANSITIONS[before]:
        raise InvalidTransition(from_status=before, to_status=to)
    auction.status = to
    auction.version += 1
    auction.save(update_fields=["status", "version", "closed_at", "decide_before"])
    AuctionEvent.objects.create(
        auction=auction,
        at=now or timezone.now(),
        from_status=before,
        to_status=to,
        by=by,
        reason=reason,
        details=details or {},
    )
    return auction


def car_label(listing: Listing) -> str:
    return " ".join(str(part) for part in (listing.year, listing.make, listing.model) if part)


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _yuan(amount: Decimal) -> str:
    return f"¥{format_money(amount)}"


def _close_queue(auction: Auction) -> None:
    """The task that closes ``auction`` at its ``ends_at``, queued once the caller's transaction commits (a broker
    that is down only delays the close: the sweep does it)."""
    send_on_commit(CLOSE_TASK, [((auction.pk,), {"eta": auction.ends_at})], what=f"close of auction {auction.pk}")


# --- starting ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def auction_start(
    *,
    listing_id: int,
    seller: User,
    reserve_price,
    duration_min: int = DURATION_DEFAULT_MIN,
    now: dt.datetime | None = None,
) -> Auction:
    """Put the seller's listing (NotFound for anyone else's) to auction for ``duration_min`` minutes (1-1440) with
    a reserve dealers never see. The listing must be a draft, new or back from an auction that sold nothing
    (ListingNotAvailable). The estimate the seller is shown now is kept on the opening event, to set the winning
    price against after the close. Locks the listing's row."""
    reserve = clean_amount(reserve_price, field="reserve_price")
    duration = _clean_duration(duration_min)
    listing = listing_lock(listing_id)
    if listing.seller_id != seller.pk:
        raise NotFound()
    if listing.status != ListingStatus.DRAFT:
        raise ListingNotAvailable(status=listing.status)
    now = now or timezone.now()
    estimate = listing_estimate(listing=listing, now=now)
    auction = Auction.objects.create(
        listing=listing,
        reserve_price=reserve,
        duration_min=duration,
        started_at=now,
        ends_at=now + dt.timedelta(minutes=duration),
    )
    AuctionEvent.objects.create(
        auction=auction,
        at=now,
        from_status="",
        to_status=AuctionStatus.OPEN,
        by=seller,
        details={"estimate": estimate.as_record(), "reserve_price": format_money(reserve), "duration_min": duration},
    )
    listing_move(listing, ListingStatus.AUCTION)
    _close_queue(auction)
    emit(AuctionStarted(auction_id=auction.pk, listing_id=listing.pk, ends_at=auction.ends_at))
    return auction


# --- bidding ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacedBid:
    """A bid as recorded (``bid.accepted``, ``bid.refusal``) and the auction as it stands after it; ``my_max`` is the
    bidder's maximum in it (None before their first accepted bid)."""

    bid: Bid
    auction: Auction
    my_max: Decimal | None

    @property
    def leading(self) -> bool:
        return self.auction.highest_dealer_id == self.bid.dealer_id

    @property
    def min_next_bid(self) -> Decimal | None:
        if self.auction.status != AuctionStatus.OPEN:
            return None
        return rules.min_next_bid(self.auction.highest_amount)


def _max_of(auction: Auction, dealer: Dealer) -> ProxyMax | None:
    return ProxyMax.objects.filter(auction=auction, dealer=dealer).first()


def _refused(
    auction: Auction, dealer: Dealer, *, amount: Decimal, max_amount: Decimal | None, refusal: str, at: dt.datetime
) -> PlacedBid:
    bid = Bid.objects.create(
        auction=auction, dealer=dealer, amount=amount, max_amount=max_amount, accepted=False, refusal=refusal, at=at
    )
    mine = _max_of(auction, dealer)
    return PlacedBid(bid=bid, auction=auction, my_max=mine.max_amount if mine else None)


@transaction.atomic
def bid_place(
    *,
    auction_id: int,
    user: User,
    amount,
    max_amount=None,
    now: dt.datetime | None = None,
) -> PlacedBid:
    """``user``'s bid of ``amount`` on the auction, with ``max_amount`` (at least ``amount``) for the platform to
    bid up to for them (``consignment.auctions.rules``). Accepted, or refused and recorded with its reason:
    ``dealer_not_verified`` (a dealer not verified, suspended or without a deposit held), ``auction_closed`` (past
    ``ends_at`` or closed), ``bid_too_low`` (below ``min_next_bid``). A bid taken within ``EXTENSION`` of the end
    moves the end to ``EXTENSION`` after it. When the price the proxies make lies above the bid's amount, the
    platform's bid for the leader is recorded after it (``by_proxy``).

    Raises, recording nothing: ValidationFailed (bad amounts), DealerNotVerified (no dealer account at all),
    NotFound (no such auction), OwnAuction (the seller's own car). Locks the dealer's row, then the auction's."""
    amount = clean_amount(amount, field="amount")
    if max_amount is not None:
        max_amount = clean_amount(max_amount, field="max_amount")
        if max_amount < amount:
            raise ValidationFailed({"max_amount": _("The maximum cannot be below the amount bid.")})
    dealer = dealer_lock_of_user(user.pk)
    if dealer is None:
        raise DealerNotVerified(details={"reason": "no_dealer"})
    auction = auction_lock(auction_id)
    if auction.seller_id == user.pk:
        raise OwnAuction()
    now = now or timezone.now()
    if bidder_refusal(dealer) is not None:
        refusal = BidRefusal.DEALER_NOT_VERIFIED
    elif auction.status != AuctionStatus.OPEN or now >= auction.ends_at:
        refusal = BidRefusal.AUCTION_CLOSED
    elif amount < rules.min_next_bid(auction.highest_amount):
        refusal = BidRefusal.BID_TOO_LOW
    else:
        return _accept(auction, dealer, amount=amount, max_amount=max_amount, now=now)
    return _refused(auction, dealer, amount=amount, max_amount=max_amount, refusal=refusal, at=now)


def _accept(auction: Auction, dealer: Dealer, *, amount: Decimal, max_amount: Decimal | None, now) -> PlacedBid:
    """Take the bid on the locked ``auction``: the dealer's maximum, the leader, the price, the proxy's bid, the
    end moved for a late bid."""
    mine = _max_of(auction, dealer)
    wanted = max_amount or amount
    if mine is None or wanted > mine.max_amount:
        # A raised maximum is a new row: between equal maxima the one reached first (the lower id) leads.
        if mine is not None:
            mine.delete()
        mine = ProxyMax.objects.create(auction=auction, dealer=dealer, max_amount=wanted, placed_at=now)
    top = list(ProxyMax.objects.filter(auction=auction).order_by("-max_amount", "id")[:2])
    leader, second = top[0], (top[1] if len(top) > 1 else None)
    price = rules.price_after_bid(
        previous=auction.highest_amount,
        amount=amount,
        leader_max=leader.max_amount,
        second_max=second.max_amount if second else None,
        bidder_leads=leader.dealer_id == dealer.pk,
    )
    bids = [Bid(auction=auction, dealer=dealer, amount=amount, max_amount=max_amount, accepted=True, at=now)]
    if price > amount:
        bids.append(
            Bid(auction=auction, dealer_id=leader.dealer_id, amount=price, accepted=True, by_proxy=True, at=now)
        )
    Bid.objects.bulk_create(bids)
    auction.highest_amount = price
    auction.highest_dealer_id = leader.dealer_id
    auction.bid_count += len(bids)
    auction.version += 1
    fields = ["highest_amount", "highest_dealer", "bid_count", "version"]
    if auction.ends_at - now < EXTENSION:
        auction.ends_at = now + EXTENSION
        fields.append("ends_at")
        _close_queue(auction)
    auction.save(update_fields=fields)
    return PlacedBid(bid=bids[0], auction=auction, my_max=mine.max_amount)


# --- deals ------------------------------------------------------------------------------------------------------------


def deal_open(
    *,
    auction: Auction,
    listing: Listing,
    now: dt.datetime,
    by: User | None = None,
    dealer_id: int | None = None,
    price: Decimal | None = None,
) -> Deal:
    """The deal of a sale to the auction's leader at its price (``auction`` and ``listing`` locked by the caller), or
    to ``dealer_id`` at ``price`` (the runner-up after a default: ``consignment.deals.defaults``): awaiting the
    dealer's payment for ``PAY_WINDOW``, the fee and the seller's net per ``consignment.fees``. The dealer and the
    seller are told; :class:`DealOpened` is emitted; the default at ``pay_before`` is queued."""
    dealer_id = dealer_id or auction.highest_dealer_id
    price = price if price is not None else auction.highest_amount
    fee = fee_for(price)
    deal = Deal.objects.create(
        auction=auction,
        listing=listing,
        dealer_id=dealer_id,
        seller_id=listing.seller_id,
        price=price,
        fee=fee,
        seller_net=price - fee,
        status=DealStatus.AWAITING_PAYMENT,
        pay_before=now + PAY_WINDOW,
        created_at=now,
    )
    DealEvent.objects.create(deal=deal, at=now, from_status="", to_status=DealStatus.AWAITING_PAYMENT, by=by)
    if listing.status != ListingStatus.DEAL:  # a runner-up's deal follows a defaulted one
        listing_move(listing, ListingStatus.DEAL)
    car, ref = car_label(listing), f"auction:{auction.pk}"
    notify(
        recipient=listing.seller,
        template="consignment_sold",
        params={"car": car, "price": _yuan(price), "fee": _yuan(fee), "net": _yuan(deal.seller_net)},
        ref=ref,
        dedupe_key=f"deal:{deal.pk}:sold",
    )
    dealer_user = User.objects.get(dealer__pk=dealer_id)
    notify(
        recipient=dealer_user,
        template="consignment_won",
        params={
            "auction_id": str(auction.pk),
            "car": car,
            "price": _yuan(price),
            "pay_before": _local(deal.pay_before),
        },
        ref=ref,
        dedupe_key=f"deal:{deal.pk}:won",
    )
    emit(
        DealOpened(
            deal_id=deal.pk,
            auction_id=auction.pk,
            listing_id=listing.pk,
            dealer_id=deal.dealer_id,
            seller_id=deal.seller_id,
            price=price,
            fee=fee,
            pay_before=deal.pay_before,
        )
    )
    send_on_commit(DEFAULT_TASK, [((deal.pk,), {"eta": deal.pay_before})], what=f"default of deal {deal.pk}")
    return deal


# --- closing ----------------------------------------------------------------------------------------------------------


def _locked_pair(auction_id: int) -> tuple[Listing, Auction] | None:
    """The auction's listing, then the auction, locked in that order; None when there is no such auction."""
    listing_id = Auction.objects.filter(pk=auction_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        return None
    return listing_lock(listing_id), auction_lock(auction_id)


@transaction.atomic
def auction_close(*, auction_id: int, now: dt.datetime | None = None) -> Auction | None:
    """Close the auction if it is open and ``ends_at`` has come; None (nothing changed) otherwise: harmless to call
    again, early or concurrently (the close task, the sweep). ``sold`` when the price meets the reserve (the deal
    opens), ``reserve_not_met`` (the seller decides within ``DECISION_WINDOW``), ``no_bids`` (the listing is a
    draft again, to relist). Locks the listing's row, then the auction's."""
    locked = _locked_pair(auction_id)
    if locked is None:
        return None
    listing, auction = locked
    now = now or timezone.now()
    if auction.status != AuctionStatus.OPEN or auction.ends_at > now:
        return None
    auction.closed_at = now
    deal = None
    car = car_label(listing)
    if auction.highest_amount is None:
        auction_transition(auction=auction, to=AuctionStatus.NO_BIDS, by=None, now=now)
        listing_move(listing, ListingStatus.DRAFT)
        notify(
            recipient=listing.seller, template="consignment_no_bids", params={"car": car}, ref=f"auction:{auction.pk}"
        )
    elif auction.highest_amount >= auction.reserve_price:
        auction_transition(auction=auction, to=AuctionStatus.SOLD, by=None, now=now)
        deal = deal_open(auction=auction, listing=listing, now=now)
    else:
        auction.decide_before = now + DECISION_WINDOW
        auction_transition(auction=auction, to=AuctionStatus.RESERVE_NOT_MET, by=None, now=now)
        listing_move(listing, ListingStatus.AWAITING_SELLER)
        notify(
            recipient=listing.seller,
            template="consignment_reserve_not_met",
            params={"car": car, "price": _yuan(auction.highest_amount), "decide_before": _local(auction.decide_before)},
            ref=f"auction:{auction.pk}",
        )
    emit(
        AuctionClosed(
            auction_id=auction.pk,
            listing_id=listing.pk,
            outcome=auction.status,
            price=auction.highest_amount,
            dealer_id=auction.highest_dealer_id,
            deal_id=deal.pk if deal else None,
        )
    )
    return auction


# --- the seller's decision --------------------------------------------------------------------------------------------


def _decidable(auction_id: int, seller: User | None) -> tuple[Listing, Auction]:
    locked = _locked_pair(auction_id)
    if locked is None or (seller is not None and locked[0].seller_id != seller.pk):
        raise NotFound()
    return locked


def _decided(listing: Listing, auction: Auction, *, decision: str, deal: Deal | None) -> None:
    emit(
        AuctionDecided(
            auction_id=auction.pk, listing_id=listing.pk, decision=decision, deal_id=deal.pk if deal else None
        )
    )


@transaction.atomic
def auction_accept(*, auction_id: int, seller: User, now: dt.datetime | None = None) -> Auction:
    """The seller takes the highest bid although it is below the reserve: the deal opens at that price. NotFound
    for anyone else's auction; InvalidTransition unless the reserve was not met and nothing was decided yet;
    DecisionWindowClosed after ``decide_before``. Locks the listing's row, then the auction's."""
    listing, auction = _decidable(auction_id, seller)
    now = now or timezone.now()
    if auction.status == AuctionStatus.RESERVE_NOT_MET and now > auction.decide_before:
        raise DecisionWindowClosed(details={"decide_before": auction.decide_before.isoformat()})
    auction_transition(auction=auction, to=AuctionStatus.ACCEPTED, by=seller, now=now)
    deal = deal_open(auction=auction, listing=listing, now=now, by=seller)
    _decided(listing, auction, decision=AuctionStatus.ACCEPTED.value, deal=deal)
    return auction


def _decline(listing: Listing, auction: Auction, *, by: User | None, reason: str, now: dt.datetime) -> Auction:
    auction_transition(auction=auction, to=AuctionStatus.DECLINED, by=by, reason=reason, now=now)
    listing_move(listing, ListingStatus.DRAFT)
    dealer_user = User.objects.get(dealer__pk=auction.highest_dealer_id)
    notify(
        recipient=dealer_user,
        template="consignment_declined",
        params={"auction_id": str(auction.pk), "car": car_label(listing)},
        ref=f"auction:{auction.pk}",
    )
    _decided(listing, auction, decision=AuctionStatus.DECLINED.value, deal=None)
    return auction


@transaction.atomic
def auction_decline(*, auction_id: int, seller: User, reason: str = "", now: dt.datetime | None = None) -> Auction:
    """The seller turns the highest bid down: the listing is a draft again, to relist. NotFound for anyone else's
    auction; InvalidTransition unless the reserve was not met and nothing was decided yet. Locks as accepting does."""
    listing, auction = _decidable(auction_id, seller)
    return _decline(listing, auction, by=seller, reason=(reason or "").strip()[:2000], now=now or timezone.now())


@transaction.atomic
def auction_decision_lapse(*, auction_id: int, now: dt.datetime | None = None) -> Auction | None:
    """Decline for the seller an auction whose ``decide_before`` has passed with no decision; None (nothing changed)
    otherwise. Locks as accepting does."""
    listing, auction = _decidable(auction_id, None)
    now = now or timezone.now()
    if auction.status != AuctionStatus.RESERVE_NOT_MET or auction.decide_before > now:
        return None
    return _decline(listing, auction, by=None, reason=_("No decision within 24 hours."), now=now)


# The beat runs the sweep every minute: an auction ending before the next one gets its close task now, so that it
# closes at ``ends_at`` and not up to a minute later (a long auction queued none when it started: chefu.queue).
SWEEP_LOOKAHEAD = dt.timedelta(seconds=90)


def auctions_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The beat's safety net: close the open auctions past ``ends_at`` and lapse the decisions past
    ``decide_before``, one transaction each; queue the close of those ending within ``SWEEP_LOOKAHEAD`` at their
    ``ends_at`` (closing twice changes nothing). Returns how many of each it changed."""
    now = now or timezone.now()
    soon = Auction.objects.filter(status=AuctionStatus.OPEN, ends_at__gt=now, ends_at__lte=now + SWEEP_LOOKAHEAD)
    send_now(
        CLOSE_TASK,
        [((pk,), {"eta": ends_at}) for pk, ends_at in soon.values_list("pk", "ends_at")[:limit]],
        what="closes of auctions ending before the next sweep",
    )
    due = Auction.objects.filter(status=AuctionStatus.OPEN, ends_at__lte=now).order_by("ends_at", "id")
    lapsed = Auction.objects.filter(status=AuctionStatus.RESERVE_NOT_MET, decide_before__lte=now).order_by("id")
    closed = sum(auction_close(auction_id=pk, now=now) is not None for pk in due.values_list("pk", flat=True)[:limit])
    declined = sum(
        auction_decision_lapse(auction_id=pk, now=now) is not None for pk in lapsed.values_list("pk", flat=True)[:limit]
    )
    return {"closed": closed, "declined": declined}
