"""Stores earn what is held when a booking completes (or a late cancellation keeps its fee); daily statements pay
them; the partner API lists the statements."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, InternalError, connections, transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from payments import ledger, services
from payments.commission import commission_rate_for, commission_rate_set
from payments.models import EntryKind, JournalEntry, Refund, Statement
from payments.settlements import statements_daily_task, statements_issue
from stores.services import membership_add
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import staff_of
from tests.factories import UserFactory
from tests.payments.paying import notify, open_payment, pay

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


# --- helpers (the state machine and the reconcile tests use them too) --------------------------------------------


def new_booking(store=None, *, owner=None, hour: int = 10, days: int = 2) -> Booking:
    owner = owner or UserFactory(roles=["owner"])
    booking = book(owner, store or make_shop(), local(tomorrow() + dt.timedelta(days=days), hour))
    # No checklist to answer on the way to completed.
    Booking.objects.filter(pk=booking.pk).update(checklist=[])
    booking.refresh_from_db()
    return booking


def complete(booking: Booking) -> Booking:
    booking_services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start)  # the car came on time
    for step in (booking_services.booking_start, booking_services.booking_complete):
        step(booking_id=booking.pk, by=None)
    booking.refresh_from_db()
    return booking


def execute_refunds(booking: Booking) -> None:
    for refund in Refund.objects.filter(booking=booking, status="pending"):
        services.refund_execute(refund_id=refund.pk)


def earned_lines(booking: Booking) -> dict[str, Decimal]:
    entry = JournalEntry.objects.get(booking=booking, kind=EntryKind.EARNED)
    return {line.account.code: line.amount for line in entry.lines.select_related("account")}


def d(value: str) -> Decimal:
    return Decimal(value)


# --- commission ----------------------------------------------------------------------------------------------


def test_a_store_without_its_own_rate_pays_the_platform_default():
    store = make_shop()
    assert commission_rate_for(store) == settings.PAYMENT_COMMISSION_RATE == d("0.08")
    commission_rate_set(store=store, rate=d("0.1234"))
    assert commission_rate_for(store) == d("0.1234")


@pytest.mark.parametrize("rate", [d("-0.01"), d("1.0001")])
def test_a_rate_outside_zero_to_one_is_refused(rate):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        commission_rate_set(store=make_shop(), rate=rate)


# --- earning -------------------------------------------------------------------------------------------------


def test_completing_a_paid_booking_earns_it_at_the_default_rate():
    booking = new_booking()
    pay(booking)
    # when
    complete(booking)
    # then 299.00 × 0.08 = 23.92
    store_code = f"store_payable:{booking.store_id}"
    assert earned_lines(booking) == {"owner_funds_held": d("299.00"), "platform_commission": d("-23.92"),
                                     store_code: d("-275.08")}  # fmt: skip
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert ledger.trial_balance() == 0


def test_the_store_rate_applies_and_the_commission_is_rounded_half_up():
    # 100.10 × 0.05 = 5.005: half-up gives 5.01 (banker's rounding would give 5.00)
    store = make_shop(price="100.10")
    commission_rate_set(store=store, rate=d("0.05"))
    booking = new_booking(store)
    pay(booking)
    complete(booking)
    lines = earned_lines(booking)
    assert lines["platform_commission"] == d("-5.01")
    assert lines[f"store_payable:{store.pk}"] == d("-95.09")


def test_an_unpaid_booking_earns_nothing_and_a_booking_is_never_earned_twice():
    from payments.settlements import booking_earn

    unpaid = new_booking()
    booking_services.booking_confirm(booking_id=unpaid.pk)  # confirmed without money (only the demo data does)
    complete(unpaid)
    assert not JournalEntry.objects.filter(booking=unpaid, kind=EntryKind.EARNED).exists()
    booking = new_booking()
    pay(booking)
    complete(booking)
    with transaction.atomic():
        assert booking_earn(booking=booking) is None
    assert JournalEntry.objects.filter(booking=booking, kind=EntryKind.EARNED).count() == 1


def test_a_duplicate_payment_is_not_earned():
    booking = new_booking()
    first, second = open_payment(booking), open_payment(booking)
    notify(first)
    notify(second)  # the slice is paid: this one is refunded in full
    complete(booking)
    assert earned_lines(booking)["owner_funds_held"] == d("299.00")
    execute_refunds(booking)
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert ledger.balance(ledger.provider_account("sandbox")) == d("299.00")


def test_a_late_owner_cancellation_earns_the_fee():
    booking = new_booking()
    pay(booking)
    booking.refresh_from_db()
    # when: after the free window, the store's default fee is 20 % of 299.00
    booking_services.booking_cancel(
        booking_id=booking.pk, by=booking.owner, reason="late", now=booking.cancel_free_until + dt.timedelta(minutes=1)
    )
    # then
    booking.refresh_from_db()
    assert (booking.cancellation_fee, booking.refund_due) == (d("59.80"), d("239.20"))
    assert earned_lines(booking) == {"owner_funds_held": d("59.80"), "platform_commission": d("-4.78"),
                                     f"store_payable:{booking.store_id}": d("-55.02")}  # fmt: skip
    execute_refunds(booking)
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert ledger.balance(ledger.provider_account("sandbox")) == d("59.80")
    assert ledger.trial_balance() == 0


@pytest.mark.parametrize("by_store", [True, False])
def test_a_free_or_store_cancellation_earns_nothing(by_store):
    booking = new_booking()
    pay(booking)
    by = staff_of(booking.store, "manager") if by_store else booking.owner
    booking_services.booking_cancel(booking_id=booking.pk, by=by, reason="x", by_store=by_store)
    assert not JournalEntry.objects.filter(booking=booking, kind=EntryKind.EARNED).exists()
    execute_refunds(booking)
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0


# --- statements ----------------------------------------------------------------------------------------------


def _earned_day(booking: Booking) -> dt.date:
    at = JournalEntry.objects.get(booking=booking, kind=EntryKind.EARNED).at
    return timezone.localdate(at, timezone=timezone.get_default_timezone())


def test_a_day_gets_one_statement_per_store_and_a_rerun_writes_nothing():
    # given two stores, one at 10 %, with completed bookings today; one booking not completed
    cheap, dear = make_shop(), make_shop(price="500.00")
    commission_rate_set(store=dear, rate=d("0.10"))
    a1, a2, b1 = new_booking(cheap, hour=10), new_booking(cheap, hour=14), new_booking(dear)
    pending = new_booking(dear, hour=15)
    for booking in (a1, a2, b1, pending):
        pay(booking)
    for booking in (a1, a2, b1):
        complete(booking)
    day = _earned_day(a1)
    # when
    assert statements_issue(day=day) == 2
    # then
    rows = {s.store_id: s for s in Statement.objects.all()}
    a, b = rows[cheap.pk], rows[dear.pk]
    assert (a.period_start, a.period_end, a.status) == (day, day, "issued")
    assert (a.gross, a.commission, a.refunds, a.net) == (d("598.00"), d("47.84"), d("0.00"), d("550.16"))
    assert (b.gross, b.commission, b.refunds, b.net) == (d("500.00"), d("50.00"), d("0.00"), d("450.00"))
    assert ledger.balance(ledger.store_account(cheap)) == ledger.balance(ledger.store_account(dear)) == 0
    assert ledger.balance(ledger.account(ledger.SETTLEMENTS_PAID)) == -(a.net + b.net)
    assert JournalEntry.objects.filter(kind=EntryKind.SETTLEMENT).count() == 2
    assert ledger.trial_balance() == 0
    # a second run, and another day, write nothing
    assert statements_issue(day=day) == 0
    assert statements_issue(day=day - dt.timedelta(days=1)) == 0
    assert Statement.objects.count() == 2 and JournalEntry.objects.filter(kind=EntryKind.SETTLEMENT).count() == 2


def test_a_refund_after_completion_is_taken_from_the_statement():
    booking = new_booking()
    payment = pay(booking)
    complete(booking)
    with transaction.atomic():
        services.refund_request(payment=payment, amount=d("50.00"), reason="complaint", cause="complaint:1")
    execute_refunds(booking)
    assert statements_issue(day=_earned_day(booking)) == 1
    statement = Statement.objects.get()
    assert (statement.gross, statement.commission, statement.refunds, statement.net) == (
        d("299.00"), d("23.92"), d("50.00"), d("225.08"),
    )  # fmt: skip
    # what the owner got back was the store's share: the store payable and the held funds are both cleared
    assert ledger.balance(ledger.store_account(booking.store)) == 0
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert ledger.balance(ledger.provider_account("sandbox")) == d("249.00")
    assert ledger.trial_balance() == 0


def test_the_database_refuses_to_change_or_delete_a_statement():
    booking = new_booking()
    pay(booking)
    complete(booking)
    statements_issue(day=_earned_day(booking))
    statement = Statement.objects.get()
    for change in (
        lambda: Statement.objects.filter(pk=statement.pk).update(issued_at=timezone.now()),
        lambda: Statement.objects.filter(pk=statement.pk).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()
    statement.refresh_from_db()
    assert statement.net == d("275.08")


def test_a_statement_must_add_up():
    from django.db import connection

    store = make_shop()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_statement (store_id, period_start, period_end, gross, commission, refunds, net,"
            " status, issued_at) VALUES (%s, '2026-01-01', '2026-01-01', 100, 8, 0, 93, 'issued', now())",
            [store.pk],
        )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_write_one_statement():
    booking = new_booking()
    pay(booking)
    complete(booking)
    day = _earned_day(booking)
    barrier, written = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            written.append(statements_issue(day=day))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(written) == [0, 1]
    assert Statement.objects.count() == 1 and JournalEntry.objects.filter(kind=EntryKind.SETTLEMENT).count() == 1
    assert ledger.balance(ledger.store_account(booking.store)) == 0


def test_the_daily_task_issues_yesterdays_statements_and_is_scheduled():
    from chefu.celery import app

    booking = new_booking()
    pay(booking)
    complete(booking)
    day = _earned_day(booking)
    assert statements_daily_task() == 0  # yesterday: nothing was earned
    assert statements_daily_task(day.isoformat()) == 1
    assert statements_daily_task(day.isoformat()) == 0
    entry = settings.CELERY_BEAT_SCHEDULE["payments.statements-daily"]
    assert entry["task"] == statements_daily_task.name == "payments.settlements.statements_daily_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
    assert statements_daily_task.name in app.tasks


# --- the partner API -----------------------------------------------------------------------------------------


@pytest.fixture
def settled_store():
    store = make_shop()
    booking = new_booking(store)
    pay(booking)
    complete(booking)
    statements_issue(day=_earned_day(booking))
    return store


def _manager_of(store):
    user = UserFactory(roles=["owner"])
    membership_add(store=store, user=user, role="manager")
    user.refresh_from_db()
    return user


def test_a_manager_lists_the_stores_statements(settled_store, make_client):
    client = make_client(_manager_of(settled_store))
    response = client.get(f"partner/stores/{settled_store.pk}/settlements")
    assert response.status_code == 200, response.json()
    body = response.json()
    statement = Statement.objects.get(store=settled_store)
    assert body == {
        "count": 1,
        "items": [
            {
                "period_start": statement.period_start.isoformat(),
                "period_end": statement.period_end.isoformat(),
                "gross": "299.00",
                "commission": "23.92",
                "refunds": "0.00",
                "net": "275.08",
                "status": "issued",
            }
        ],
    }
    assert client.get(f"partner/stores/{settled_store.pk}/settlements", {"offset": 1}).json() == {
        "items": [],
        "count": 1,
    }


def test_other_managers_staff_and_unknown_stores_are_refused(settled_store, make_client):
    other = _manager_of(make_shop())
    # another store's manager: the same 404 as an unknown store; this store's technician: 403 (role not enough)
    assert make_client(other).get(f"partner/stores/{settled_store.pk}/settlements").status_code == 404
    technician = UserFactory(roles=["owner"])
    membership_add(store=settled_store, user=technician, role="technician")
    assert make_client(technician).get(f"partner/stores/{settled_store.pk}/settlements").status_code == 403
    assert make_client(other).get("partner/stores/999999/settlements").status_code == 404
    from tests.conftest import ApiClient

    assert ApiClient().get(f"partner/stores/{settled_store.pk}/settlements").status_code == 401
