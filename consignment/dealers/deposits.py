"""The dealer's deposit through payments (``payments.purposes``): the ``dealer_deposit`` purpose, paying it
(``POST /dealers/deposit``), the money arriving (``PurposePaymentSettled`` → ``dealer_deposit_held``)
and QA giving it back (``POST /qa/dealers/{id}/deposit/return``).

A deposit is one charge, subject ``deposit:<dealer_id>:<n>``: ``n`` is 1 + the deposits the dealer has held before,
so after a forfeit or a return the dealer pays a new charge (a charge is paid once). Money that arrives when a deposit
is already held (paid another way, or twice over two charges) is given back: ``held_refund(reason=not_wanted)``.
A second payment of one charge is refunded by payments itself.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import NotFound
from consignment.dealers import services
from consignment.dealers.exceptions import DepositHeld, InvalidTransition
from consignment.dealers.lock_objects import dealer_lock, dealer_lock_of_user
from consignment.models import Dealer, DealerEvent, DealerStatus, DepositStatus
from payments.events import PurposePaymentSettled
from payments.held import held_refund, held_release
from payments.models import Payment, RefundReason
from payments.purposes import PaymentPurpose
from payments.services import payment_open_for

DEALER_DEPOSIT = PaymentPurpose(
    code="dealer_deposit", label=gettext_lazy("Chefu dealer deposit"), return_path="/dealer/"
)
_SUBJECT_RE = re.compile(r"^deposit:(\d+):(\d+)$")


def deposit_subject(*, dealer_id: int, n: int) -> str:
    return f"deposit:{dealer_id}:{n}"


def _dealer_of(subject: str) -> int:
    match = _SUBJECT_RE.fullmatch(subject)
    if match is None:
        raise ValueError(f"Not a dealer deposit's subject: {subject!r}.")
    return int(match.group(1))


def _deposits_held_before(dealer: Dealer) -> int:
    return DealerEvent.objects.filter(dealer=dealer, details__deposit__to=DepositStatus.HELD).count()


def _held_payment_id(dealer: Dealer) -> int | None:
    """The payment of the deposit the dealer holds now (None when it was recorded without one)."""
    last = (
        DealerEvent.objects.filter(dealer=dealer, details__deposit__to=DepositStatus.HELD)
        .order_by("-at", "-id")
        .values_list("details", flat=True)
        .first()
    )
    return last["deposit"].get("payment_id") if last else None


@transaction.atomic
def dealer_deposit_pay(*, user: User, provider: str) -> Payment:
    """Open a payment of the deposit (``CONSIGNMENT_DEALER_DEPOSIT``) by the dealer ``user`` (applied, verified or
    suspended: a rejected applicant applies again first), without asking the provider yet
    (``payments.services.payment_checkout`` does, after commit). NotFound without a dealer account; DepositHeld
    while one is held; InvalidTransition for a rejected application; ChargePaid (``already_paid``) when this charge's
    money has arrived and is being recorded. Locks the dealer's row, then the charge."""
    dealer = dealer_lock_of_user(user.pk)
    if dealer is None:
        raise NotFound()
    if dealer.deposit_status == DepositStatus.HELD:
        raise DepositHeld()
    if dealer.status == DealerStatus.REJECTED:
        raise InvalidTransition(from_status=dealer.deposit_status, to_status=DepositStatus.HELD, what="deposit")
    return payment_open_for(
        purpose=DEALER_DEPOSIT.code,
        subject=deposit_subject(dealer_id=dealer.pk, n=_deposits_held_before(dealer) + 1),
        payer=user,
        amount=settings.CONSIGNMENT_DEALER_DEPOSIT,
        provider=provider,
        description=_("Chefu dealer deposit: %(company)s") % {"company": dealer.company},
    )


def is_dealer_deposit(event) -> bool:
    return event.purpose == DEALER_DEPOSIT.code


@transaction.atomic
def deposit_payment_settled(event: PurposePaymentSettled) -> None:
    """Durable subscriber: a deposit's money arrived. Applied: the deposit is held, unless one is held already (or
    the amount is below the deposit asked now), when the money is given back (``not_wanted``). Not applied: payments
    refunds it itself. Repeated deliveries change nothing (``dealer_deposit_held`` and ``held_refund`` are
    idempotent per payment)."""
    if not event.applied:
        return
    dealer = dealer_lock(_dealer_of(event.subject))
    held_elsewhere = dealer.deposit_status == DepositStatus.HELD and _held_payment_id(dealer) != event.payment_id
    if held_elsewhere or Decimal(event.amount) < settings.CONSIGNMENT_DEALER_DEPOSIT:
        held_refund(
            purpose=event.purpose,
            subject=event.subject,
            amount=Decimal(event.amount),
            cause=f"not_wanted:{event.payment_id}",
            reason=RefundReason.NOT_WANTED,
            note="a deposit is held already" if held_elsewhere else "less than the deposit",
        )
        return
    services.dealer_deposit_held(dealer_id=dealer.pk, amount=Decimal(event.amount), payment_id=event.payment_id)


@transaction.atomic
def dealer_deposit_return(*, dealer_id: int, by: User, reason: str) -> Dealer:
    """QA gives a dealer's deposit back (the dealer is leaving), with a reason the dealer is told: the deposit is
    ``returned`` (the dealer cannot bid) and its payment refunded in full (``held_refund``, reason ``returned``;
    nothing to refund for a deposit recorded without a payment). PermissionDenied for anyone but QA; NotFound;
    DepositInUse while it backs an open auction's lead or a deal; InvalidTransition unless one is held;
    ValidationFailed without a reason. Locks the dealer's row, then the charge."""
    require_role(by, Role.QA)
    reason = services.clean_reason(reason, required=True)
    dealer = dealer_lock(dealer_id)
    payment_id = _held_payment_id(dealer) if dealer.deposit_status == DepositStatus.HELD else None
    amount = dealer.deposit_amount
    dealer = services.dealer_deposit_returned(dealer_id=dealer.pk, by=by, reason=reason)
    if payment_id is not None:
        payment = Payment.objects.get(pk=payment_id)
        held_refund(
            purpose=payment.purpose,
            subject=payment.subject,
            amount=amount,
            cause=f"returned:{payment_id}",
            reason=RefundReason.RETURNED,
            note=reason[:200],
        )
    return dealer


def dealer_deposit_forfeit(*, dealer_id: int, deal_id: int, reason: str, now=None) -> Dealer:
    """A dealer who did not pay deal ``deal_id`` loses the deposit (in the caller's transaction): the deposit is
    ``forfeited`` (the dealer cannot bid until they pay a new one) and its money kept as the platform's revenue
    (``held_release``, cause ``forfeit:deal:<id>``; nothing to release for a deposit recorded without a payment).
    Nothing changes when no deposit is held (forfeited already for another deal). Locks the dealer's row, then the
    charge."""
    dealer = dealer_lock(dealer_id)
    if dealer.deposit_status != DepositStatus.HELD:
        return dealer
    payment_id, amount = _held_payment_id(dealer), dealer.deposit_amount
    dealer = services.dealer_deposit_forfeited(dealer_id=dealer.pk, reason=reason, deal_id=deal_id, now=now)
    if payment_id is not None:
        payment = Payment.objects.get(pk=payment_id)
        held_release(
            purpose=payment.purpose,
            subject=payment.subject,
            amount=amount,
            cause=f"forfeit:deal:{deal_id}",
            memo=f"deposit of dealer {dealer_id} forfeited: deal {deal_id} not paid",
        )
    return dealer
