"""Payouts: held money of another purpose's charge (``payments.purposes``) paid to a person through the provider's
transfer, e.g. a seller's net.

Decided under the charge's lock like the other movements of held money (``payments.held``): the PAYOUT entry
(Dr ``held:<purpose>``, Cr ``payouts_payable``) is posted with the decision, the transfer asked for after commit
(:func:`payout_execute`, outside any lock; the provider dedupes on ``out_biz_no``, so a retry never pays twice).
Paid: PAYOUT_PAID (Dr ``payouts_payable``, Cr the provider's clearing) and ``PayoutPaid``. Refused for good:
PAYOUT_FAILED (Dr ``payouts_payable``, Cr ``held:<purpose>``: the money is held for the charge again), an alert,
and ``PayoutFailed``; the purpose's app may ask for a new payout, with another cause. A provider that cannot be
reached leaves the payout pending: the task retries it, and a sweep queues the ones still pending.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from bookings.exceptions import InvalidTransition
from chefu.events import emit
from chefu.queue import send_on_commit
from payments import ledger
from payments.events import PayoutFailed, PayoutPaid
from payments.held import held_take
from payments.lock_objects import charge_lock, payout_lock
from payments.models import (
    PAYOUT_TRANSITIONS,
    EntryKind,
    PaymentAlert,
    Payout,
    PayoutEvent,
    PayoutStatus,
)
from payments.providers.base import ProviderError, TransferResult, provider_get
from payments.services import amount_check, charge_check

logger = logging.getLogger(__name__)


class InvalidPayoutTransition(InvalidTransition):
    default_message = gettext_lazy("The payout cannot make this change in its current state.")


def payout_transition(
    *,
    payout: Payout,
    to: str,
    by: User | None = None,
    reason: str = "",
    details: Mapping | None = None,
    fields: tuple[str, ...] = (),
) -> Payout:
    """Move ``payout`` (locked by the caller: ``payout_lock``) to ``to``, saving the other ``fields`` the caller set
    with its status, and append the timeline row. InvalidPayoutTransition for a move ``PAYOUT_TRANSITIONS`` does not
    list (nothing is written then)."""
    before = payout.status
    if to not in PAYOUT_TRANSITIONS[before]:
        raise InvalidPayoutTransition(from_status=before, to_status=to, payout_id=payout.pk)
    payout.status = to
    payout.save(update_fields=["status", *fields])
    PayoutEvent.objects.create(
        payout=payout, from_status=before, to_status=to, by=by, reason=reason, details=dict(details or {})
    )
    return payout


@transaction.atomic
def payout_request(
    *,
    purpose: str,
    subject: str,
    user: User,
    amount: Decimal,
    cause: str,
    payee_account: str = "",
    payee_name: str = "",
    memo: str = "",
    by: User | None = None,
) -> Payout:
    """Decide to pay ``amount`` of the charge's held money to ``user``, at the provider the charge was paid through,
    into ``payee_account`` (an Alipay logon id; ``user``'s phone when empty) in the name of ``payee_name`` (``user``'s
    name when empty), and post its PAYOUT entry; the transfer is asked for after commit (``payout_execute_task``).
    Idempotent per ``cause``: asking again returns the payout decided. Raises HeldInsufficient
    (``payments.held``), ValidationFailed (``amount``)."""
    charge_check(purpose=purpose, subject=subject)
    amount = amount_check(amount)
    charge_lock(purpose=purpose, subject=subject)
    decided = Payout.objects.filter(purpose=purpose, subject=subject, cause=cause).first()
    if decided is not None:
        return decided
    payment = held_take(purpose=purpose, subject=subject, amount=amount)
    payout = Payout(
        user=user,
        purpose=purpose,
        subject=subject,
        payment=payment,
        provider=payment.provider,
        amount=amount,
        payee_account=payee_account or user.phone,
        payee_name=payee_name or user.name,
        cause=cause,
        memo=memo[:200],
        out_biz_no=f"PO{secrets.token_hex(8).upper()}",
    )
    payout.full_clean()
    payout.save()
    PayoutEvent.objects.create(
        payout=payout, from_status="", to_status=PayoutStatus.PENDING, by=by, details={"cause": cause}
    )
    accounts = ledger.accounts_get(ledger.held_code(purpose), ledger.PAYOUTS_PAYABLE)
    ledger.entry_post(
        kind=EntryKind.PAYOUT,
        lines=[(accounts[ledger.held_code(purpose)], amount), (accounts[ledger.PAYOUTS_PAYABLE], -amount)],
        memo=f"payout {payout.out_biz_no}: {purpose} {subject} ({cause})",
        payment=payment,
        payout=payout,
        purpose=purpose,
        subject=subject,
    )
    send_on_commit("payments.tasks.payout_execute_task", [((payout.pk,), {})], what=f"payout {payout.pk}")
    return payout


def payout_execute(*, payout_id: int, now: dt.datetime | None = None) -> str:
    """Ask the provider to transfer a pending payout (outside any lock and transaction), then record the outcome and
    its entry. Returns the payout's status; running it again after it was settled changes nothing. Raises
    ProviderUnavailable (the outcome is unknown: the task retries with the same ``out_biz_no``) and ProviderError
    (the call itself was refused), recording the error on the payout, which stays pending. ``now``: when the answer
    came (``completed_at``; the clock when None, the demo's past days otherwise)."""
    payout = Payout.objects.get(pk=payout_id)
    if payout.status != PayoutStatus.PENDING:
        return payout.status
    try:
        result = provider_get(payout.provider).transfer(
            out_biz_no=payout.out_biz_no,
            amount=payout.amount,
            payee_account=payout.payee_account,
            payee_name=payout.payee_name,
            remark=payout.memo,
        )
    except ProviderError as error:
        Payout.objects.filter(pk=payout.pk, status=PayoutStatus.PENDING).update(last_error=str(error)[:500])
        raise
    return _payout_record(payout_id=payout.pk, result=result, now=now)


@transaction.atomic
def _payout_record(*, payout_id: int, result: TransferResult, now: dt.datetime | None = None) -> str:
    """Locks the payout alone: what it settles never lowers what a charge holds, so the charge's lock is not needed."""
    payout = payout_lock(payout_id)
    if payout.status != PayoutStatus.PENDING:
        return payout.status
    payout.completed_at = now or timezone.now()
    held = ledger.held_code(payout.purpose)
    charge = {"payout": payout, "payment": payout.payment, "purpose": payout.purpose, "subject": payout.subject}
    what = {
        "payout_id": payout.pk,
        "purpose": payout.purpose,
        "subject": payout.subject,
        "user_id": payout.user_id,
        "amount": payout.amount,
        "cause": payout.cause,
    }
    if result.status == "succeeded":
        payout.order_id = result.order_id or result.out_biz_no
        payout_transition(
            payout=payout,
            to=PayoutStatus.PAID,
            reason="provider answer",
            details=result.raw,
            fields=("completed_at", "order_id"),
        )
        accounts = ledger.accounts_get(ledger.PAYOUTS_PAYABLE, ledger.provider_code(payout.provider))
        ledger.entry_post(
            kind=EntryKind.PAYOUT_PAID,
            lines=[
                (accounts[ledger.PAYOUTS_PAYABLE], payout.amount),
                (accounts[ledger.provider_code(payout.provider)], -payout.amount),
            ],
            memo=f"payout paid {payout.out_biz_no}",
            **charge,
        )
        emit(PayoutPaid(**what))
        return payout.status
    payout.last_error = f"{result.code}: {result.message}"[:500]
    payout_transition(
        payout=payout,
        to=PayoutStatus.FAILED,
        reason="provider refused the transfer",
        details={"code": result.code, "message": result.message},
        fields=("completed_at", "last_error"),
    )
    accounts = ledger.accounts_get(ledger.PAYOUTS_PAYABLE, held)
    ledger.entry_post(
        kind=EntryKind.PAYOUT_FAILED,
        lines=[(accounts[ledger.PAYOUTS_PAYABLE], payout.amount), (accounts[held], -payout.amount)],
        memo=f"payout failed {payout.out_biz_no}: held again",
        **charge,
    )
    PaymentAlert.objects.create(
        code="payout_failed",
        payment_id=payout.payment_id,
        details={"payout": payout.pk, "code": result.code, "message": result.message},
    )
    logger.warning("Payout %s refused by %s: %s %s", payout.pk, payout.provider, result.code, result.message)
    emit(PayoutFailed(**what, error=payout.last_error))
    return payout.status


def payouts_pending_requeue(*, older_than_s: int = 300) -> int:
    """Queue again the payouts still pending ``older_than_s`` after they were decided."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_s)
    ids = list(Payout.objects.filter(status=PayoutStatus.PENDING, created_at__lt=cutoff).values_list("pk", flat=True))
    send_on_commit("payments.tasks.payout_execute_task", [((pk,), {}) for pk in ids], what=f"pending payouts {ids}")
    return len(ids)
