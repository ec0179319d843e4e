"""A charge's held money (payments.held): given back to its payer in part or in full, kept as the platform's revenue;
each movement one entry, idempotent per cause, never more than the charge holds, even when two ask at once."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from chefu.errors import ValidationFailed
from chefu.events import recording
from payments import held, ledger
from payments.events import PurposeRefundIssued
from payments.models import EntryKind, JournalEntry, Refund, RefundStatus
from payments.providers.sandbox import REFUSE_MARKER
from payments.reconciliation import mismatches
from payments.selectors import charge_held
from payments.services import refund_execute
from tests.factories import UserFactory
from tests.payments import charging
from tests.payments.charging import (
    CLEARING,
    HELD,
    PURPOSE,
    REVENUE,
    at_once,
    entry_lines,
    open_charge,
    pay_charge,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

SUBJECT = "deposit:1"


@pytest.fixture
def paid(db):
    return pay_charge(UserFactory(roles=["dealer"]), SUBJECT, "5000.00")


def _held() -> Decimal:
    return charge_held(purpose=PURPOSE, subject=SUBJECT)


def _refund(amount: str, cause: str, **kw) -> Refund:
    return held.held_refund(purpose=PURPOSE, subject=SUBJECT, amount=Decimal(amount), cause=cause, **kw)


def _release(amount: str, cause: str, **kw) -> JournalEntry:
    return held.held_release(purpose=PURPOSE, subject=SUBJECT, amount=Decimal(amount), cause=cause, **kw)


# --- refunds -------------------------------------------------------------------------------------------------------


def test_part_of_the_held_money_goes_back_to_the_payer(paid):
    refund = _refund("1200.00", "claim:3", reason="adjusted", note="scratch on the door")

    assert (refund.payment_id, refund.booking_id, refund.amount, refund.reason, refund.status) == (
        paid.pk,
        None,
        Decimal("1200.00"),
        "adjusted",
        RefundStatus.PENDING,
    )
    # decided: no longer available to move, still in the ledger until the provider pays it back
    assert _held() == Decimal("3800.00")
    assert ledger.balance(ledger.account(HELD)) == Decimal("-5000.00")

    with recording() as emitted:
        assert refund_execute(refund_id=refund.pk) == "succeeded"

    entry = JournalEntry.objects.get(refund=refund)
    assert (entry.kind, entry.purpose, entry.subject) == (EntryKind.REFUND, PURPOSE, SUBJECT)
    assert entry_lines(entry) == {HELD: Decimal("1200.00"), CLEARING: Decimal("-1200.00")}
    assert emitted == [
        PurposeRefundIssued(
            refund_id=refund.pk,
            payment_id=paid.pk,
            purpose=PURPOSE,
            subject=SUBJECT,
            amount=Decimal("1200.00"),
            reason="adjusted",
            cause="claim:3",
        )
    ]
    assert ledger.balance(ledger.account(HELD)) == Decimal("-3800.00")
    assert mismatches() == []


def test_a_refund_is_decided_once_per_cause(paid):
    first = _refund("1000.00", "claim:3")

    again = _refund("2000.00", "claim:3")

    assert again.pk == first.pk and again.amount == Decimal("1000.00")
    assert Refund.objects.count() == 1 and _held() == Decimal("4000.00")


def test_a_refund_the_provider_refuses_leaves_the_money_held(paid):
    refund = _refund("5000.00", "unwind:3", reason="returned")
    Refund.objects.filter(pk=refund.pk).update(out_request_no=f"{refund.out_request_no}{REFUSE_MARKER}")

    assert refund_execute(refund_id=refund.pk) == "failed"

    assert _held() == Decimal("5000.00")
    assert not JournalEntry.objects.filter(refund=refund).exists()
    assert mismatches() == []


def test_no_more_than_is_held_goes_back(paid):
    _release("4000.00", "fee:3")

    with pytest.raises(held.HeldInsufficient) as short:
        _refund("1000.01", "unwind:3")

    assert (short.value.code, short.value.status) == ("held_insufficient", 409)
    assert short.value.details == {"purpose": PURPOSE, "subject": SUBJECT, "held": "1000.00", "asked": "1000.01"}
    assert not Refund.objects.exists()
    assert _refund("1000.00", "unwind:3").amount == Decimal("1000.00")
    assert _held() == Decimal("0.00")


def test_an_unknown_refund_reason_is_the_callers_mistake(paid):
    with pytest.raises(ValueError):
        _refund("1.00", "x", reason="because")
    assert not Refund.objects.exists()


# --- releases ------------------------------------------------------------------------------------------------------


def test_held_money_kept_as_revenue_is_one_entry(paid):
    entry = _release("5000.00", "penalty:3", memo="deposit forfeited: deal 3 unpaid")

    assert (entry.kind, entry.purpose, entry.subject, entry.cause, entry.payment_id, entry.memo) == (
        EntryKind.RELEASE,
        PURPOSE,
        SUBJECT,
        "penalty:3",
        paid.pk,
        "deposit forfeited: deal 3 unpaid",
    )
    assert entry_lines(entry) == {HELD: Decimal("5000.00"), REVENUE: Decimal("-5000.00")}
    assert ledger.account(REVENUE).kind == "revenue"
    assert _held() == Decimal("0.00")
    assert mismatches() == []


def test_a_release_is_made_once_per_cause(paid):
    first = _release("300.00", "fee:3")

    assert _release("300.00", "fee:3").pk == first.pk
    assert _release("200.00", "fee:4").pk != first.pk
    assert _held() == Decimal("4500.00")
    # the database has the last word
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.entry_post(
            kind=EntryKind.RELEASE,
            lines=[(ledger.account(HELD), Decimal("1")), (ledger.account(REVENUE), Decimal("-1"))],
            purpose=PURPOSE,
            subject=SUBJECT,
            cause="fee:3",
        )


def test_nothing_is_released_from_a_charge_not_paid():
    open_charge(UserFactory(), SUBJECT)

    with pytest.raises(held.HeldInsufficient) as short:
        _release("1.00", "penalty:3")

    assert short.value.details["held"] == "0.00"
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    "amount", [Decimal("0"), Decimal("-5"), Decimal("0.001"), Decimal("Infinity"), "abc", None, 12.5]
)
def test_an_amount_that_is_not_positive_yuan_and_fen_moves_nothing(paid, amount):
    for move in (held.held_refund, held.held_release):
        with pytest.raises(ValidationFailed) as bad:
            move(purpose=PURPOSE, subject=SUBJECT, amount=amount, cause="x")
        assert bad.value.status == 422 and "amount" in bad.value.details["fields"]
    assert not Refund.objects.exists() and not JournalEntry.objects.filter(kind=EntryKind.RELEASE).exists()


# --- two at once ---------------------------------------------------------------------------------------------------


@pytest.fixture
def read_together(monkeypatch):
    """What the charge holds is read by each move, which then waits for the other to read it too (or to wait on the
    charge's lock)."""
    return charging.read_together(monkeypatch, held, "charge_held")


@pytest.mark.django_db(transaction=True)
def test_two_releases_of_the_same_held_money_at_once_one_wins(read_together):
    pay_charge(UserFactory(), SUBJECT, "5000.00")

    outcomes = at_once(lambda: _release("5000.00", "penalty:3"), lambda: _release("5000.00", "penalty:4"))

    won = [o for o in outcomes if isinstance(o, JournalEntry)]
    lost = [o for o in outcomes if isinstance(o, held.HeldInsufficient)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].details["held"] == "0.00"
    assert read_together == [Decimal("5000.00"), Decimal("0.00")]  # the second read after the first committed
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE).count() == 1
    assert _held() == Decimal("0.00") and ledger.balance(ledger.account(HELD)) == Decimal("0.00")
    assert mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_a_refund_and_a_release_at_once_never_take_more_than_is_held(read_together):
    pay_charge(UserFactory(), SUBJECT, "5000.00")

    outcomes = at_once(lambda: _refund("3000.00", "unwind:3"), lambda: _release("3000.00", "penalty:3"))

    lost = [o for o in outcomes if isinstance(o, held.HeldInsufficient)]
    won = [o for o in outcomes if isinstance(o, Refund | JournalEntry)]
    assert len(lost) == 1 and len(won) == 1, outcomes
    assert _held() == Decimal("2000.00")
    assert mismatches() == []
