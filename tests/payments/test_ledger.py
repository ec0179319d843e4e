"""The journal balances and never changes; refunds never exceed what was charged, even two at once."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, connections, transaction

from payments import ledger
from payments.models import EntryKind, JournalEntry, JournalLine, Payment, Refund
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _check_deferred_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _refused(work) -> None:
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        work()
        _check_deferred_now()


def test_a_balanced_entry_posts_and_balances_add_up():
    held, clearing = ledger.account(ledger.OWNER_FUNDS_HELD), ledger.provider_account("sandbox")
    ledger.entry_post(kind=EntryKind.PAYMENT, lines=[(clearing, Decimal("299.00")), (held, Decimal("-299.00"))])
    _check_deferred_now()
    assert ledger.balance(clearing) == Decimal("299.00")
    assert ledger.balance(held) == Decimal("-299.00")
    assert ledger.trial_balance() == 0


@pytest.mark.parametrize(
    "amounts",
    [[Decimal("10.00"), Decimal("-9.99")], [Decimal("10.00")], [Decimal("10.00"), Decimal("0.00")]],
)
def test_the_service_refuses_an_entry_that_does_not_balance(amounts):
    accounts = [ledger.account(ledger.OWNER_FUNDS_HELD), ledger.account(ledger.PLATFORM_COMMISSION)]
    with pytest.raises(ValueError):
        ledger.entry_post(kind=EntryKind.PAYMENT, lines=list(zip(accounts, amounts, strict=False)))
    assert not JournalEntry.objects.exists()


def test_the_database_refuses_an_unbalanced_entry_written_around_the_service():
    held = ledger.account(ledger.OWNER_FUNDS_HELD)

    def unbalanced():
        entry = JournalEntry.objects.create(kind=EntryKind.PAYMENT)
        JournalLine.objects.create(entry=entry, account=held, amount=Decimal("5.00"))
        JournalLine.objects.create(entry=entry, account=held, amount=Decimal("-4.00"))

    def one_sided():
        entry = JournalEntry.objects.create(kind=EntryKind.PAYMENT)
        JournalLine.objects.create(entry=entry, account=held, amount=Decimal("5.00"))

    def empty():
        JournalEntry.objects.create(kind=EntryKind.PAYMENT)

    for work in (unbalanced, one_sided, empty):
        _refused(work)
    assert not JournalEntry.objects.exists()


def test_the_journal_is_append_only():
    held, commission = ledger.account(ledger.OWNER_FUNDS_HELD), ledger.account(ledger.PLATFORM_COMMISSION)
    entry = ledger.entry_post(kind=EntryKind.EARNED, lines=[(held, Decimal("30.00")), (commission, Decimal("-30.00"))])
    _check_deferred_now()
    line = entry.lines.first()
    _refused(lambda: JournalLine.objects.filter(pk=line.pk).update(amount=Decimal("31.00")))
    _refused(lambda: JournalLine.objects.filter(pk=line.pk).delete())
    _refused(lambda: JournalEntry.objects.filter(pk=entry.pk).update(memo="edited"))
    assert ledger.trial_balance() == 0


def _payment(amount="299.00") -> Payment:
    owner = UserFactory()
    booking = book(owner, make_shop(), local(tomorrow(), 10))
    return Payment.objects.create(
        booking=booking, owner=owner, provider="sandbox", amount=Decimal(amount), covers=Decimal(amount),
        covers_from=Decimal("0.00"), out_trade_no=f"T{booking.pk}",
    )  # fmt: skip


def _refund(payment: Payment, amount: str, cause: str) -> Refund:
    return Refund.objects.create(
        payment=payment, booking=payment.booking, amount=Decimal(amount), reason="owner_cancelled",
        out_request_no=f"{payment.out_trade_no}-{cause}", cause=cause,
    )  # fmt: skip


def test_refunds_never_exceed_what_was_charged():
    payment = _payment()
    _refund(payment, "200.00", "a")
    _refused(lambda: _refund(payment, "100.00", "b"))
    _refund(payment, "99.00", "c")
    # a failed refund frees its amount again
    Refund.objects.filter(cause="c").update(status="failed")
    _refund(payment, "99.00", "d")


def test_one_applied_payment_per_owed_slice():
    payment = _payment()
    Payment.objects.filter(pk=payment.pk).update(
        status="succeeded", applied=True, trade_no="2026A", succeeded_at=payment.created_at
    )
    twin = Payment.objects.get(pk=payment.pk)
    twin.pk, twin.out_trade_no, twin.trade_no, twin.status, twin.applied = None, "T-twin", None, "pending", False
    twin.save()
    paid = {"status": "succeeded", "trade_no": "2026B", "succeeded_at": twin.created_at}
    _refused(lambda: Payment.objects.filter(pk=twin.pk).update(**paid, applied=True))
    # it may succeed as money that settles nothing (to be refunded); and only money that arrived can settle
    Payment.objects.filter(pk=twin.pk).update(**paid)
    _refused(lambda: Payment.objects.filter(pk=twin.pk).update(status="pending", trade_no=None, applied=True))


@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_cannot_both_slip_under_the_limit():
    payment = _payment()
    barrier = threading.Barrier(2)
    outcomes = []

    def refund(cause):
        try:
            barrier.wait()
            with transaction.atomic():
                _refund(payment, "200.00", cause)
            outcomes.append("ok")
        except (IntegrityError, InternalError):
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refund, args=(c,)) for c in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Refund.objects.filter(payment=payment).count() == 1
