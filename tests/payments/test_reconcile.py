"""``manage.py reconcile`` passes clean books and names every row that disagrees."""

import importlib
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_cancel
from payments import ledger, services
from payments.models import EntryKind, Payment, Payout, Refund
from tests.bookings.floor_fixtures import staff_of
from tests.payments.test_settlements import complete, execute_refunds, new_booking, notify, open_payment, pay

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def _reconcile() -> str:
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    return out.getvalue()


@pytest.fixture
def books():
    """Some of everything: a completed booking, a cancelled and refunded one, a duplicate payment, a pending one."""
    done = new_booking()
    pay(done)
    complete(done)
    cancelled = new_booking()
    pay(cancelled)
    booking_cancel(booking_id=cancelled.pk, by=staff_of(cancelled.store, "manager"), reason="x", by_store=True)
    execute_refunds(cancelled)
    twice = new_booking()
    first, second = open_payment(twice), open_payment(twice)
    notify(first)
    notify(second)
    execute_refunds(twice)
    open_payment(new_booking())
    return {"done": done, "cancelled": cancelled, "twice": twice}


def test_clean_books_reconcile(books):
    assert "The books reconcile." in _reconcile()


def test_an_empty_database_reconciles():
    assert "The books reconcile." in _reconcile()


def test_a_payment_marked_succeeded_without_its_entry_is_named(books):
    payment = Payment.objects.filter(status="pending").get()
    Payment.objects.filter(pk=payment.pk).update(status="succeeded", trade_no="FAKE1", succeeded_at=timezone.now())
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"payment {payment.pk} ({payment.out_trade_no}) succeeded with 0 PAYMENT entries" in message
    # and the provider's clearing account no longer matches what the payments say
    assert "provider_clearing:sandbox balance" in message


def test_a_drift_in_amount_paid_is_named(books):
    booking = books["done"]
    Booking.objects.filter(pk=booking.pk).update(amount_paid=1)
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"booking {booking.pk}: amount_paid 1.00 != applied payments 299.00" in message
    assert "Σ amount_paid" in message


def test_a_drift_in_what_settled_nothing_is_named(books):
    booking = books["twice"]
    assert booking.payments.filter(applied=False).count() == 1
    Booking.objects.filter(pk=booking.pk).update(amount_unapplied=0)
    with pytest.raises(CommandError) as raised:
        _reconcile()
    assert f"booking {booking.pk}: amount_unapplied 0.00 != succeeded payments that settled nothing" in str(
        raised.value
    )


def test_the_migration_fills_in_what_settled_nothing(books):
    """payments 0010 on bookings paid before amount_unapplied was kept: each gets the cash of its succeeded
    payments that settled nothing, and the books reconcile."""
    migration = importlib.import_module("payments.migrations.0010_booking_amount_unapplied")
    Booking.objects.update(amount_unapplied=0)
    with connection.cursor() as cursor:
        cursor.execute(migration.FORWARD)
    assert dict(Booking.objects.filter(amount_unapplied__gt=0).values_list("pk", "amount_unapplied")) == {
        books["twice"].pk: Payment.objects.get(booking=books["twice"], applied=False).amount
    }
    assert "The books reconcile." in _reconcile()


def test_a_refund_marked_succeeded_without_its_entry_and_a_stray_entry_are_named(books):
    refund = Refund.objects.filter(booking=books["cancelled"]).get()
    pending = new_booking()
    pay(pending)
    with transaction.atomic():
        stray = services.refund_request(
            payment=Payment.objects.get(booking=pending), amount=refund.amount, reason="complaint", cause="c:1"
        )
    Refund.objects.filter(pk=stray.pk).update(status="succeeded", completed_at=timezone.now())
    # a payment entry written around the services, for a payment still pending
    waiting = Payment.objects.filter(status="pending").get()
    ledger.entry_post(
        kind=EntryKind.PAYMENT,
        lines=[
            (ledger.provider_account("sandbox"), waiting.amount),
            (ledger.account(ledger.OWNER_FUNDS_HELD), -waiting.amount),
        ],
        payment=waiting,
    )
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"refund {stray.pk} ({stray.out_request_no}) succeeded with 0 REFUND entries" in message
    assert f"payment {waiting.pk} ({waiting.out_trade_no}) is pending but has 1 PAYMENT entries" in message


