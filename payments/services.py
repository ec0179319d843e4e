"""Collecting what a booking owes or another purpose's charge (``payments.purposes``), provider notifications (and
queries when they do not come), and refunds.

Locks, always in this order: the booking (``bookings.lock_objects.booking_lock``) or the charge
(``payments.lock_objects.charge_lock``), then the payment, then a refund.
A provider is never called inside a transaction or while a row is locked (``payments.providers.base`` checks): the
payment row is written and committed first (:func:`payment_open`), the provider asked after (:func:`payment_checkout`);
a refund row is written in the transaction that decides it, and executed after commit (:func:`refund_execute`).
"""

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from bookings.exceptions import InvalidTransition
from bookings.lock_objects import booking_lock
from bookings.models import LIVE_STATUSES, Booking, BookingStatus
from bookings.selectors import amount_owed
from bookings.services import booking_payment_applied, booking_payment_unapplied
from chefu.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from chefu.events import emit
from chefu.money import format_money
from chefu.queue import send_on_commit
from payments import coupons, ledger, purposes
from payments.events import PaymentSettled, PurposePaymentSettled, PurposeRefundIssued, RefundIssued
from payments.lock_objects import (
    charge_lock,
    charge_payments_unsent_lock,
    payment_lock,
    payment_lock_by_trade,
    payments_unsent_lock,
    refund_lock,
)
from payments.models import (
    PAYMENT_TRANSITIONS,
    REFUND_TRANSITIONS,
    EntryKind,
    JournalEntry,
    Payment,
    PaymentAlert,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundEvent,
    RefundReason,
    RefundStatus,
)
from payments.providers.base import (
    InvalidSignature,
    Notification,
    ProviderError,
    ProviderNotEnabled,
    notify_url_for,
    provider_get,
    return_url_for,
)
from payments.selectors import payments_query_due
from stores.models import Store

logger = logging.getLogger(__name__)


class NothingDue(Conflict):
    code = "nothing_due"
    default_message = gettext_lazy("Nothing is owed on this booking.")


class PaymentProviderFailed(ApplicationError):
    """The provider did not open the trade (unreachable, busy or refusing): the payment is marked failed; paying
    again opens a new one."""

    status = 502
    code = "payment_provider_unavailable"
    default_message = gettext_lazy("The payment provider could not be reached. Try again.")


class PaymentClosed(Conflict):
    code = "payment_closed"
    default_message = gettext_lazy("This payment was closed by a newer attempt to pay. Use that one, or pay again.")


class NotPayable(Conflict):
    code = "booking_not_payable"
    default_message = gettext_lazy("This booking can no longer be paid.")


class ChargePaid(Conflict):
    code = "already_paid"
    default_message = gettext_lazy("This has been paid already.")


class BookingNotEnded(Conflict):
    code = "booking_not_ended"
    default_message = gettext_lazy("A complaint refund is made once the booking has ended.")


# Bookings a complaint can be refunded on: the service was delivered, or the booking was called off (the fee kept).
ENDED_STATUSES = (BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW)


class InvalidPaymentTransition(InvalidTransition):
    default_message = gettext_lazy("The payment cannot make this change in its current state.")


class InvalidRefundTransition(InvalidTransition):
    default_message = gettext_lazy("The refund cannot make this change in its current state.")


class BadNotification(ApplicationError):
    """The provider's notification is refused: 400, and the provider will send it again."""

    status = 400
    code = "bad_notification"


def _provider(code: str):
    try:
        return provider_get(code)
    except ProviderNotEnabled:
        raise ValidationFailed({"provider": _("Unknown or disabled payment provider.")}) from None


def _out_trade_no(booking: Booking | None) -> str:
    if booking is None:  # another purpose's payment: its charge is the caller's, not a number of ours
        return f"CP{secrets.token_hex(8).upper()}"
    return f"CF{booking.pk:010d}{secrets.token_hex(5).upper()}"


def payment_transition(
    *,
    payment: Payment,
    to: str,
    by: User | None = None,
    reason: str = "",
    details: Mapping | None = None,
    fields: tuple[str, ...] = (),
) -> Payment:
    """Move ``payment`` (locked by the caller: ``payment_lock`` or ``payments_unsent_lock``) to ``to``, saving the
    other ``fields`` the caller set with its status, and append the timeline row. InvalidPaymentTransition for a
    move ``PAYMENT_TRANSITIONS`` does not list (nothing is written then)."""
    before = payment.status
    if to not in PAYMENT_TRANSITIONS[before]:
        raise InvalidPaymentTransition(from_status=before, to_status=to, payment_id=payment.pk)
    payment.status = to
    payment.save(update_fields=["status", *fields])
    PaymentEvent.objects.create(
        payment=payment, from_status=before, to_status=to, by=by, reason=reason, details=dict(details or {})
    )
    return payment


