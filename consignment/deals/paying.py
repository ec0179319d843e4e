"""Paying a deal: the dealer's payment opened, and its arrival applied (the deal paid and its handover booked, or the
money given back)."""

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from chefu.errors import NotFound
from chefu.money import format_money
from consignment.deals.charges import PURPOSE, deal_id_of, deal_subject
from consignment.deals.exceptions import DealNotAwaitingPayment, PayBeforePassed
from consignment.deals.handover import handover_book
from consignment.deals.lock_objects import deal_lock
from consignment.deals.services import DEALER, Step, deal_step, deal_transition, party_check
from consignment.models import Deal, DealStatus
from payments.events import PurposePaymentSettled
from payments.held import held_refund
from payments.models import Payment, RefundReason
from payments.services import payment_open_for

logger = logging.getLogger(__name__)


def _description(deal: Deal) -> str:
    listing = deal.listing
    car = " ".join(str(part) for part in (listing.year, listing.make, listing.model) if part)
    return _("Used car %(car)s, deal %(id)s") % {"car": car, "id": deal.pk}


@transaction.atomic
def deal_pay_open(*, deal_id: int, user: User, provider: str, now: dt.datetime | None = None) -> Payment:
    """Open the dealer's payment of the deal's price (``payments.services.payment_open_for``; the caller then asks the
    provider with ``payment_checkout``, outside any transaction). Locks the deal's row until the caller's
    transaction ends, so a default decided meanwhile is seen. NotFound for anyone with no tie to the deal,
    PermissionDenied for its seller; DealNotAwaitingPayment, PayBeforePassed (``now`` at or after ``pay_before``);
    and what ``payment_open_for`` raises (ChargePaid, ValidationFailed for the provider)."""
    now = now or timezone.now()
    deal = deal_lock(deal_id)
    if deal is None:
        raise NotFound()
    party_check(deal, user, need=DEALER)
    if deal.status != DealStatus.AWAITING_PAYMENT:
        raise DealNotAwaitingPayment(details={"status": deal.status})
    if now >= deal.pay_before:
        raise PayBeforePassed(details={"pay_before": deal.pay_before.isoformat()})
    return payment_open_for(
        purpose=PURPOSE,
        subject=deal_subject(deal.pk),
        payer=user,
        amount=deal.price,
        provider=provider,
        description=_description(Deal.objects.select_related("listing").get(pk=deal.pk)),
    )


def deal_of_purpose(event) -> bool:
    """``when`` of the subscriptions to payments' events: the deals' charges only."""
    return event.purpose == PURPOSE


def deal_payment_settled(event: PurposePaymentSettled, *, now: dt.datetime | None = None) -> None:
    """The dealer's money arrived (subscribed durably to ``PurposePaymentSettled`` of the deals' charges). Applied to
    a deal awaiting payment: the deal is paid and its handover booked (``handover.handover_book``). Applied to a deal
    that defaulted meanwhile: given back in full (``not_wanted``). A repeat of the payment that paid the deal changes
    nothing; a payment that was not applied (a second one) payments refunds itself. ``now``: when the money arrived
    (the clock when None; the demo gives a past day)."""
    deal_id = deal_id_of(event.subject)
    if not event.applied or deal_id is None:
        return
    with transaction.atomic():
        deal = deal_lock(deal_id)
        if deal is None:
            logger.error("A payment (%s) arrived for %s, which is no deal", event.payment_id, event.subject)
            return
        now = now or timezone.now()
        if deal.status == DealStatus.AWAITING_PAYMENT:
            deal.paid_at = now
            deal_transition(
                deal=deal,
                to=DealStatus.PAID,
                reason="payment received",
                details={"payment_id": event.payment_id, "amount": format_money(event.amount)},
                fields=("paid_at",),
                at=now,
            )
            handover_book(deal=deal, now=now)
        elif deal.status == DealStatus.DEFAULTED:
            refund = held_refund(
                purpose=PURPOSE,
                subject=event.subject,
                amount=Decimal(event.amount),
                cause=f"not_wanted:{event.payment_id}",
                reason=RefundReason.NOT_WANTED,
                note=f"deal {deal.pk} is {deal.status}",
            )
            deal_step(
                deal=deal,
                step=Step.PAYMENT_REFUNDED,
                reason="paid after the deal defaulted",
                payment_id=event.payment_id,
                refund_id=refund.pk,
                amount=format_money(event.amount),
            )
