"""What stores earn and what they are paid: EARNED entries when a service is delivered, a daily statement per store.

The money's path through the books (``payments.ledger``):

- PAYMENT: the owner's money is held (Cr ``owner_funds_held``).
- EARNED, when the booking completes (or an owner's late cancellation keeps a fee): what is still held for the
  booking leaves ``owner_funds_held`` (Dr), split into ``platform_commission`` (Cr, the store's rate, half-up) and
  ``store_payable:<store>`` (Cr, the rest).
- SETTLEMENT, on the store's daily statement: ``store_payable`` is cleared of the day's earnings (Dr gross −
  commission); the store is paid ``net`` (Cr ``settlements_paid``) and the refunds made to owners after the store
  had earned (complaints) are taken back from it into ``owner_funds_held`` (Cr), which those refunds had drawn on.
- REWORK, when QA books a free rework at another store after an upheld complaint: the store at fault's payable is
  debited the rework's quoted value, the working store's credited; their statements carry it as ``rework``.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from bookings.models import Booking
from chefu.money import money
from payments import ledger
from payments.commission import commission_rate_for, commission_split
from payments.lock_objects import ledger_account_lock
from payments.models import (
    EntryKind,
    JournalEntry,
    JournalLine,
    Payment,
    Refund,
    RefundStatus,
    Statement,
)
from stores.models import Store

ZERO = Decimal("0.00")


# --- Earning ----------------------------------------------------------------------------------------------------


def _sum(queryset: QuerySet, field: str) -> Decimal:
    return money(queryset.aggregate(total=Sum(field))["total"] or 0)


def held_for(booking: Booking) -> Decimal:
    """What the platform still holds for ``booking`` and may earn: the owner-funds credit of its entries less the
    refunds decided but not yet paid, and never more than its applied payments' ``covers`` less their refunds (money
    that settles nothing, like a duplicate payment, is the owner's even while its refund keeps failing)."""
    if booking.amount_paid <= 0:  # applied covers add up to amount_paid (reconcile checks it)
        return ZERO
    in_ledger = -ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD), entry__booking=booking)
    refunds = Refund.objects.filter(booking=booking)
    pending = _sum(refunds.filter(status=RefundStatus.PENDING), "amount")
    applied = _sum(Payment.objects.filter(booking=booking, applied=True), "covers") - _sum(
        refunds.filter(payment__applied=True).exclude(status=RefundStatus.FAILED), "amount"
    )
    return max(ZERO, min(in_ledger - pending, applied))


def booking_earn(*, booking: Booking, cap: Decimal | None = None, memo: str = "") -> JournalEntry | None:
    """Post the EARNED entry of ``booking``: what is held for it (at most ``cap``) goes to the platform's commission
    and the store's payable. Expects the booking row locked by the caller (``bookings.lock_objects.booking_lock``):
    that lock is what makes "never earned twice" hold. None when it was earned already or nothing is held."""
    if JournalEntry.objects.filter(booking=booking, kind=EntryKind.EARNED).exists():
        return None
    amount = held_for(booking)
    if cap is not None:
        amount = min(amount, money(cap))
    if amount <= 0:
        return None
    store = Store.objects.get(pk=booking.store_id)
    commission, share = commission_split(amount=amount, rate=commission_rate_for(store))
    return ledger.entry_post(
        kind=EntryKind.EARNED,
        lines=[
            (ledger.account(ledger.OWNER_FUNDS_HELD), amount),
            (ledger.account(ledger.PLATFORM_COMMISSION), -commission),
            (ledger.store_account(store), -share),
        ],
        memo=memo or f"earned: booking {booking.pk}",
        booking=booking,
    )


def earn_on_completed(*, booking: Booking) -> None:
    """On ``BookingCompleted`` (``payments.subscribers``): the service was delivered, the store and the platform earn
    what is held. Expects the booking locked."""
    booking_earn(booking=booking, memo=f"completed: booking {booking.pk}")


def earn_cancellation_fee(*, booking: Booking) -> None:
    """On a booking called off (``payments.subscribers``), after its refund: an owner's late cancellation or a no-show
    leaves the fee held (the rest is being refunded); the store and the platform earn it. A store's cancellation earns
    nothing. Expects the booking locked."""
    fee = booking.cancellation_fee or ZERO
    if booking.cancelled_by_store or fee <= 0:
        return
    booking_earn(booking=booking, cap=fee, memo=f"cancellation fee: booking {booking.pk}")