# --- another purpose's money -----------------------------------------------------------------------------------------


@pytest.fixture
def charges(books):
    """Beside the bookings: a charge partly refunded, partly kept, partly paid out; another whose payout failed."""
    from payments import held, payouts
    from tests.factories import UserFactory
    from tests.payments.charging import PURPOSE, execute_charge_refunds, pay_charge

    seller = UserFactory()
    first = pay_charge(UserFactory(), "deal:1", "10000.00")
    held.held_refund(purpose=PURPOSE, subject="deal:1", amount=Decimal("1000.00"), cause="claim:1", reason="adjusted")
    execute_charge_refunds(first)
    held.held_release(purpose=PURPOSE, subject="deal:1", amount=Decimal("500.00"), cause="fee:1")
    paid = payouts.payout_request(
        purpose=PURPOSE, subject="deal:1", user=seller, amount=Decimal("8500.00"), cause="net:1"
    )
    payouts.payout_execute(payout_id=paid.pk)
    pay_charge(UserFactory(), "deal:2", "2000.00")
    failing = payouts.payout_request(
        purpose=PURPOSE, subject="deal:2", user=seller, amount=Decimal("2000.00"), cause="net:2"
    )
    Payout.objects.filter(pk=failing.pk).update(out_biz_no=f"{failing.out_biz_no}FAIL")
    payouts.payout_execute(payout_id=failing.pk)
    pending = payouts.payout_request(
        purpose=PURPOSE, subject="deal:2", user=seller, amount=Decimal("1500.00"), cause="net:2b"
    )
    return {"paid": paid, "failed": failing, "pending": pending}


def test_clean_books_with_charges_reconcile(charges):
    assert "The books reconcile." in _reconcile()


def test_a_payout_marked_paid_without_its_entry_is_named(charges):
    pending = charges["pending"]
    Payout.objects.filter(pk=pending.pk).update(status="paid", order_id="FAKE1", completed_at=timezone.now())
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"payout {pending.pk} ({pending.out_biz_no}) is paid with 0 PAYOUT_PAID entries, expected 1" in message
    assert "payouts_payable owes 1500.00 != pending payouts 0.00" in message
    assert "provider_clearing:sandbox balance" in message


def test_held_money_taken_around_the_services_is_named(charges):
    from tests.payments.charging import HELD, PURPOSE, REVENUE

    # a release from deal:1, which holds nothing any more, posted straight to the ledger
    ledger.entry_post(
        kind=EntryKind.RELEASE,
        lines=[(ledger.account(HELD), Decimal("600.00")), (ledger.account(REVENUE), Decimal("-600.00"))],
        purpose=PURPOSE,
        subject="deal:1",
        cause="stray",
    )
    # and held money moved by an entry that names no charge
    ledger.entry_post(
        kind=EntryKind.REWORK,
        lines=[(ledger.account(HELD), Decimal("1.00")), (ledger.account(REVENUE), Decimal("-1.00"))],
    )
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"{HELD} for 'deal:1' is negative: -600.00" in message
    assert f"moves {HELD} without naming a charge of that purpose" in message


def test_a_charge_payment_whose_entry_does_not_match_is_named(charges):
    payment = Payment.objects.get(subject="deal:2")
    Payment.objects.filter(pk=payment.pk).update(amount=Decimal("2100.00"), covers=Decimal("2100.00"))
    with pytest.raises(CommandError) as raised:
        _reconcile()
    message = str(raised.value)
    assert f"payment {payment.pk} ({payment.out_trade_no}) for deposit_demo 'deal:2': credits held:deposit_demo" in (
        message
    )
    assert "held:deposit_demo for 'deal:2' holds" in message
