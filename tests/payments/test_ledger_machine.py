"""A hypothesis state machine over pay (with or without a coupon) / duplicate notification / cancel / expire /
complete / complaint refund / refund execution / statement sequences on two bookings in two stores: after every step
the journal balances, the provider's clearing account equals the payments succeeded less the refunds succeeded, the
coupon's committed budget and subsidy agree, and ``reconcile`` finds nothing.

Each example runs in a savepoint of the test's transaction and is rolled back at its end, so every example starts
from the same two stores."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from bookings import services as booking_services
from bookings.models import Booking
from chefu.errors import ApplicationError
from payments import ledger, services
from payments.commission import commission_rate_set
from payments.models import (
    Coupon,
    CouponKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Payment,
    Refund,
    RefundReason,
)
from payments.reconciliation import mismatches
from payments.settlements import statements_issue
from tests.bookings.conftest import make_shop
from tests.factories import UserFactory
from tests.payments.test_settlements import execute_refunds, new_booking, notify, open_payment

BOOKING = st.integers(min_value=0, max_value=1)
COUPON = "MACHINE15"
OTHER_COUPON = "MACHINE20"
# No code (a reserved coupon applies again), "" (none: a reserved one is given back), or one of two codes (switching).
CHOICE = st.sampled_from([None, "", COUPON, OTHER_COUPON])


def _check_deferred_constraints() -> None:
    """Run the journal's deferred balance triggers now (they would run at commit, which a test never reaches)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _machine(stores, owner) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.bookings = [new_booking(store, owner=owner) for store in stores]
            self.payments: list[Payment] = []
            self.complaints = 0

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def _booking(self, i: int) -> Booking:
            return Booking.objects.get(pk=self.bookings[i].pk)

        @initialize(paid=st.lists(st.booleans(), min_size=2, max_size=2))
        def start(self, paid):
            for i, yes in enumerate(paid):
                if yes:
                    self.pay(i, coupon=COUPON if i == 1 else None)

        def _open(self, i, coupon=None) -> Payment | None:
            try:  # no transaction around it: the provider is called (a refusal rolls back in payment_open)
                payment = open_payment(self._booking(i), coupon=coupon)
            except ApplicationError:  # nothing due, no longer payable, or the coupon cannot be had
                return None
            self.payments.append(payment)
            return payment

        @rule(i=BOOKING, coupon=CHOICE)
        def pay(self, i, coupon):
            """The usual path: a payment, and the provider's notice of it."""
            if payment := self._open(i, coupon):
                notify(payment)

        @rule(i=BOOKING, coupon=CHOICE)
        def open_unpaid(self, i, coupon):
            """A payment the owner opens and pays later, or twice, or after the booking is gone."""
            self._open(i, coupon)

        @rule(i=BOOKING)
        def expire(self, i):
            booking = self._booking(i)
            booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before + dt.timedelta(seconds=1))

        @rule(j=st.integers(min_value=0, max_value=9))
        def notify(self, j):
            """A payment's success notice; picking one already notified is the provider's duplicate."""
            if self.payments:
                notify(self.payments[j % len(self.payments)])

        @rule(i=BOOKING, by_store=st.booleans(), late=st.booleans())
        def cancel(self, i, by_store, late):
            booking = self._booking(i)
            now = booking.cancel_free_until + dt.timedelta(minutes=1) if late else None
            with contextlib.suppress(ApplicationError):
                # The store's side as the platform's own code (by=None): the owner is refused there.
                booking_services.booking_cancel(
                    booking_id=booking.pk, by=None if by_store else owner, reason="machine", by_store=by_store, now=now
                )

        @rule(i=BOOKING)
        def complete(self, i):
            booking = self.bookings[i]
            with contextlib.suppress(ApplicationError):
                booking_services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start)
            for step in (booking_services.booking_start, booking_services.booking_complete):
                with contextlib.suppress(ApplicationError):
                    step(booking_id=booking.pk, by=None)

        @rule(i=BOOKING, amount=st.integers(min_value=1, max_value=400))
        def complaint_refund(self, i, amount):
            payment = Payment.objects.filter(booking=self.bookings[i], applied=True).last()
            if payment is None or self._booking(i).status != "completed":
                return
            self.complaints += 1
            try:
                with transaction.atomic():
                    services.refund_request(
                        payment=payment,
                        amount=Decimal(amount),
                        reason=RefundReason.COMPLAINT,
                        cause=f"complaint:{self.complaints}",
                    )
            except DatabaseError:  # more than was paid: refused by the database
                pass

        @rule()
        def execute_refunds(self):
            for booking in self.bookings:
                execute_refunds(booking)

        @rule()
        def issue_statements(self):
            statements_issue(day=timezone.localdate())

        @invariant()
        def coupon_within_budget(self):
            for coupon in Coupon.objects.all():
                assert 0 <= coupon.spent <= coupon.budget
            assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) >= 0

        @invariant()
        def books_balance(self):
            _check_deferred_constraints()
            assert ledger.trial_balance() == 0

        @invariant()
        def clearing_is_payments_less_refunds(self):
            paid = Payment.objects.filter(status="succeeded").aggregate(t=Sum("amount"))["t"] or 0
            refunded = Refund.objects.filter(status="succeeded").aggregate(t=Sum("amount"))["t"] or 0
            assert ledger.balance(ledger.provider_account("sandbox")) == paid - refunded

        @invariant()
        def reconciles_and_earns_once(self):
            assert mismatches() == []
            for booking in self.bookings:
                assert JournalEntry.objects.filter(booking=booking, kind=EntryKind.EARNED).count() <= 1
            for account in LedgerAccount.objects.filter(code__startswith="store_payable:"):
                assert ledger.balance(account) <= 0  # the platform never pays a store more than it earned

    return LedgerMachine


@pytest.mark.django_db
def test_the_ledger_stays_balanced_and_equal_to_payments_less_refunds():
    stores = [make_shop(), make_shop(price="123.45")]
    commission_rate_set(store=stores[1], rate=Decimal("0.0575"))
    owner = UserFactory(roles=["owner"])
    now = timezone.now()
    Coupon.objects.create(
        code=COUPON,
        name="九折",
        kind=CouponKind.PERCENT,
        value=Decimal("15"),
        max_discount=Decimal("40.00"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        per_user_limit=2,
        budget=Decimal("1000.00"),
    )
    Coupon.objects.create(
        code=OTHER_COUPON,
        name="满100减20",
        kind=CouponKind.AMOUNT,
        value=Decimal("20.00"),
        min_spend=Decimal("100.00"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        per_user_limit=1,
        budget=Decimal("60.00"),
    )
    run_state_machine_as_test(
        _machine(stores, owner),
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
