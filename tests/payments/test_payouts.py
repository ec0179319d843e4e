"""Payouts (payments.payouts): a charge's held money paid to a person through the provider's transfer, decided under
the charge's lock and executed after commit; paid, refused for good (the money held again), or retried while the
provider cannot be reached; every step in the ledger and checked by reconcile."""

from decimal import Decimal

import pytest
from django.db import transaction

from chefu import queue
from chefu.events import recording
from payments import held, ledger, payouts, tasks
from payments.events import PayoutFailed, PayoutPaid
from payments.models import (
    PAYOUT_TRANSITIONS,
    EntryKind,
    JournalEntry,
    PaymentAlert,
    Payout,
    PayoutEvent,
    PayoutStatus,
)
from payments.providers.base import ProviderCalledInTransaction, ProviderUnavailable
from payments.providers.sandbox import REFUSE_MARKER, UNAVAILABLE_MARKER, sandbox_order_id
from payments.reconciliation import mismatches
from payments.selectors import charge_held
from tests.factories import UserFactory
from tests.fakes.payment_providers import OUTAGE, TRANSFER_DOWN
from tests.payments import charging
from tests.payments.charging import CLEARING, HELD, PURPOSE, at_once, entry_lines, pay_charge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

SUBJECT = "deal:7"
PAYABLE = "payouts_payable"


@pytest.fixture
def seller(db):
    return UserFactory(roles=["owner"], name="张三")


@pytest.fixture
def paid(db):
    return pay_charge(UserFactory(roles=["dealer"]), SUBJECT, "80000.00")


def _held() -> Decimal:
    return charge_held(purpose=PURPOSE, subject=SUBJECT)


def _request(seller, amount: str = "76000.00", cause: str = "seller_net:7", **kw) -> Payout:
    return payouts.payout_request(
        purpose=PURPOSE, subject=SUBJECT, user=seller, amount=Decimal(amount), cause=cause, **kw
    )


def _timeline(payout: Payout) -> list[tuple[str, str]]:
    return list(payout.events.values_list("from_status", "to_status"))


def test_every_status_has_its_moves_and_the_ends_have_none():
    assert set(PAYOUT_TRANSITIONS) == set(PayoutStatus.values)
    assert PAYOUT_TRANSITIONS[PayoutStatus.PAID] == PAYOUT_TRANSITIONS[PayoutStatus.FAILED] == frozenset()


def test_a_payout_is_decided_in_the_ledger_and_transferred_after_commit(paid, seller, monkeypatch):
    queued = []
    monkeypatch.setattr(queue, "send_now", lambda task, calls, *, what: queued.append((task, list(calls))))

    payout = _request(seller, memo="deal 7: price less the fee")

    assert (payout.status, payout.amount, payout.provider, payout.payment_id) == (
        PayoutStatus.PENDING,
        Decimal("76000.00"),
        "sandbox",
        paid.pk,
    )
    assert (payout.payee_account, payout.payee_name) == (seller.phone, "张三")
    assert queued == [("payments.tasks.payout_execute_task", [((payout.pk,), {})])]
    entry = JournalEntry.objects.get(payout=payout, kind=EntryKind.PAYOUT)
    assert (entry.purpose, entry.subject, entry.payment_id) == (PURPOSE, SUBJECT, paid.pk)
    assert entry_lines(entry) == {HELD: Decimal("76000.00"), PAYABLE: Decimal("-76000.00")}
    assert _held() == Decimal("4000.00")
    assert mismatches() == []

    with recording() as emitted:
        assert tasks.payout_execute_task(payout.pk) == PayoutStatus.PAID

    payout.refresh_from_db()
    assert (payout.status, payout.order_id) == (PayoutStatus.PAID, sandbox_order_id(payout.out_biz_no))
    assert payout.completed_at is not None
    paid_entry = JournalEntry.objects.get(payout=payout, kind=EntryKind.PAYOUT_PAID)
    assert entry_lines(paid_entry) == {PAYABLE: Decimal("76000.00"), CLEARING: Decimal("-76000.00")}
    assert emitted == [
        PayoutPaid(
            payout_id=payout.pk,
            purpose=PURPOSE,
            subject=SUBJECT,
            user_id=seller.pk,
            amount=Decimal("76000.00"),
            cause="seller_net:7",
        )
    ]
    assert ledger.balance(ledger.account(PAYABLE)) == Decimal("0.00")
    assert ledger.balance(ledger.provider_account("sandbox")) == Decimal("4000.00")
    assert _timeline(payout) == [("", "pending"), ("pending", "paid")]
    assert mismatches() == []
    # executed again (the task ran twice): nothing more
    assert payouts.payout_execute(payout_id=payout.pk) == PayoutStatus.PAID
    assert JournalEntry.objects.filter(payout=payout).count() == 2 and PayoutEvent.objects.count() == 2


def test_the_rest_can_be_kept_as_the_fee(paid, seller):
    payout = _request(seller)
    held.held_release(purpose=PURPOSE, subject=SUBJECT, amount=Decimal("4000.00"), cause="fee:7")
    payouts.payout_execute(payout_id=payout.pk)

    assert _held() == Decimal("0.00")
    assert ledger.balance(ledger.account(HELD)) == Decimal("0.00")
    assert ledger.balance(ledger.account(f"revenue:{PURPOSE}")) == Decimal("-4000.00")
    assert mismatches() == []


def test_a_payout_is_decided_once_per_cause(paid, seller):
    first = _request(seller)

    assert _request(seller, amount="1.00").pk == first.pk
    assert Payout.objects.count() == 1 and _held() == Decimal("4000.00")


