"""Paying the seller once the claim window has passed with no open claim (the package's docstring says why then).

Of the price held for the deal, the claims' adjustments have gone back to the dealer already. What is left is split:
the seller is paid ``seller_net − adjusted_total`` (never less than nothing) and the platform keeps the rest as its
fee (``fee`` less whatever the adjustments took beyond the seller's net). Both are decided in one transaction under
the deal's lock: the fee released to revenue (``payments.held.held_release``), the payout asked for
(``payments.payouts.payout_request``, transferred after commit). The deal is settled when the payout is paid
(``PayoutPaid``), or at once when nothing is left to pay. A payout the provider refuses leaves the money held again
and the deal handed over, with a ``payout_failed`` step and payments' alert; the seller (or QA) gives another
Alipay account and :func:`deal_payout_retry` asks again.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.validators import normalize_phone
from chefu.errors import NotFound, PermissionDenied, ValidationFailed
from chefu.money import format_money
from consignment.deals import notices
from consignment.deals.charges import PURPOSE, deal_id_of, deal_subject
from consignment.deals.exceptions import PayoutNotRefused
from consignment.deals.lock_objects import deal_lock
from consignment.deals.services import (
    CLAIM_WINDOW,
    DEALER,
    SELLER,
    Step,
    deal_party,
    deal_step,
    deal_transition,
    listing_status_set,
    party_check,
)
from consignment.models import Claim, ClaimStatus, Deal, DealStatus, ListingStatus
from payments.events import PayoutFailed, PayoutPaid
from payments.held import held_release
from payments.models import Payout, PayoutStatus
from payments.payouts import payout_request
from payments.selectors import charge_last_payout

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
PAYEE_ACCOUNT_MAX = 100  # payments.Payout.payee_account


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


def payee_account_clean(raw) -> str:
    """An Alipay account to be paid into: a mainland mobile number or an e-mail address (the two kinds of Alipay logon
    id), stripped; empty stays empty (the seller's phone). ValidationFailed (``payee_account``) otherwise."""
    account = str(raw or "").strip()
    if not account:
        return ""
    try:
        return normalize_phone(account)
    except ValueError:
        pass
    try:
        validate_email(account)
    except DjangoValidationError:
        raise ValidationFailed(
            {"payee_account": _("Give the mobile number or the e-mail address of an Alipay account.")}
        ) from None
    if len(account) > PAYEE_ACCOUNT_MAX:
        raise ValidationFailed({"payee_account": _("The account is too long.")})
    return account


def refused_payout(deal: Deal) -> Payout | None:
    """The deal's last payout when the provider refused it and nothing replaced it (the seller waits for a retry)."""
    if deal.status != DealStatus.HANDED_OVER:
        return None
    last = charge_last_payout(purpose=PURPOSE, subject=deal_subject(deal.pk))
    return last if last is not None and last.status == PayoutStatus.FAILED else None


@transaction.atomic
def deal_payout_retry(*, deal_id: int, by: User, payee_account: str = "", now: dt.datetime | None = None) -> Payout:
    """Pay the seller again after the provider refused their payout, into ``payee_account`` (an Alipay logon id, see
    :func:`payee_account_clean`; the seller's phone when empty): a new payout of the same amount with a cause of its
    own. The deal's seller (it is their money), into an account other than the one refused; or QA and admins (with no
    part in the deal) into the account the seller named last. Raises, writing nothing: NotFound (no such deal, or no
    tie to it), PermissionDenied (the deal's dealer, whatever their roles; staff naming another account),
    ValidationFailed (the account, or the seller's refused one again), PayoutNotRefused (no refused payout to
    replace: none yet, or one pending or paid)."""
    now = now or timezone.now()
    deal = deal_lock(deal_id)
    if deal is None:
        raise NotFound()
    party = deal_party(deal, by)
    if party == DEALER:
        raise PermissionDenied()  # whatever other role the dealer has
    staff = party is None and (by.has_role(Role.QA) or by.has_role(Role.ADMIN))
    if not staff:
        party_check(deal, by, need=SELLER)
    account = payee_account_clean(payee_account)
    subject = deal_subject(deal.pk)
    last = refused_payout(deal)
    if last is None:
        raise PayoutNotRefused(details={"status": deal.status})
    if staff:
        # Staff ask again into the account the seller named; only the seller may name another (it is their money).
        if account and account != last.payee_account:
            raise PermissionDenied(_("Only the seller may name another account."))
        account = last.payee_account
    elif (account or deal.seller.phone) == last.payee_account:
        # The seller asking again into the account just refused would only take the money and fail again.
        raise ValidationFailed({"payee_account": _("Alipay refused this account: give another one.")})
    payout = payout_request(
        purpose=PURPOSE,
        subject=subject,
        user=deal.seller,
        amount=last.amount,
        cause=f"seller_net:{subject}:{Payout.objects.filter(purpose=PURPOSE, subject=subject).count() + 1}",
        payee_account=account,
        memo=last.memo,
        by=by,
    )
    deal_step(
        deal=deal, step=Step.PAYOUT_REQUESTED, by=by, at=now, amount=format_money(last.amount), payout_id=payout.pk
    )
    if payout.payee_account != last.payee_account:
        notices.payout_account_changed(
            Deal.objects.select_related("listing", "seller").get(pk=deal.pk),
            account=payout.payee_account,
            payout_id=payout.pk,
        )
    return payout
