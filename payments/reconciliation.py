"""Ledger reconciliation: do the journal, the payments, the refunds, the payouts, the bookings and the coupons tell
the same story?

Read-only. ``CHECKS`` pairs a title with a check that returns its problems as sentences naming the rows;
``mismatches()`` runs them all. ``manage.py reconcile``, the tests and the benchmarks call them from here.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Concat

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
    Payout,
    PayoutStatus,
    RedemptionStatus,
    Refund,
    RefundStatus,
)
from payments.purposes import BOOKING

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
    paid_out = dict(
        Payout.objects.filter(status=PayoutStatus.PAID)
        .values("provider")
        .annotate(total=Sum("amount"))
        .values_list("provider", "total")
    )
    accounts = {a.code.removeprefix(CLEARING): a for a in LedgerAccount.objects.filter(code__startswith=CLEARING)}
    for provider in sorted(set(paid) | set(refunded) | set(paid_out) | set(accounts)):
        expected = money(paid.get(provider, 0) - refunded.get(provider, 0) - paid_out.get(provider, 0))
        held = ledger.balance(accounts[provider]) if provider in accounts else Decimal("0.00")
        if held != expected:
            problems.append(
                f"provider_clearing:{provider} balance {held} != payments succeeded − refunds succeeded − payouts "
                f"paid {expected}"
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
    covers_total = Payment.objects.filter(applied=True, purpose=BOOKING).aggregate(t=Coalesce(Sum("covers"), ZERO))["t"]
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


def _charge_payments() -> list[str]:
    """A purpose's payment credits what it charged to ``held:<purpose>``, on an entry naming its charge; a booking's
    credits no purpose's account."""
    problems = []
    rows = JournalLine.objects.filter(
        entry__kind=EntryKind.PAYMENT, entry__payment__isnull=False, account__code__startswith=ledger.HELD
    ).values_list("entry__payment_id", "account__code", "entry__purpose", "entry__subject", "amount")
    credited: dict[int, list[tuple[str, str, str, Decimal]]] = defaultdict(list)
    for payment_id, code, purpose, subject, amount in rows:
        credited[payment_id].append((code, purpose, subject, amount))
    payments = Payment.objects.filter(Q(status=PaymentStatus.SUCCEEDED) & ~Q(purpose=BOOKING) | Q(pk__in=credited))
    for pk, ref, purpose, subject, amount in payments.values_list("pk", "out_trade_no", "purpose", "subject", "amount"):
        lines = credited.get(pk, [])
        if purpose == BOOKING:
            problems.append(f"payment {pk} ({ref}) of a booking credits {lines[0][0]}")
            continue
        expected = [(ledger.held_code(purpose), purpose, subject, -amount)]
        if [(c, p, s, money(a)) for c, p, s, a in lines] != expected:
            got = ", ".join(f"{c} {money(-a)} for {p} {s!r}" for c, p, s, a in lines) or "nothing"
            problems.append(
                f"payment {pk} ({ref}) for {purpose} {subject!r}: credits {got}, expected {ledger.held_code(purpose)} "
                f"{amount} for its charge"
            )
    return problems


def _held() -> list[str]:
    """Every line on a ``held:<purpose>`` account names a charge of that purpose; no charge's share is below zero;
    and each charge holds what its records say: payments succeeded − refunds succeeded − releases − payouts not
    failed."""
    problems = []
    stray = (
        JournalLine.objects.filter(account__code__startswith=ledger.HELD)
        .filter(Q(entry__subject="") | ~Q(account__code=Concat(Value(ledger.HELD), F("entry__purpose"))))
        .values_list("entry_id", "entry__kind", "account__code")
    )
    for entry_id, kind, code in stray:
        problems.append(f"journal entry {entry_id} ({kind}) moves {code} without naming a charge of that purpose")
    held = {
        (purpose, subject): money(-total)
        for purpose, subject, total in JournalLine.objects.filter(account__code__startswith=ledger.HELD)
        .exclude(entry__subject="")
        .values("entry__purpose", "entry__subject")
        .annotate(total=Sum("amount"))
        .values_list("entry__purpose", "entry__subject", "total")
    }
    expected: dict[tuple[str, str], Decimal] = defaultdict(lambda: Decimal("0.00"))
    charges = ~Q(purpose=BOOKING)
    for purpose, subject, total in (
        Payment.objects.filter(charges, status=PaymentStatus.SUCCEEDED)
        .values("purpose", "subject")
        .annotate(total=Sum("amount"))
        .values_list("purpose", "subject", "total")
    ):
        expected[(purpose, subject)] += total
    for purpose, subject, total in (
        Refund.objects.filter(~Q(payment__purpose=BOOKING), status=RefundStatus.SUCCEEDED)
        .values("payment__purpose", "payment__subject")
        .annotate(total=Sum("amount"))
        .values_list("payment__purpose", "payment__subject", "total")
    ):
        expected[(purpose, subject)] -= total
    for purpose, subject, total in (
        JournalLine.objects.filter(entry__kind=EntryKind.RELEASE, account__code__startswith=ledger.HELD)
        .values("entry__purpose", "entry__subject")
        .annotate(total=Sum("amount"))
        .values_list("entry__purpose", "entry__subject", "total")
    ):
        expected[(purpose, subject)] -= total
    for purpose, subject, total in (
        Payout.objects.exclude(status=PayoutStatus.FAILED)
        .values("purpose", "subject")
        .annotate(total=Sum("amount"))
        .values_list("purpose", "subject", "total")
    ):
        expected[(purpose, subject)] -= total
    for purpose, subject in sorted(set(held) | set(expected)):
        booked, records = held.get((purpose, subject), Decimal("0.00")), money(expected[(purpose, subject)])
        if booked < 0:
            problems.append(f"{ledger.held_code(purpose)} for {subject!r} is negative: {booked}")
        if booked != records:
            problems.append(
                f"{ledger.held_code(purpose)} for {subject!r} holds {booked} != payments − refunds − releases − "
                f"payouts {records}"
            )
    return problems


