"""Payments for another purpose than a booking (payments.purposes): a purpose registered by the app above payments
(tests/purposes_app), its charge opened, checked out and paid through the sandbox, the money held in
``held:<purpose>``, the owning app told; amounts that do not match, repeats and second payments of a paid charge."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from chefu.errors import ValidationFailed
from chefu.events import recording
from chefu.models import EventDelivery
from payments import purposes, services
from payments.events import PurposePaymentSettled, PurposeRefundIssued
from payments.models import EntryKind, JournalEntry, Payment, PaymentAlert, PaymentStatus, Refund
from payments.providers.base import provider_get
from payments.reconciliation import mismatches
from payments.selectors import charge_held, charge_payment
from tests.factories import UserFactory
from tests.payments import charging
from tests.payments.charging import (
    CLEARING,
    HELD,
    PURPOSE,
    at_once,
    entry_lines,
    execute_charge_refunds,
    open_charge,
    pay_charge,
)
from tests.payments.paying import notify
from tests.payments.test_settlements import new_booking, pay
from tests.purposes_app import purposes as demo

# Services called directly commit as in production: their events reach the purpose's app.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture(autouse=True)
def _heard():
    demo.received.clear()
    yield
    demo.received.clear()


@pytest.fixture
def payer(db):
    return UserFactory(roles=["dealer"])


def _params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


# --- the registry --------------------------------------------------------------------------------------------------


def test_an_app_registers_its_purpose_from_ready_and_payments_its_own():
    assert purposes.get(PURPOSE) is demo.DEPOSIT_DEMO
    assert list(purposes.registered())[:1] == [purposes.BOOKING]
    # registering the same purpose again is harmless; another under a taken code is refused
    assert purposes.register(demo.DEPOSIT_DEMO) is demo.DEPOSIT_DEMO
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        purposes.register(purposes.PaymentPurpose(code=PURPOSE, label=_("Something else")))
    with pytest.raises(ImproperlyConfigured, match="lowercase"):
        purposes.register(purposes.PaymentPurpose(code="Deal-Pay", label="x"))
    with pytest.raises(purposes.UnknownPurpose) as unknown:
        purposes.get("nope")
    assert isinstance(unknown.value, KeyError) and "deposit_demo" in str(unknown.value)
    with pytest.raises(ValidationError):
        purposes.validate_purpose("nope")
    assert purposes.get(PURPOSE) is demo.DEPOSIT_DEMO


# --- opening and checking out --------------------------------------------------------------------------------------


def test_a_charge_is_opened_and_checked_out_like_a_booking_payment(payer):
    payment = open_charge(payer, description="Dealer deposit, ACME Motors")

    assert (payment.booking_id, payment.purpose, payment.subject, payment.owner_id) == (
        None,
        PURPOSE,
        "deposit:1",
        payer.pk,
    )
    assert (payment.status, payment.amount, payment.covers, payment.discount) == (
        PaymentStatus.PENDING,
        Decimal("5000.00"),
        Decimal("5000.00"),
        Decimal("0.00"),
    )
    params = _params(payment.pay_url)
    assert '"subject":"Dealer deposit, ACME Motors"' in params["biz_content"]
    assert '"total_amount":"5000.00"' in params["biz_content"]
    assert params["return_url"] == f"http://testserver/me/deposits/?payment={payment.pk}"
    assert list(payment.events.values_list("from_status", "to_status")) == [("", "pending")]


def test_without_a_description_the_provider_shows_the_purposes_label(payer):
    payment = open_charge(payer)

    assert f'"subject":"{demo.DEPOSIT_DEMO.label}"' in _params(payment.pay_url)["biz_content"]


def test_a_retry_reuses_the_payment_whose_pay_url_was_never_given_out(payer):
    def opened(amount="5000.00"):
        return services.payment_open_for(
            purpose=PURPOSE, subject="deposit:1", payer=payer, amount=Decimal(amount), provider="sandbox"
        )

    first = opened()
    # a retry of the same charge before the provider answered: the same payment, so one trade
    assert opened().pk == first.pk
    # another amount closes it, never to be given out
    other = opened("4000.00")
    first.refresh_from_db()
    assert other.pk != first.pk and first.status == PaymentStatus.CLOSED
    # once its pay URL is out, a new attempt is a new payment and the first stays payable
    services.payment_checkout(payment=other)
    again = opened("4000.00")
    other.refresh_from_db()
    assert again.pk != other.pk and other.status == PaymentStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_attempts_at_once_open_one_payment(monkeypatch):
    payer = UserFactory()
    read = charging.read_together(monkeypatch, services, "charge_payments_unsent_lock")

    def attempt():
        return services.payment_open_for(
            purpose=PURPOSE, subject="deposit:1", payer=payer, amount=Decimal("5000.00"), provider="sandbox"
        )

    first, second = at_once(attempt, attempt)

    assert isinstance(first, Payment) and first.pk == second.pk, (first, second)
    assert read[0] == [] and [p.pk for p in read[1]] == [first.pk]
    assert Payment.objects.count() == 1


def test_a_paid_charge_opens_no_new_payment(payer):
    pay_charge(payer)

    with pytest.raises(services.ChargePaid) as paid:
        open_charge(payer)

    assert (paid.value.code, paid.value.status) == ("already_paid", 409)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"purpose": "nope"}, purposes.UnknownPurpose, id="unknown-purpose"),
        pytest.param({"purpose": purposes.BOOKING}, ValueError, id="booking-purpose"),
        pytest.param({"subject": ""}, ValueError, id="no-subject"),
        pytest.param({"subject": "x" * 65}, ValueError, id="subject-too-long"),
        pytest.param({"amount": Decimal("0")}, ValidationFailed, id="zero"),
        pytest.param({"amount": Decimal("-1")}, ValidationFailed, id="negative"),
        pytest.param({"amount": Decimal("1.005")}, ValidationFailed, id="fraction-of-a-fen"),
        pytest.param({"amount": "abc"}, ValidationFailed, id="not-a-number"),
        pytest.param({"amount": Decimal("NaN")}, ValidationFailed, id="nan"),
        pytest.param({"provider": "wechat"}, ValidationFailed, id="unknown-provider"),
    ],
)
def test_a_charge_that_cannot_be_paid_writes_nothing(payer, change, error):
    kwargs = {"purpose": PURPOSE, "subject": "deposit:1", "payer": payer, "amount": Decimal("5000.00")}
    with pytest.raises(error) as raised:
        services.payment_open_for(**{**kwargs, "provider": "sandbox", **change})
    if error is ValidationFailed:
        assert raised.value.status == 422
    assert not Payment.objects.exists()


def test_the_database_ties_a_payment_to_its_booking_or_its_charge(payer):
    booking_payment = pay(new_booking())
    charge_payment_ = open_charge(payer)
    for pk, change in [
        (booking_payment.pk, {"booking": None}),
        (booking_payment.pk, {"subject": "deal:1"}),
        (booking_payment.pk, {"purpose": PURPOSE}),
        (charge_payment_.pk, {"booking": booking_payment.booking}),
        (charge_payment_.pk, {"subject": ""}),
        (charge_payment_.pk, {"purpose": purposes.BOOKING}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.filter(pk=pk).update(**change)


# --- the money arrives ---------------------------------------------------------------------------------------------


def test_paid_the_money_is_held_for_the_charge_and_its_app_is_told(payer):
    payment = open_charge(payer)

    with recording() as emitted:
        notify(payment)

    payment.refresh_from_db()
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, True)
    settled = PurposePaymentSettled(
        payment_id=payment.pk,
        purpose=PURPOSE,
        subject="deposit:1",
        payer_id=payer.pk,
        amount=Decimal("5000.00"),
        applied=True,
    )
    assert emitted == [settled]
    # delivered durably to the purpose's app, and the outbox row gone
    assert demo.received == [settled]
    assert not EventDelivery.objects.exists()
    entry = JournalEntry.objects.get(payment=payment)
    assert (entry.kind, entry.purpose, entry.subject, entry.booking_id) == (
        EntryKind.PAYMENT,
        PURPOSE,
        "deposit:1",
        None,
    )
    assert entry_lines(entry) == {CLEARING: Decimal("5000.00"), HELD: Decimal("-5000.00")}
    assert charge_held(purpose=PURPOSE, subject="deposit:1") == Decimal("5000.00")
    assert charge_payment(purpose=PURPOSE, subject="deposit:1") == payment
    assert mismatches() == []


def test_a_notification_with_another_amount_changes_nothing(payer):
    payment = open_charge(payer)
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=Decimal("1.00"), trade_status="TRADE_SUCCESS"
    )

    with pytest.raises(services.BadNotification):
        services.notification_receive(provider="sandbox", params=params)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not payment.applied
    assert PaymentAlert.objects.get(payment=payment).code == "amount_mismatch"
    assert not JournalEntry.objects.exists() and demo.received == []
    assert charge_held(purpose=PURPOSE, subject="deposit:1") == Decimal("0.00")


def test_a_repeated_notification_changes_nothing(payer):
    payment = pay_charge(payer)

    notify(payment)
    notify(payment)

    assert JournalEntry.objects.filter(payment=payment).count() == 1
    assert len(demo.received) == 1
    assert list(payment.events.values_list("to_status", flat=True)) == ["pending", "succeeded"]
    assert mismatches() == []


def test_money_for_a_closed_trade_still_pays_an_unpaid_charge(payer):
    payment = open_charge(payer)
    closed = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_CLOSED"
    )
    services.notification_receive(provider="sandbox", params=closed)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED

    notify(payment)

    payment.refresh_from_db()
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, True)
    assert mismatches() == []


def test_a_second_payment_of_a_paid_charge_is_refunded_in_full(payer):
    # given: the payer opened two trades for one charge (both pay URLs were given out) and paid both
    first = open_charge(payer)
    second = open_charge(payer)
    assert first.pk != second.pk
    notify(first)

    with recording() as emitted:
        notify(second)

    second.refresh_from_db()
    assert (second.status, second.applied) == (PaymentStatus.SUCCEEDED, False)
    refund = Refund.objects.get(payment=second)
    assert (refund.amount, refund.reason, refund.cause, refund.booking_id) == (
        Decimal("5000.00"),
        "duplicate",
        f"unapplied:{second.pk}",
        None,
    )
    assert [e.applied for e in emitted if isinstance(e, PurposePaymentSettled)] == [False]
    # what the charge holds is the first payment's alone
    assert charge_held(purpose=PURPOSE, subject="deposit:1") == Decimal("5000.00")

    with recording() as emitted:
        execute_charge_refunds(second)

    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert emitted == [
        PurposeRefundIssued(
            refund_id=refund.pk,
            payment_id=second.pk,
            purpose=PURPOSE,
            subject="deposit:1",
            amount=Decimal("5000.00"),
            reason="duplicate",
            cause=f"unapplied:{second.pk}",
        )
    ]
    entry = JournalEntry.objects.get(refund=refund)
    assert (entry.kind, entry.purpose, entry.subject) == (EntryKind.REFUND, PURPOSE, "deposit:1")
    assert entry_lines(entry) == {HELD: Decimal("5000.00"), CLEARING: Decimal("-5000.00")}
    assert mismatches() == []


def test_booking_payments_are_unchanged_beside_purpose_payments(payer):
    booking = new_booking()

    payment = pay(booking)
    pay_charge(payer)

    assert (payment.purpose, payment.subject, payment.booking_id) == (purposes.BOOKING, "", booking.pk)
    booking.refresh_from_db()
    assert booking.amount_paid == payment.covers
    entry = JournalEntry.objects.get(payment=payment)
    assert (entry.purpose, entry.subject) == ("", "")
    assert set(entry_lines(entry)) == {CLEARING, "owner_funds_held"}
    assert mismatches() == []


# --- the payer's view ----------------------------------------------------------------------------------------------


def test_the_payer_reads_the_payment_and_no_one_else_does(payer, make_client):
    payment = pay_charge(payer)

    response = make_client(payer).get(f"payments/{payment.pk}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["booking_id"], body["purpose"], body["subject"], body["amount"], body["status"]) == (
        None,
        PURPOSE,
        "deposit:1",
        "5000.00",
        "succeeded",
    )
    other = make_client(UserFactory())
    assert other.get(f"payments/{payment.pk}").status_code == 404
    assert other.post(f"payments/sandbox/{payment.pk}/simulate", {"result": "success"}).status_code == 404


def test_the_payer_can_have_the_sandbox_settle_it(payer, make_client):
    payment = open_charge(payer)

    response = make_client(payer).post(f"payments/sandbox/{payment.pk}/simulate", {"result": "success"})

    assert response.status_code == 200, response.json()
    assert response.json() == {"payment_id": payment.pk, "result": "success", "delivery": "queued"}


def test_a_booking_payment_still_answers_its_booking(owner, owner_client):
    booking = new_booking(owner=owner)
    payment = pay(booking)

    body = owner_client.get(f"payments/{payment.pk}").json()

    assert (body["booking_id"], body["purpose"], body["subject"]) == (booking.pk, "booking", "")