# --- Statements ---------------------------------------------------------------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(settings.SETTLEMENT_TIME_ZONE)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _earned_lines(start: dt.datetime, end: dt.datetime) -> QuerySet[JournalLine]:
    return JournalLine.objects.filter(entry__kind=EntryKind.EARNED, entry__at__gte=start, entry__at__lt=end)


def _refunds_charged(start: dt.datetime, end: dt.datetime) -> QuerySet[JournalEntry]:
    """REFUND entries dated in [start, end) of money the store had already earned: refunds of applied payments
    decided after the booking's EARNED entry (a complaint). Cancellation refunds are decided before the fee is
    earned, duplicate and late payments were never applied: neither is the store's to bear."""
    earned_before = JournalEntry.objects.filter(
        kind=EntryKind.EARNED, booking=OuterRef("booking"), at__lt=OuterRef("refund__created_at")
    )
    return JournalEntry.objects.filter(
        kind=EntryKind.REFUND, at__gte=start, at__lt=end, refund__payment__applied=True
    ).filter(Exists(earned_before))


def _rework_lines(start: dt.datetime, end: dt.datetime) -> QuerySet[JournalLine]:
    """Store-payable lines of the REWORK entries dated in [start, end): a debit charges the store at fault, a credit
    pays the store that did the rework (``payments.services.rework_charge``)."""
    return JournalLine.objects.filter(
        entry__kind=EntryKind.REWORK, entry__at__gte=start, entry__at__lt=end, account__store__isnull=False
    )


def statement_issue(*, store: Store, day: dt.date) -> Statement | None:
    """Write ``store``'s statement for ``day`` and post its SETTLEMENT entry. None when it exists already.

    Takes the row lock of the store's payable account, so two runs at once write one statement."""
    with transaction.atomic():
        account = ledger.store_account(store)
        ledger_account_lock(account.pk)
        if Statement.objects.filter(store=store, period_start=day, period_end=day).exists():
            return None
        start, end = _day_bounds(day)
        earned = _earned_lines(start, end).filter(entry__booking__store=store)
        gross = _sum(earned.filter(account__code=ledger.OWNER_FUNDS_HELD), "amount")
        commission = -_sum(earned.filter(account__code=ledger.PLATFORM_COMMISSION), "amount")
        refunds = _sum(_refunds_charged(start, end).filter(booking__store=store), "refund__amount")
        rework = _sum(_rework_lines(start, end).filter(account=account), "amount")
        net = gross - commission - refunds - rework
        entry = None
        if gross - commission or refunds or rework:
            entry = ledger.entry_post(
                kind=EntryKind.SETTLEMENT,
                lines=[
                    (account, gross - commission - rework),
                    (ledger.account(ledger.OWNER_FUNDS_HELD), -refunds),
                    (ledger.account(ledger.SETTLEMENTS_PAID), -net),
                ],
                memo=f"statement: store {store.pk} {day.isoformat()}",
            )
        statement = Statement(
            store=store,
            period_start=day,
            period_end=day,
            gross=gross,
            commission=commission,
            refunds=refunds,
            rework=rework,
            net=net,
            entry=entry,
        )
        statement.full_clean(validate_unique=False)
        statement.save()
        return statement


def statements_issue(*, day: dt.date) -> int:
    """One statement for [day, day] (days in SETTLEMENT_TIME_ZONE) for every store that earned that day or had
    earned money refunded that day; one transaction per store. Returns how many were written: running it again for
    the same day writes none. Meant for days that are over (the beat job issues yesterday's)."""
    start, end = _day_bounds(day)
    store_ids = set(_earned_lines(start, end).values_list("entry__booking__store_id", flat=True))
    store_ids |= set(_refunds_charged(start, end).values_list("booking__store_id", flat=True))
    store_ids |= set(_rework_lines(start, end).values_list("account__store_id", flat=True))
    written = 0
    for store in Store.objects.filter(pk__in=store_ids).order_by("pk"):
        written += statement_issue(store=store, day=day) is not None
    return written


def statement_list(*, store: Store) -> QuerySet[Statement]:
    """The store's statements, the latest period first."""
    return Statement.objects.filter(store=store).order_by("-period_start", "-period_end", "-id")


@shared_task(
    name="payments.settlements.statements_daily_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=10,
)
def statements_daily_task(day: str | None = None) -> int:
    """CELERY_BEAT_SCHEDULE at 02:30: yesterday's statements (``day``, ISO, to issue another day's by hand).
    Registered with Celery when PaymentsConfig.ready() imports this module."""
    if day:
        target = dt.date.fromisoformat(day)
    else:
        target = timezone.localdate(timezone=ZoneInfo(settings.SETTLEMENT_TIME_ZONE)) - dt.timedelta(days=1)
    return statements_issue(day=target)