def _payouts() -> list[str]:
    """Each payout has its PAYOUT entry (held → payable) of its amount; a paid one its PAYOUT_PAID (payable → the
    provider's clearing), a failed one its PAYOUT_FAILED (payable → held again), a pending one neither; what is
    payable is what pending payouts owe."""
    problems = []
    lines: dict[tuple[int, str], list[tuple[str, Decimal]]] = defaultdict(list)
    for payout_id, kind, code, amount in JournalLine.objects.filter(entry__payout__isnull=False).values_list(
        "entry__payout_id", "entry__kind", "account__code", "amount"
    ):
        lines[(payout_id, kind)].append((code, amount))
    expect = {
        PayoutStatus.PENDING: (EntryKind.PAYOUT,),
        PayoutStatus.PAID: (EntryKind.PAYOUT, EntryKind.PAYOUT_PAID),
        PayoutStatus.FAILED: (EntryKind.PAYOUT, EntryKind.PAYOUT_FAILED),
    }
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for payout_id, kind in JournalEntry.objects.filter(payout__isnull=False).values_list("payout_id", "kind"):
        counts[(payout_id, kind)] += 1
    for pk, ref, status, amount, purpose, provider in Payout.objects.values_list(
        "pk", "out_biz_no", "status", "amount", "purpose", "provider"
    ):
        moves = {
            EntryKind.PAYOUT: {ledger.held_code(purpose): amount, ledger.PAYOUTS_PAYABLE: -amount},
            EntryKind.PAYOUT_PAID: {ledger.PAYOUTS_PAYABLE: amount, ledger.provider_code(provider): -amount},
            EntryKind.PAYOUT_FAILED: {ledger.PAYOUTS_PAYABLE: amount, ledger.held_code(purpose): -amount},
        }
        for kind, expected in moves.items():
            n = counts.get((pk, kind), 0)
            wanted = 1 if kind in expect[status] else 0
            if n != wanted:
                problems.append(f"payout {pk} ({ref}) is {status} with {n} {kind.upper()} entries, expected {wanted}")
            elif n and dict(lines[(pk, kind)]) != expected:
                problems.append(f"payout {pk} ({ref}): its {kind.upper()} entry does not move {amount} as it should")
    pending = Payout.objects.filter(status=PayoutStatus.PENDING).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
    account = LedgerAccount.objects.filter(code=ledger.PAYOUTS_PAYABLE).first()
    payable = -ledger.balance(account) if account else Decimal("0.00")
    if payable != money(pending):
        problems.append(f"payouts_payable owes {payable} != pending payouts {money(pending)}")
    return problems


CHECKS = (
    ("journal entries balance, trial balance is zero", _journal),
    ("payments have their PAYMENT entry", _payments),
    ("refunds have their REFUND entry", _refunds),
    ("provider clearing = payments − refunds − payouts", _providers),
    ("bookings' amount paid = applied payments", _bookings),
    ("coupons: budget committed and subsidy booked", _coupons),
    ("purposes' payments are held for their charge", _charge_payments),
    ("held money per charge: never negative, as its records say", _held),
    ("payouts have their entries", _payouts),
)


def mismatches() -> list[str]:
    """Every disagreement between the books and the records, as sentences naming the rows."""
    return [problem for _, check in CHECKS for problem in check()]
