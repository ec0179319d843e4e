"""The held money of another purpose's charge (``payments.purposes``): given back to its payer, or kept as the
platform's revenue. Paying it to a person is ``payments.payouts``.

Each movement is one ledger entry naming the charge, idempotent per the caller's ``cause`` (asking again returns
what was decided), and never takes more than the charge still holds (``selectors.charge_held``): checked under the
charge's lock (``lock_objects.charge_lock``), taken first, then the charge's applied payment.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy

from chefu.errors import Conflict
from chefu.money import format_money
from payments import ledger
from payments.lock_objects import charge_lock, charge_payment_applied_lock
from payments.models import EntryKind, JournalEntry, Payment, Refund, RefundReason
from payments.selectors import charge_held
from payments.services import amount_check, charge_check, refund_request


class HeldInsufficient(Conflict):
    code = "held_insufficient"
    default_message = gettext_lazy("Less money is held for this than was asked for.")


def held_take(*, purpose: str, subject: str, amount: Decimal) -> Payment:
    """The charge's applied payment, its row locked, when the charge still holds at least ``amount``; HeldInsufficient
    (details: ``held``, ``asked``) otherwise. Expects the charge's lock taken by the caller."""
    payment = charge_payment_applied_lock(purpose=purpose, subject=subject)
    held = charge_held(purpose=purpose, subject=subject) if payment is not None else Decimal("0.00")
    if payment is None or amount > held:
        raise HeldInsufficient(
            details={"purpose": purpose, "subject": subject, "held": format_money(held), "asked": format_money(amount)}
        )
    return payment


@transaction.atomic
def held_refund(
    *, purpose: str, subject: str, amount: Decimal, cause: str, reason: str = RefundReason.RETURNED, note: str = ""
) -> Refund:
    """Give ``amount`` of the charge's held money back to whoever paid it: a refund of its applied payment
    (``Refund.booking`` None), executed after commit like every refund (``services.refund_execute``); its REFUND
    entry (Dr ``held:<purpose>``, Cr the provider's clearing) is posted when the provider has paid it, and
    ``PurposeRefundIssued`` emitted. ``reason`` is a ``RefundReason`` (``returned``, ``adjusted``, ``not_wanted``…).
    Idempotent per ``cause``. Raises HeldInsufficient, ValidationFailed (``amount``); ValueError for an unknown
    reason."""
    charge_check(purpose=purpose, subject=subject)
    amount = amount_check(amount)
    if reason not in RefundReason.values:
        raise ValueError(f"Unknown refund reason {reason!r}.")
    charge_lock(purpose=purpose, subject=subject)
    decided = Refund.objects.filter(
        payment__purpose=purpose, payment__subject=subject, payment__applied=True, cause=cause
    ).first()
    if decided is not None:
        return decided
    payment = held_take(purpose=purpose, subject=subject, amount=amount)
    return refund_request(payment=payment, amount=amount, reason=reason, cause=cause, note=note)


@transaction.atomic
def held_release(*, purpose: str, subject: str, amount: Decimal, cause: str, memo: str = "") -> JournalEntry:
    """Keep ``amount`` of the charge's held money as the platform's revenue (a forfeited deposit, a fee): one
    RELEASE entry, Dr ``held:<purpose>``, Cr ``revenue:<purpose>``, naming the charge and ``cause``. Idempotent per
    ``cause`` (the database allows one RELEASE per cause of a charge). Raises HeldInsufficient, ValidationFailed
    (``amount``)."""
    charge_check(purpose=purpose, subject=subject)
    amount = amount_check(amount)
    charge_lock(purpose=purpose, subject=subject)
    decided = JournalEntry.objects.filter(kind=EntryKind.RELEASE, purpose=purpose, subject=subject, cause=cause).first()
    if decided is not None:
        return decided
    payment = held_take(purpose=purpose, subject=subject, amount=amount)
    accounts = ledger.accounts_get(ledger.held_code(purpose), ledger.revenue_code(purpose))
    return ledger.entry_post(
        kind=EntryKind.RELEASE,
        lines=[(accounts[ledger.held_code(purpose)], amount), (accounts[ledger.revenue_code(purpose)], -amount)],
        memo=memo or f"kept: {purpose} {subject} ({cause})",
        payment=payment,
        purpose=purpose,
        subject=subject,
        cause=cause,
    )