def refund_transition(
    *,
    refund: Refund,
    to: str,
    by: User | None = None,
    reason: str = "",
    details: Mapping | None = None,
    fields: tuple[str, ...] = (),
) -> Refund:
    """Move ``refund`` (locked by the caller: ``refund_lock``) to ``to``, saving the other ``fields`` the caller set
    with its status, and append the timeline row. InvalidRefundTransition for a move ``REFUND_TRANSITIONS`` does not
    list (nothing is written then)."""
    before = refund.status
    if to not in REFUND_TRANSITIONS[before]:
        raise InvalidRefundTransition(from_status=before, to_status=to, refund_id=refund.pk)
    refund.status = to
    refund.save(update_fields=["status", *fields])
    RefundEvent.objects.create(
        refund=refund, from_status=before, to_status=to, by=by, reason=reason, details=dict(details or {})
    )
    return refund


@transaction.atomic
def payment_open(*, booking_id: int, owner: User, provider: str, coupon: str | None = None) -> Payment:
    """Open a pending payment for what the booking still owes (``bookings.selectors.amount_owed``: the quote first,
    approved extra work later), without asking the provider yet: :func:`payment_checkout` does, after commit.
    ``coupon`` (a code) takes its discount off what the owner is charged (``payments.coupons``); a coupon reserved
    by an earlier attempt is used again. Locks the booking until the caller's transaction ends, then the booking's
    pending payments whose pay URL was never given out.

    Such a payment was opened by a request still asking the provider, or by one that died before it could: a
    payment charging the same (provider, amount, coupon, slice) is returned instead of a new one, so a retry asks
    the provider again with its ``out_trade_no`` and the provider opens one trade, not two; any other is closed,
    and its pay URL is never given out (:func:`payment_checkout`). Raises NotFound (not the owner's), NotPayable,
    NothingDue, ValidationFailed (unknown or disabled provider, coupon)."""
    _provider(provider)
    booking = booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    if booking.status not in LIVE_STATUSES:
        raise NotPayable(details={"status": booking.status})
    due = amount_owed(booking)
    if due <= 0:
        raise NothingDue()
    redemption = coupons.redemption_for_payment(booking=booking, owner=owner, code=coupon, due=due)
    discount = redemption.discount if redemption else Decimal("0.00")
    payment = Payment(
        booking=booking,
        owner=owner,
        provider=provider,
        amount=due - discount,
        discount=discount,
        covers=due,
        redemption=redemption,
        covers_from=booking.amount_paid,
        out_trade_no=_out_trade_no(booking),
    )
    reused = None
    for earlier in payments_unsent_lock(booking):
        if reused is None and _same_charge(earlier, payment):
            reused = earlier
            continue
        payment_transition(
            payment=earlier, to=PaymentStatus.CLOSED, by=owner, reason="superseded before its pay URL was given out"
        )
    if reused is not None:
        return reused
    payment.save()
    PaymentEvent.objects.create(payment=payment, from_status="", to_status=PaymentStatus.PENDING, by=owner)
    return payment


def _same_charge(earlier: Payment, new: Payment) -> bool:
    fields = ("owner_id", "provider", "amount", "discount", "covers", "covers_from", "redemption_id", "description")
    return all(getattr(earlier, name) == getattr(new, name) for name in fields)


def charge_check(*, purpose: str, subject: str) -> purposes.PaymentPurpose:
    """The registered purpose of the charge (``purpose``, ``subject``), which must not be a booking's (those are
    paid with :func:`payment_open`): UnknownPurpose or ValueError otherwise, a caller's mistake."""
    found = purposes.get(purpose)
    if purpose == purposes.BOOKING:
        raise ValueError("A booking is paid with payment_open, not as a purpose's charge.")
    if not subject or len(subject) > Payment._meta.get_field("subject").max_length:
        raise ValueError(f"A charge's subject is 1-64 characters, not {subject!r}.")
    return found


