"""Paying the seller once the claim window has passed with no open claim (the package's docstring says why then).

Of the price held for the deal, the claims' adjustments have gone back to the dealer already. What is left is split:
the seller is paid ``seller_net − adjusted_total`` (never less than nothing) and the platform keeps the rest as its
fee (``fee`` less whatever the adjustments took beyond the seller's net). Both are decided in one transaction under
the deal's lock: the fee released to revenue (``payments.held.held_release``), the payout asked for
(``payments.payouts.payout_request``, transferred after commit). The deal is settled when the payout is paid
(``PayoutPaid``), or at once when nothing is left to pay. A payout the provider refuses leaves the money held again
and the deal handed over, with a ``payout_failed`` step and payments' alert: :func:`deal_payout_retry` asks again.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from chefu.errors import NotFound
from chefu.money import format_money
from consignment.deals import notices
from consignment.deals.charges import PURPOSE, deal_id_of, deal_subject
from consignment.deals.exceptions import InvalidDealTransition
from consignment.deals.lock_objects import deal_lock
from consignment.deals.services import CLAIM_WINDOW, Step, deal_step, deal_transition, listing_status_set
from consignment.models import Claim, ClaimStatus, Deal, DealStatus, ListingStatus
from payments.events import PayoutFailed, PayoutPaid
from payments.held import held_release
from payments.models import Payout, PayoutStatus
from payments.payouts import payout_request

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


def split(deal: Deal) -> tuple[Decimal, Decimal]:
    """``(seller's payout, platform's fee)`` of what the deal still holds once its adjustments are refunded."""
    net = max(deal.seller_net - deal.adjusted_total, ZERO)
    return net, deal.price - deal.adjusted_total - net


def _open_claims(deal: Deal) -> bool:
    return Claim.objects.filter(deal=deal, status=ClaimStatus.OPEN).exists()


def _settled(deal: Deal, now: dt.datetime, **details) -> None:
    deal.settled_at = now
    deal_transition(
        deal=deal, to=DealStatus.SETTLED, reason="seller paid", details=details, fields=("settled_at",), at=now
    )
    listing_status_set(listing_id=deal.listing_id, status=ListingStatus.SOLD)


def settle_locked(*, deal: Deal, now: dt.datetime) -> bool:
    """Settle ``deal`` (its row locked by the caller) if it is due: handed over, its window passed (``now``), no open
    claim, the seller's payout not asked for yet. True when it was settled or its payout asked for."""
    if deal.status != DealStatus.HANDED_OVER or deal.payout_requested_at is not None:
        return False
    if now < deal.handed_over_at + CLAIM_WINDOW or _open_claims(deal):
        return False
    subject = deal_subject(deal.pk)
    net, fee = split(deal)
    if fee > 0:
        entry = held_release(
            purpose=PURPOSE, subject=subject, amount=fee, cause=f"fee:{subject}", memo=f"fee of {subject}"
        )
        deal_step(deal=deal, step=Step.FEE_RELEASED, at=now, amount=format_money(fee), entry_id=entry.pk)
    if net == 0:
        _settled(deal, now, payout=None)
        return True
    payout = payout_request(
        purpose=PURPOSE,
        subject=subject,
        user=deal.seller,
        amount=net,
        cause=f"seller_net:{subject}",
        memo=f"Chefu consignment {subject}",
    )
    deal.payout_requested_at = now
    deal.save(update_fields=["payout_requested_at"])
    deal_step(deal=deal, step=Step.PAYOUT_REQUESTED, at=now, amount=format_money(net), payout_id=payout.pk)
    return True


@transaction.atomic
def deal_settle(*, deal_id: int, now: dt.datetime | None = None) -> bool:
    """:func:`settle_locked` of one deal, under its lock."""
    deal = deal_lock(deal_id)
    if deal is None:
        raise NotFound()
    return settle_locked(deal=deal, now=now or timezone.now())


def deals_settle_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Settle every deal whose claim window has passed with no open claim, the oldest handover first; one
    transaction each (a failure is logged and the sweep goes on). Returns how many were settled or paid out."""
    now = now or timezone.now()
    open_claim = Claim.objects.filter(deal=OuterRef("pk"), status=ClaimStatus.OPEN)
    ids = list(
        Deal.objects.filter(
            status=DealStatus.HANDED_OVER, payout_requested_at__isnull=True, handed_over_at__lte=now - CLAIM_WINDOW
        )
        .exclude(Exists(open_claim))
        .order_by("handed_over_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for deal_id in ids:
        try:
            done += deal_settle(deal_id=deal_id, now=now)
        except Exception:
            logger.exception("Deal %s could not be settled; the next sweep tries again", deal_id)
    return done


def deal_payout_paid(event: PayoutPaid, *, now: dt.datetime | None = None) -> None:
    """The seller's payout is paid (subscribed durably to ``PayoutPaid`` of the deals' charges): the deal is settled
    (at ``now``, the clock when None), its listing sold, and the seller told. A repeat changes nothing."""
    deal_id = deal_id_of(event.subject)
    if deal_id is None:
        return
    with transaction.atomic():
        deal = deal_lock(deal_id)
        if deal is None or deal.status != DealStatus.HANDED_OVER:
            return
        _settled(deal, now or timezone.now(), payout_id=event.payout_id, amount=format_money(event.amount))
        notices.payout_sent(
            Deal.objects.select_related("listing", "seller").get(pk=deal.pk),
            amount=event.amount,
            payout_id=event.payout_id,
        )


def deal_payout_failed(event: PayoutFailed) -> None:
    """The provider refused the seller's payout for good: the money is held again (payments); the deal records it
    and waits for :func:`deal_payout_retry`."""
    deal_id = deal_id_of(event.subject)
    if deal_id is None:
        return
    with transaction.atomic():
        deal = deal_lock(deal_id)
        if deal is None or deal.status != DealStatus.HANDED_OVER:
            return
        deal_step(deal=deal, step=Step.PAYOUT_FAILED, payout_id=event.payout_id, error=event.error[:500])


@transaction.atomic
def deal_payout_retry(*, deal_id: int, by: User, payee_account: str = "", now: dt.datetime | None = None) -> Payout:
    """Pay the seller again after the provider refused their payout, into ``payee_account`` (their phone when empty):
    a new payout of the same amount with a cause of its own. Platform staff only (the caller checks). Raises
    NotFound, InvalidDealTransition when the deal has no refused payout to replace."""
    now = now or timezone.now()
    deal = deal_lock(deal_id)
    if deal is None:
        raise NotFound()
    subject = deal_subject(deal.pk)
    payouts = Payout.objects.filter(purpose=PURPOSE, subject=subject)
    last = payouts.order_by("-created_at", "-pk").first()
    if deal.status != DealStatus.HANDED_OVER or last is None or last.status != PayoutStatus.FAILED:
        raise InvalidDealTransition(from_status=deal.status, to_status=DealStatus.SETTLED, deal_id=deal.pk)
    payout = payout_request(
        purpose=PURPOSE,
        subject=subject,
        user=deal.seller,
        amount=last.amount,
        cause=f"seller_net:{subject}:{payouts.count() + 1}",
        payee_account=payee_account,
        memo=last.memo,
        by=by,
    )
    deal_step(
        deal=deal, step=Step.PAYOUT_REQUESTED, by=by, at=now, amount=format_money(last.amount), payout_id=payout.pk
    )
    return payout