def test_no_more_than_is_held_is_paid_out(paid, seller):
    with pytest.raises(held.HeldInsufficient) as short:
        _request(seller, amount="80000.01")

    assert short.value.details["held"] == "80000.00"
    assert not Payout.objects.exists() and not JournalEntry.objects.filter(kind=EntryKind.PAYOUT).exists()


def test_a_payee_account_given_is_the_one_paid(paid, seller):
    payout = _request(seller, payee_account="seller@example.com", payee_name="张三丰")

    assert (payout.payee_account, payout.payee_name) == ("seller@example.com", "张三丰")


def test_a_transfer_refused_for_good_leaves_the_money_held_again(paid, seller):
    payout = _request(seller)
    Payout.objects.filter(pk=payout.pk).update(out_biz_no=f"{payout.out_biz_no}{REFUSE_MARKER}")

    with recording() as emitted:
        assert payouts.payout_execute(payout_id=payout.pk) == PayoutStatus.FAILED

    payout.refresh_from_db()
    assert (payout.status, payout.order_id) == (PayoutStatus.FAILED, None)
    assert payout.last_error.startswith("PAYEE_NOT_EXIST")
    failed = JournalEntry.objects.get(payout=payout, kind=EntryKind.PAYOUT_FAILED)
    assert entry_lines(failed) == {PAYABLE: Decimal("76000.00"), HELD: Decimal("-76000.00")}
    assert _held() == Decimal("80000.00")
    alert = PaymentAlert.objects.get(code="payout_failed")
    assert (alert.payment_id, alert.details["payout"]) == (paid.pk, payout.pk)
    assert [type(e) for e in emitted] == [PayoutFailed]
    assert emitted[0].error == payout.last_error
    assert _timeline(payout) == [("", "pending"), ("pending", "failed")]
    assert mismatches() == []
    # once the payee's account is put right, a new payout with another cause pays it
    again = _request(seller, cause="seller_net:7:2", payee_account="13900000000")
    assert payouts.payout_execute(payout_id=again.pk) == PayoutStatus.PAID
    assert _held() == Decimal("4000.00")
    assert mismatches() == []


@pytest.fixture
def outage(settings):
    """``outage(n)``: the sandbox's next ``n`` transfers time out."""
    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "sandbox": TRANSFER_DOWN}

    def start(calls: int) -> None:
        OUTAGE.remaining = calls

    yield start
    OUTAGE.remaining = 0


def test_while_the_provider_cannot_be_reached_the_payout_waits_and_is_retried(paid, seller, outage):
    outage(2)
    payout = _request(seller)

    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            payouts.payout_execute(payout_id=payout.pk)

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING and "timed out" in payout.last_error
    assert _held() == Decimal("4000.00")
    assert mismatches() == []
    # the task retries on ProviderUnavailable; the sweep queues what is still pending after a while
    assert ProviderUnavailable in tasks.payout_execute_task.autoretry_for
    assert payouts.payouts_pending_requeue() == 0
    assert payouts.payouts_pending_requeue(older_than_s=-60) == 1
    assert payouts.payout_execute(payout_id=payout.pk) == PayoutStatus.PAID
    assert _timeline(payout) == [("", "pending"), ("pending", "paid")]
    assert mismatches() == []


def test_an_outage_marker_raises_unavailable_and_writes_nothing_but_the_error(paid, seller):
    payout = _request(seller)
    Payout.objects.filter(pk=payout.pk).update(out_biz_no=f"{payout.out_biz_no}{UNAVAILABLE_MARKER}")

    with pytest.raises(ProviderUnavailable):
        payouts.payout_execute(payout_id=payout.pk)

    assert JournalEntry.objects.filter(payout=payout).count() == 1


def test_a_payout_is_transferred_outside_any_transaction(paid, seller):
    payout = _request(seller)

    with pytest.raises(ProviderCalledInTransaction), transaction.atomic():
        payouts.payout_execute(payout_id=payout.pk)

    assert payouts.payout_execute(payout_id=payout.pk) == PayoutStatus.PAID


def test_the_sweep_is_scheduled():
    from django.conf import settings

    from chefu.celery import app

    assert (
        settings.CELERY_BEAT_SCHEDULE["payments.payouts-pending"]["task"] == "payments.tasks.payouts_pending_sweep_task"
    )
    assert "payments.tasks.payouts_pending_sweep_task" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_payout_and_a_release_at_once_never_take_more_than_is_held(monkeypatch):
    pay_charge(UserFactory(), SUBJECT, "80000.00")
    seller = UserFactory()
    read = charging.read_together(monkeypatch, held, "charge_held")

    outcomes = at_once(
        lambda: _request(seller, amount="50000.00"),
        lambda: held.held_release(purpose=PURPOSE, subject=SUBJECT, amount=Decimal("50000.00"), cause="penalty:7"),
    )

    assert sum(isinstance(o, held.HeldInsufficient) for o in outcomes) == 1, outcomes
    assert read == [Decimal("80000.00"), Decimal("30000.00")]
    assert _held() == Decimal("30000.00")
    assert mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_pays_the_payout_out(celery_worker):
    pay_charge(UserFactory(), SUBJECT, "80000.00")
    seller = UserFactory()

    payout = _request(seller)

    celery_worker.wait_for(lambda: Payout.objects.get(pk=payout.pk).status == PayoutStatus.PAID, timeout=20)
    [run] = celery_worker.wait_for_task("payments.tasks.payout_execute_task")
    assert run.state == "SUCCESS"
    assert mismatches() == []
