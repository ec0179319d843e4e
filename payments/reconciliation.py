"""Ledger reconciliation: do the journal, the payments, the refunds, the bookings and the coupons tell the same story?

Read-only. ``CHECKS`` pairs a title with a check that returns its problems as sentences naming the rows;
``mismatches()`` runs them all. ``manage.py reconcile``, the tests and the benchmarks call them from here.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from bookings.models import Booking
from chefu.money import money
from payments import ledger
from payments.models import (
    Coupon,
    CouponRedemption,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PaymentStatus,
    RedemptionStatus,
    Refund,
    RefundStatus,
)

CLEARING = "provider_clearing:"
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _journal() -> list[str]:
    problems = []
    unbalanced = (
        JournalEntry.objects.annotate(total=Coalesce(Sum("lines__amount"), ZERO), n=Count("lines"))
        .filter(~Q(total=0) | Q(n__lt=2))
        .values_list("pk", "kind", "total", "n")
    )
    for pk, kind, total, n in unbalanced:
        problems.append(f"journal entry {pk} ({kind}) does not balance: {money(total)} over {n} lines")
    if (total := ledger.trial_balance()) != 0:
        problems.append(f"trial balance is {total}, not 0.00")
    return problems


def _clearing_lines(field: str) -> dict[int, list[Decimal]]:
    """Provider-clearing line amounts per ``payment``/``refund`` id of PAYMENT/REFUND entries."""
    kind = EntryKind.PAYMENT if field == "payment" else EntryKind.REFUND
    out: dict[int, list[Decimal]] = defaultdict(list)
    rows = JournalLine.objects.filter(
        entry__kind=kind, entry__payment__isnull=False, account__code__startswith=CLEARING
    ).values_list(f"entry__{field}_id", "amount")
    for owner_id, amount in rows:
        if owner_id is not None:
            out[owner_id].append(amount)
    return out


def _entry_counts(kind: str, field: str) -> dict[int, int]:
    rows = (
        JournalEntry.objects.filter(kind=kind, **{f"{field}__isnull": False})
        .values(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
    )
    return dict(rows)


def _payments() -> list[str]:
    problems = []
    counts = _entry_counts(EntryKind.PAYMENT, "payment")
    clearing = _clearing_lines("payment")
    for pk, ref, status, amount in Payment.objects.values_list("pk", "out_trade_no", "status", "amount"):
        n = counts.get(pk, 0)
        if status == PaymentStatus.SUCCEEDED:
            if n != 1:
                problems.append(f"payment {pk} ({ref}) succeeded with {n} PAYMENT entries, expected 1")
            elif (debit := money(sum(clearing.get(pk, [])))) != amount:
                problems.append(f"payment {pk} ({ref}): provider clearing debit {debit} != amount {amount}")
        elif n:
            problems.append(f"payment {pk} ({ref}) is {status} but has {n} PAYMENT entries")
    return problems


def _refunds() -> list[str]:
    problems = []
    counts = _entry_counts(EntryKind.REFUND, "refund")
    clearing = _clearing_lines("refund")
    for pk, ref, status, amount in Refund.objects.values_list("pk", "out_request_no", "status", "amount"):
        n = counts.get(pk, 0)
        if status == RefundStatus.SUCCEEDED:
            if n != 1:
                problems.append(f"refund {pk} ({ref}) succeeded with {n} REFUND entries, expected 1")
            elif (credit := money(-sum(clearing.get(pk, [])))) != amount:
                problems.append(f"refund {pk} ({ref}): provider clearing credit {credit} != amount {amount}")
        elif n:
            problems.append(f"refund {pk} ({ref}) is {status} but has {n} REFUND entries")
    return problems


def _providers() -> list[str]:
    problems = []
    paid = dict(
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED)
        .values("provider")
        .annotate(total=Sum("amount"))
        .values_list("provider", "total")
    )
    refunded = dict(
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .values("payment__provider")
        .annotate(total=Sum("amount"))
        .values_list("payment__provider", "total")
    )
    accounts = {a.code.removeprefix(CLEARING): a for a in LedgerAccount.objects.filter(code__startswith=CLEARING)}
    for provider in sorted(set(paid) | set(refunded) | set(accounts)):
        expected = money(paid.get(provider, 0) - refunded.get(provider, 0))
        held = ledger.balance(accounts[provider]) if provider in accounts else Decimal("0.00")
        if held != expected:
            problems.append(
                f"provider_clearing:{provider} balance {held} != payments succeeded − refunds succeeded {expected}"
            )
    return problems


def _bookings() -> list[str]:
    applied = Coalesce(Sum("payments__covers", filter=Q(payments__applied=True)), ZERO)
    rows = (
        Booking.objects.annotate(applied=applied)
        .exclude(amount_paid=F("applied"))
        .order_by("pk")
        .values_list("pk", "amount_paid", "applied")
    )
    problems = [f"booking {pk}: amount_paid {paid} != applied payments {money(got)}" for pk, paid, got in rows]
    paid_total = Booking.objects.aggregate(t=Coalesce(Sum("amount_paid"), ZERO))["t"]
    covers_total = Payment.objects.filter(applied=True).aggregate(t=Coalesce(Sum("covers"), ZERO))["t"]
    if paid_total != covers_total:
        problems.append(f"Σ amount_paid {money(paid_total)} != Σ applied payments {money(covers_total)}")
    unapplied = Coalesce(
        Sum("payments__amount", filter=Q(payments__applied=False, payments__status=PaymentStatus.SUCCEEDED)), ZERO
    )
    rows = (
        Booking.objects.annotate(unapplied=unapplied)
        .exclude(amount_unapplied=F("unapplied"))
        .order_by("pk")
        .values_list("pk", "amount_unapplied", "unapplied")
    )
    problems += [
        f"booking {pk}: amount_unapplied {kept} != succeeded payments that settled nothing {money(got)}"
        for pk, kept, got in rows
    ]
    return problems


def _coupons() -> list[str]:
    """Each coupon's ``spent`` is what its live redemptions still commit; the ledger's subsidy is what used ones
    cost (every other discount — of a payment that settled nothing, of a booking refunded — was returned)."""
    problems = []
    live_sum = Coalesce(
        Sum(F("redemptions__discount") - F("redemptions__returned"), filter=~Q(redemptions__status="released")),
        ZERO,
    )
    for pk, code, spent, live in Coupon.objects.annotate(live=live_sum).values_list("pk", "code", "spent", "live"):
        if spent != live:
            problems.append(f"coupon {pk} ({code}): spent {spent} != live redemptions {money(live)}")
    used = CouponRedemption.objects.filter(status=RedemptionStatus.USED).aggregate(
        t=Coalesce(Sum(F("discount") - F("returned")), ZERO)
    )["t"]
    subsidy = LedgerAccount.objects.filter(code=ledger.COUPON_SUBSIDY).first()
    booked = ledger.balance(subsidy) if subsidy else Decimal("0.00")
    if booked != money(used):
        problems.append(f"coupon_subsidy balance {booked} != used coupons' discounts less returns {money(used)}")
    return problems


CHECKS = (
    ("journal entries balance, trial balance is zero", _journal),
    ("payments have their PAYMENT entry", _payments),
    ("refunds have their REFUND entry", _refunds),
    ("provider clearing = payments − refunds", _providers),
    ("bookings' amount paid = applied payments", _bookings),
    ("coupons: budget committed and subsidy booked", _coupons),
)


def mismatches() -> list[str]:
    """Every disagreement between the books and the records, as sentences naming the rows."""
    return [problem for _, check in CHECKS for problem in check()]