def amount_check(amount: Decimal, *, field: str = "amount") -> Decimal:
    """``amount`` (a Decimal, an int or a string, never a float) as a Decimal of yuan and fen, positive;
    ValidationFailed on ``field`` otherwise."""
    try:
        value = Decimal(amount) if not isinstance(amount, float) else Decimal("NaN")
    except (ArithmeticError, TypeError, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed({field: _("Give a positive amount in yuan and fen.")})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def payment_open_for(
    *, purpose: str, subject: str, payer: User, amount: Decimal, provider: str, description: str = ""
) -> Payment:
    """Open a pending payment of ``amount`` by ``payer`` for the charge ``subject`` of another purpose
    (``payments.purposes``: registered, not ``booking``), without asking the provider yet: :func:`payment_checkout`
    does, after commit. The caller has decided that ``payer`` owes ``amount`` for it. ``description`` is what the
    provider shows the payer (the purpose's label when empty).

    Locks the charge (``lock_objects.charge_lock``) until the caller's transaction ends, then its pending payments
    whose pay URL was never given out: one charging the same (payer, provider, amount, description) is returned
    instead of a new one, so a retry asks the provider again with its ``out_trade_no``; any other is closed.
    Raises ChargePaid when a payment of the charge has already been applied, ValidationFailed for an unknown or
    disabled provider or an amount that is not positive yuan and fen; UnknownPurpose / ValueError for a purpose or
    subject that cannot be paid (the caller's mistake)."""
    charge_check(purpose=purpose, subject=subject)
    amount = amount_check(amount)
    _provider(provider)
    charge_lock(purpose=purpose, subject=subject)
    if Payment.objects.filter(purpose=purpose, subject=subject, applied=True).exists():
        raise ChargePaid(details={"purpose": purpose, "subject": subject})
    payment = Payment(
        purpose=purpose,
        subject=subject,
        description=str(description)[:120],
        owner=payer,
        provider=provider,
        amount=amount,
        discount=Decimal("0.00"),
        covers=amount,
        covers_from=Decimal("0.00"),
        out_trade_no=_out_trade_no(None),
    )
    reused = None
    for earlier in charge_payments_unsent_lock(purpose=purpose, subject=subject):
        if reused is None and _same_charge(earlier, payment):
            reused = earlier
            continue
        payment_transition(
            payment=earlier, to=PaymentStatus.CLOSED, by=payer, reason="superseded before its pay URL was given out"
        )
    if reused is not None:
        return reused
    payment.full_clean()
    payment.save()
    PaymentEvent.objects.create(payment=payment, from_status="", to_status=PaymentStatus.PENDING, by=payer)
    return payment


def payment_checkout(*, payment: Payment) -> Payment:
    """Ask the provider to open the trade of a payment :func:`payment_open` (or :func:`payment_open_for`) committed,
    and record where to pay it (``pay_url``). Call it with no transaction open and no row locked: the provider may
    block for its whole timeout (STYLE.md §8). When the provider fails (``ProviderError``: unreachable, busy,
    refusing) the payment is marked ``failed`` with the error in its timeline and PaymentProviderFailed is raised;
    its pay URL never reached the payer, so paying again opens a new payment. Raises PaymentClosed, without giving
    out the pay URL, when the payment was closed or failed while the provider answered (a newer attempt superseded
    it)."""
    client = _provider(payment.provider)
    if payment.booking_id is not None:
        subject = _("Chefu booking %(id)s") % {"id": payment.booking_id}
        return_path = settings.PAYMENT_BOOKING_RETURN_PATH % {"booking_id": payment.booking_id}
    else:
        purpose = purposes.get(payment.purpose)
        subject, return_path = payment.description or str(purpose.label), purpose.return_path
    try:
        created = client.create(
            out_trade_no=payment.out_trade_no,
            amount=payment.amount,
            subject=subject,
            notify_url=notify_url_for(payment.provider),
            return_url=return_url_for(payment.pk, return_path),
        )
    except ProviderError as error:
        logger.warning("Payment %s: %s could not open the trade: %s", payment.pk, payment.provider, error)
        _payment_failed(payment_id=payment.pk, error=error)
        payment.status = PaymentStatus.FAILED
        raise PaymentProviderFailed(details={"payment_id": payment.pk, "provider": payment.provider}) from error
    # Closed or failed meanwhile (payment_open superseded it): its URL must never reach the payer. Succeeded (a
    # concurrent request on this payment gave out the same trade, and it was paid): the URL does no harm.
    live = (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
    if not Payment.objects.filter(pk=payment.pk, status__in=live).update(pay_url=created.pay_url):
        raise PaymentClosed(details={"payment_id": payment.pk})
    payment.pay_url = created.pay_url
    return payment


@transaction.atomic
def _payment_failed(*, payment_id: int, error: ProviderError) -> None:
    """Locks the payment (only: no booking lock is needed, and none is taken before it)."""
    payment = payment_lock(payment_id)
    if payment.status != PaymentStatus.PENDING:
        return
    payment_transition(
        payment=payment,
        to=PaymentStatus.FAILED,
        reason="the provider did not open the trade",
        details={"error": str(error)[:500], "code": error.code, "type": type(error).__name__},
    )


def notification_receive(*, provider: str, params: Mapping[str, str]) -> None:
    """A provider's asynchronous notification. The signature is checked first; then, under row locks, the payment it
    names is moved on. Raises ``BadNotification`` (400) for a bad signature, an unknown trade or an amount that does
    not match (that one also raises an alert). A repeated notification changes nothing."""
    try:
        client = provider_get(provider)
    except ProviderNotEnabled:
        raise NotFound() from None
    try:
        note = client.verify_notification(params)
    except InvalidSignature:
        logger.warning("Refused a %s notification with a bad signature", provider)
        raise BadNotification(_("The signature does not verify.")) from None
    except ProviderError as error:  # signed, but not a notification we can read
        logger.warning("Refused a %s notification: %s", provider, error)
        raise BadNotification(str(error)) from None
    outcome = _notification_apply(provider=provider, note=note)
    if outcome != "ok":
        raise BadNotification(outcome)


# What told us how a trade went: the provider's notification, or our query (payment_query). The payment's timeline
# says which.
NOTIFICATION, QUERY = "notification", "query"


@transaction.atomic
def _notification_apply(*, provider: str, note: Notification, cause: str = NOTIFICATION) -> str:
    """Move the payment of ``note`` on as the provider says, under the booking's (or the charge's) lock, then the
    payment's: "ok", or why the news was refused. A repeat, or news of a payment already succeeded, changes
    nothing. ``cause`` (NOTIFICATION or QUERY) is recorded in the timeline."""
    if cause == QUERY:
        record = {"reason": "provider query", "details": {"cause": QUERY, "answer": note.raw}}
    else:
        record = {"reason": "provider notification", "details": note.raw}
    found = (
        Payment.objects.filter(provider=provider, out_trade_no=note.out_trade_no)
        .values_list("booking_id", "purpose", "subject")
        .first()
    )
    if found is None:
        return _("Unknown trade.")
    booking_id, purpose, subject = found
    booking = None
    if booking_id is not None:
        booking = booking_lock(booking_id)
    else:
        charge_lock(purpose=purpose, subject=subject)
    payment = payment_lock_by_trade(provider=provider, out_trade_no=note.out_trade_no)
    if note.amount != payment.amount:
        PaymentAlert.objects.create(
            code="amount_mismatch",
            payment=payment,
            details={"notified": str(note.amount), "expected": str(payment.amount), "trade_no": note.trade_no},
        )
        logger.error("Payment %s: notified amount %s, expected %s", payment.pk, note.amount, payment.amount)
        return _("The amount does not match the payment.")
    if payment.status == PaymentStatus.SUCCEEDED or note.status == "pending":
        return "ok"  # a repeat, or news of nothing yet
    if note.status == "closed":
        if payment.status == PaymentStatus.PENDING:
            reason = "provider closed the trade" if cause == NOTIFICATION else "provider query: the trade is closed"
            payment_transition(payment=payment, to=PaymentStatus.CLOSED, reason=reason, details=record["details"])
        return "ok"
    if booking is None:
        _purpose_payment_succeeded(payment=payment, note=note, record=record)
    else:
        _payment_succeeded(booking=booking, payment=payment, note=note, record=record)
    return "ok"


def _purpose_payment_succeeded(*, payment: Payment, note: Notification, record: Mapping) -> None:
    """The money of another purpose's charge arrived (the charge and the payment locked): it is held in
    ``held:<purpose>``, and pays the charge unless another payment already did, when it is refunded in full. Either
    way the purpose's app hears of it (``PurposePaymentSettled``); when it no longer wants the money it gives it
    back with ``payments.held.held_refund``."""
    payment.trade_no = note.trade_no
    payment.succeeded_at = timezone.now()
    payment.applied = not Payment.objects.filter(
        purpose=payment.purpose, subject=payment.subject, applied=True
    ).exists()
    payment_transition(
        payment=payment, to=PaymentStatus.SUCCEEDED, fields=("trade_no", "succeeded_at", "applied"), **record
    )
    accounts = ledger.accounts_get(ledger.provider_code(payment.provider), ledger.held_code(payment.purpose))
    ledger.entry_post(
        kind=EntryKind.PAYMENT,
        lines=[
            (accounts[ledger.provider_code(payment.provider)], payment.amount),
            (accounts[ledger.held_code(payment.purpose)], -payment.amount),
        ],
        memo=f"payment {payment.out_trade_no}: {payment.purpose} {payment.subject}",
        payment=payment,
        purpose=payment.purpose,
        subject=payment.subject,
    )
    if not payment.applied:
        refund_request(
            payment=payment, amount=payment.amount, reason=RefundReason.DUPLICATE, cause=f"unapplied:{payment.pk}"
        )
    emit(
        PurposePaymentSettled(
            payment_id=payment.pk,
            purpose=payment.purpose,
            subject=payment.subject,
            payer_id=payment.owner_id,
            amount=payment.amount,
            applied=payment.applied,
        )
    )


def _payment_succeeded(*, booking: Booking, payment: Payment, note: Notification, record: Mapping) -> None:
    """The money arrived. It settles the booking's slice, unless the slice is already paid or the booking is gone:
    then it is refunded in full and the owner told."""
    payment.trade_no = note.trade_no
    payment.succeeded_at = timezone.now()
    reason = ""
    if booking.status not in LIVE_STATUSES:
        reason = RefundReason.LATE_PAYMENT
    elif booking.amount_paid != payment.covers_from:
        reason = RefundReason.DUPLICATE
    elif coupons.redemption_is_void(payment):
        reason = RefundReason.SUPERSEDED
    payment.applied = not reason
    succeeded = {"to": PaymentStatus.SUCCEEDED, "fields": ("trade_no", "succeeded_at", "applied"), **record}
    before = payment.status
    try:
        with transaction.atomic():
            payment_transition(payment=payment, **succeeded)
    except IntegrityError:  # the slice was settled by another payment at the same moment
        payment.status, payment.applied, reason = before, False, RefundReason.DUPLICATE
        payment_transition(payment=payment, **succeeded)
    clearing, subsidy, held = ledger.payment_accounts(payment.provider)
    ledger.entry_post(
        kind=EntryKind.PAYMENT,
        lines=[(clearing, payment.amount), (subsidy, payment.discount), (held, -payment.covers)],
        memo=f"payment {payment.out_trade_no}",
        booking=booking,
        payment=payment,
    )
    coupons.on_payment_settled(payment=payment)
    if payment.applied:
        booking_payment_applied(booking=booking, amount=payment.covers, reason=_("Paid."))
    else:
        # Still a succeeded payment, so still paid in the owner's eyes (API.md), beside its refund; never settling.
        booking_payment_unapplied(booking=booking, amount=payment.amount)
        refund_request(payment=payment, amount=payment.amount, reason=reason, cause=f"unapplied:{payment.pk}")
    emit(PaymentSettled(payment_id=payment.pk, booking_id=booking.pk, amount=payment.amount, applied=payment.applied))


def payment_query(*, payment_id: int, now: dt.datetime | None = None) -> str:
    """Ask the provider about a pending payment whose pay URL was given out and whose notification has not come
    (lost, or never sent), and act on the answer exactly as on a notification (``_notification_apply``: the same
    locks and moves, so a notification before or after it, or a second query, changes nothing): paid → succeeded,
    closed → closed; not found (the payer never opened the pay page) or still waiting → left pending, and closed
    once ``PAYMENT_TRADE_EXPIRY_S`` old. A provider down, timing out or refusing (``ProviderError``) leaves it
    pending, logged; the sweep asks again later. Returns the payment's status after.

    Call it with no transaction open and no row locked: the provider may block for its whole timeout. The time of
    the query (``queried_at``) is written before the provider is asked, so a query that never returns still spaces
    the next one out (:func:`payments.selectors.payments_query_due`)."""
    now = now or timezone.now()
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.PENDING or not payment.pay_url:
        return payment.status if payment else ""
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(queried_at=now)
    try:
        answer = provider_get(payment.provider).query(out_trade_no=payment.out_trade_no)
    except ProviderError as error:  # ProviderUnavailable (down, timed out, busy) included; ProviderNotEnabled too
        logger.warning("Payment %s: %s could not be queried: %r", payment.pk, payment.provider, error)
        return payment.status
    settled = answer.status in ("success", "closed")
    if settled and answer.trade_no and answer.amount is not None:
        note = Notification(
            out_trade_no=payment.out_trade_no,
            trade_no=answer.trade_no,
            amount=answer.amount,
            status=answer.status,
            notify_id="",
            raw=dict(answer.raw),
        )
        outcome = _notification_apply(provider=payment.provider, note=note, cause=QUERY)
        if outcome != "ok":  # an amount that does not match: alerted, left pending for a person to look at
            logger.error("Payment %s: the query's answer was refused: %s", payment.pk, outcome)
    elif settled:
        logger.error(
            "Payment %s: %s says the trade is %s, without its number or amount",
            payment.pk,
            payment.provider,
            answer.status,
        )
    elif now - payment.created_at >= dt.timedelta(seconds=settings.PAYMENT_TRADE_EXPIRY_S):
        _payment_expired(payment_id=payment.pk, answer=answer.status)
    return Payment.objects.values_list("status", flat=True).get(pk=payment.pk)


@transaction.atomic
def _payment_expired(*, payment_id: int, answer: str) -> None:
    """Locks the payment only, as :func:`_payment_failed` does: money that comes after all still moves it on
    (closed → succeeded, refunded when it settles nothing)."""
    payment = payment_lock(payment_id)
    if payment.status != PaymentStatus.PENDING:
        return
    payment_transition(
        payment=payment,
        to=PaymentStatus.CLOSED,
        reason="not paid by the trade's expiry",
        details={"cause": QUERY, "answer": answer, "expiry_s": settings.PAYMENT_TRADE_EXPIRY_S},
    )


def payments_pending_query(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue :func:`payment_query` for the pending payments due a query (``payments.selectors.payments_query_due``),
    at most ``limit`` of them, the oldest first: those beyond it are due at the next sweep. Returns how many."""
    ids = list(payments_query_due(now=now).values_list("pk", flat=True)[:limit])
    send_on_commit("payments.tasks.payment_query_task", [((pk,), {}) for pk in ids], what=f"payment queries {ids}")
    return len(ids)


def refund_request(*, payment: Payment, amount: Decimal, reason: str, cause: str, note: str = "") -> Refund:
    """Decide a refund of ``amount`` from ``payment`` (in the caller's transaction; executed after commit).
    Idempotent per ``cause``: asking again for the same cause returns the refund already decided. The database
    refuses refunds adding up to more than the payment charged."""
    existing = Refund.objects.filter(payment=payment, cause=cause).first()
    if existing is not None:
        return existing
    refund = Refund.objects.create(
        payment=payment,
        booking_id=payment.booking_id,
        amount=amount,
        reason=reason,
        note=note,
        cause=cause,
        out_request_no=f"R{payment.out_trade_no}{secrets.token_hex(3).upper()}",
    )
    RefundEvent.objects.create(
        refund=refund, from_status="", to_status=RefundStatus.PENDING, reason=reason, details={"cause": cause}
    )
    send_on_commit("payments.tasks.refund_execute_task", [((refund.pk,), {})], what=f"refund {refund.pk}")
    return refund


def refund_execute(*, refund_id: int) -> str:
    """Ask the provider to pay a pending refund back (outside any lock; the provider dedupes on ``out_request_no``),
    then record the outcome and its ledger entry. Running it again after success changes nothing."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund.status
    try:
        result = provider_get(refund.payment.provider).refund(
            out_trade_no=refund.payment.out_trade_no,
            refund_amount=refund.amount,
            out_request_no=refund.out_request_no,
            reason=refund.get_reason_display(),
        )
    except ProviderError as error:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(last_error=str(error)[:500])
        raise
    return _refund_record(refund_id=refund.pk, succeeded=result.status == "succeeded")


@transaction.atomic
def _refund_record(*, refund_id: int, succeeded: bool) -> str:
    refund = refund_lock(refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund.status
    refund.completed_at = timezone.now()
    refund_transition(
        refund=refund,
        to=RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED,
        reason="provider answer",
        fields=("completed_at",),
    )
    if succeeded:
        payment = refund.payment
        charge = {} if payment.booking_id else {"purpose": payment.purpose, "subject": payment.subject}
        held = ledger.held_code(payment.purpose) if charge else ledger.OWNER_FUNDS_HELD
        ledger.entry_post(
            kind=EntryKind.REFUND,
            lines=[
                (ledger.account(held), refund.amount),
                (ledger.provider_account(payment.provider), -refund.amount),
            ],
            memo=f"refund {refund.out_request_no}",
            booking=refund.booking,
            payment=payment,
            refund=refund,
            **charge,
        )
        if charge:
            emit(
                PurposeRefundIssued(
                    refund_id=refund.pk,
                    payment_id=payment.pk,
                    amount=refund.amount,
                    reason=refund.reason,
                    cause=refund.cause,
                    **charge,
                )
            )
        else:
            emit(
                RefundIssued(
                    refund_id=refund.pk,
                    payment_id=refund.payment_id,
                    booking_id=refund.booking_id,
                    amount=refund.amount,
                    reason=refund.reason,
                )
            )
    else:
        PaymentAlert.objects.create(code="refund_failed", payment=refund.payment, details={"refund": refund.pk})
    return refund.status


def alerts_resolve(*, alert_ids: list[int]) -> int:
    """Mark the given alerts resolved (a person looked at them); those already resolved keep their time. Returns how
    many were resolved now."""
    return PaymentAlert.objects.filter(pk__in=alert_ids, resolved_at__isnull=True).update(resolved_at=timezone.now())


def refunds_pending_requeue(*, older_than_s: int = 300) -> int:
    """Queue again the refunds still pending ``older_than_s`` after they were decided."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_s)
    ids = list(Refund.objects.filter(status=RefundStatus.PENDING, created_at__lt=cutoff).values_list("pk", flat=True))
    send_on_commit("payments.tasks.refund_execute_task", [((pk,), {}) for pk in ids], what=f"pending refunds {ids}")
    return len(ids)


def sandbox_simulate(*, payment: Payment, result: str) -> dict[str, str]:
    """:func:`sandbox_notification_send` for one of the owner's payments (404 unless it is a sandbox payment)."""
    if payment.provider != "sandbox":
        raise NotFound()
    return sandbox_notification_send(out_trade_no=payment.out_trade_no, result=result)


def sandbox_notification_send(*, out_trade_no: str, result: str) -> dict[str, str]:
    """The sandbox plays the provider: it signs the notification Alipay would send for ``result`` ("success" or
    "fail") on the sandbox trade ``out_trade_no`` and delivers it to our notify URL after commit, retrying like
    Alipay does. Only when the sandbox is enabled and knows the trade (404 otherwise)."""
    payment = None
    if settings.PAYMENT_SANDBOX_ENABLED:
        payment = Payment.objects.filter(provider="sandbox", out_trade_no=out_trade_no).first()
    if payment is None:
        raise NotFound()
    client = provider_get("sandbox")
    params = client.build_notification(
        out_trade_no=payment.out_trade_no,
        trade_no=payment.trade_no or f"SANDBOX{payment.pk:012d}{secrets.token_hex(3).upper()}",
        amount=payment.amount,
        trade_status="TRADE_SUCCESS" if result == "success" else "TRADE_CLOSED",
    )
    send_on_commit(
        "payments.tasks.sandbox_notify_deliver_task", [((params,), {})], what=f"sandbox notification of {payment.pk}"
    )
    return params


def refunds_for_cancelled_booking(*, booking: Booking) -> list[Refund]:
    """Decide the refund of a booking called off (cancelled, a no-show, expired): its ``refund_due`` (the whole of
    what was paid when the store cancelled, what the policy leaves after the fee otherwise), taken from its applied
    payments, the latest first. A payment made partly with a coupon gives back its cash and its discount in the same
    proportion (``coupons.refund_split``): the owner gets the cash, the platform's budget the discount. Runs inside
    the transaction that reacts to the booking being called off (``payments.subscribers``, with the booking locked);
    an expired booking (nothing paid) only gives back the coupons it reserved."""
    remaining = booking.refund_due or Decimal("0.00")
    full = remaining >= booking.amount_paid
    if booking.status == BookingStatus.NO_SHOW:
        reason = RefundReason.NO_SHOW
    else:
        reason = RefundReason.STORE_CANCELLED if booking.cancelled_by_store else RefundReason.OWNER_CANCELLED
    refunds = []
    for payment in Payment.objects.filter(booking=booking, applied=True).order_by("-covers_from"):
        part = min(remaining, payment.covers)
        remaining -= part
        split = coupons.refund_split(payment, part)
        cash = min(split.cash, _left_to_refund(payment))  # never beyond what earlier refunds left
        if cash > 0:
            cause = called_off_cause(booking)
            refunds.append(refund_request(payment=payment, amount=cash, reason=reason, cause=cause))
        coupons.on_called_off_payment(payment=payment, subsidy=split.subsidy, full=full)
    coupons.release_unused(booking=booking)
    return refunds


def called_off_cause(booking: Booking) -> str:
    """The ``Refund.cause`` of the refunds of a booking called off."""
    return f"called_off:{booking.pk}"


def _left_to_refund(payment: Payment) -> Decimal:
    taken = sum((r.amount for r in payment.refunds.all() if r.status != RefundStatus.FAILED), Decimal("0.00"))
    return payment.amount - taken


def refundable(booking: Booking) -> Decimal:
    """What the owner could still get back: the cash of the booking's applied payments less their refunds (failed
    ones aside). A coupon's discount was never the owner's money, so it is never refunded to them."""
    return sum((_left_to_refund(p) for p in Payment.objects.filter(booking=booking, applied=True)), Decimal("0.00"))


@transaction.atomic
def refund_for_complaint(*, booking_id: int, amount: Decimal, complaint: str, note: str = "") -> list[Refund]:
    """Refund ``amount`` of a booking to its owner after a complaint (``complaint``: the resolving app's reference,
    e.g. the complaint's id). Full or partial, from the booking's applied payments the latest first, never more than
    :func:`refundable` (422 on ``refund_amount``), and only once the booking has ended (409 ``booking_not_ended``:
    a live booking is cancelled instead, which refunds by the store's policy). Idempotent: asking again for the same
    complaint returns the refunds already decided and decides nothing new. Executed after commit, like every
    refund; when the store had already earned the booking, its next statement gives the refund back
    (``payments.settlements``)."""
    booking = booking_lock(booking_id)
    if booking.status not in ENDED_STATUSES:
        raise BookingNotEnded(details={"status": booking.status})
    cause = f"complaint:{complaint}"
    decided = list(Refund.objects.filter(booking=booking, cause=cause).order_by("pk"))
    if decided:
        return decided
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed({"refund_amount": _("Give a positive amount in yuan and fen.")})
    available = refundable(booking)
    if amount > available:
        raise ValidationFailed(
            {"refund_amount": _("At most ¥%(max)s can be refunded on this booking.") % {"max": format_money(available)}}
        )
    refunds, remaining = [], amount
    for payment in Payment.objects.filter(booking=booking, applied=True).order_by("-covers_from"):
        part = min(remaining, _left_to_refund(payment))
        if part > 0:
            refunds.append(
                refund_request(payment=payment, amount=part, reason=RefundReason.COMPLAINT, cause=cause, note=note)
            )
            remaining -= part
    return refunds


@transaction.atomic
def rework_charge(*, rework_booking: Booking, charged_store_id: int, value: Decimal, memo: str = ""):
    """Charge the store at fault (``charged_store_id``) the quoted ``value`` of a free rework done by another store
    (``rework_booking``'s): one REWORK entry, debit the charged store's payable, credit the working store's; their
    next statements take it off and pay it on (``payments.settlements``). None when the rework is done by the store
    at fault itself (it bears the cost by doing the work unpaid) or the value is zero. Once per rework booking: the
    booking's row is locked and a charge already posted for it is returned."""
    value = Decimal(value)
    if value <= 0 or rework_booking.store_id == charged_store_id:
        return None
    booking_lock(rework_booking.pk)
    posted = JournalEntry.objects.filter(kind=EntryKind.REWORK, booking_id=rework_booking.pk).first()
    if posted is not None:
        return posted
    charged, working = Store.objects.get(pk=charged_store_id), Store.objects.get(pk=rework_booking.store_id)
    return ledger.entry_post(
        kind=EntryKind.REWORK,
        lines=[(ledger.store_account(charged), value), (ledger.store_account(working), -value)],
        memo=memo or f"rework: booking {rework_booking.pk} charged to store {charged_store_id}",
        booking=rework_booking,
    )
