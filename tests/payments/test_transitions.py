"""The payment's and the refund's state machines: every move goes through one transition service that checks it
against the map beside the status and appends a timeline row; a move the map does not list writes nothing."""

import datetime as dt

import pytest
from django.db import transaction

from payments import services
from payments.lock_objects import payment_lock, refund_lock
from payments.models import (
    PAYMENT_TRANSITIONS,
    REFUND_TRANSITIONS,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundEvent,
    RefundStatus,
)
from payments.providers.base import provider_get
from payments.providers.sandbox import REFUSE_MARKER
from tests.bookings.conftest import book, local, make_shop, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))


def _pay(client, booking) -> Payment:
    response = client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert response.status_code == 201, response.json()
    return Payment.objects.get(pk=response.json()["payment_id"])


def _notify(api, payment: Payment, trade_status="TRADE_SUCCESS"):
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status=trade_status
    )
    return api._client.post("/api/v1/payments/notify/sandbox", params)


def _timeline(obj) -> list[tuple[str, str]]:
    return list(obj.events.order_by("at", "id").values_list("from_status", "to_status"))


def test_every_status_has_its_moves_and_the_ends_have_none():
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus.values)
    assert set(REFUND_TRANSITIONS) == set(RefundStatus.values)
    assert PAYMENT_TRANSITIONS[PaymentStatus.SUCCEEDED] == frozenset()
    assert REFUND_TRANSITIONS[RefundStatus.SUCCEEDED] == REFUND_TRANSITIONS[RefundStatus.FAILED] == frozenset()


@pytest.mark.parametrize(
    ("start", "to"),
    [(start, to) for start in PaymentStatus.values for to in PaymentStatus.values],
)
def test_payment_transition_follows_the_map(owner_client, booking, start, to):
    # given a payment in ``start`` (set in SQL: how it got there is not the point)
    payment = _pay(owner_client, booking)
    Payment.objects.filter(pk=payment.pk).update(
        status=start, trade_no="T1" if start == PaymentStatus.SUCCEEDED else None, succeeded_at=booking.start
    )
    events = PaymentEvent.objects.count()
    with transaction.atomic():
        locked = payment_lock(payment.pk)
        if start == PaymentStatus.SUCCEEDED or to == PaymentStatus.SUCCEEDED:
            locked.trade_no, locked.succeeded_at = "T1", booking.start
        # when
        if to in PAYMENT_TRANSITIONS[start]:
            services.payment_transition(
                payment=locked, to=to, reason="test", details={"k": "v"}, fields=("trade_no", "succeeded_at")
            )
            # then
            payment.refresh_from_db()
            event = PaymentEvent.objects.filter(payment=payment).latest("id")
            assert payment.status == to
            assert (event.from_status, event.to_status, event.reason, event.details) == (start, to, "test", {"k": "v"})
        else:
            with pytest.raises(services.InvalidPaymentTransition) as refused:
                services.payment_transition(payment=locked, to=to)
            assert refused.value.code == "invalid_transition"
            assert refused.value.details == {"from": start, "to": to, "payment_id": payment.pk}
            payment.refresh_from_db()
            assert payment.status == start and PaymentEvent.objects.count() == events


def test_a_paid_payment_leaves_its_timeline(api, owner_client, booking):
    payment = _pay(owner_client, booking)
    assert _notify(api, payment).content == b"success"
    assert _timeline(payment) == [("", "pending"), ("pending", "succeeded")]


def test_money_for_a_closed_trade_is_recorded_and_refunded(api, owner_client, booking):
    """The provider closed the trade, then the payer paid it after all: the money is recorded (closed → succeeded)
    and refunded in full, since a newer payment or nothing at all is what the booking expects."""
    payment = _pay(owner_client, booking)
    assert _notify(api, payment, "TRADE_CLOSED").content == b"success"
    assert _notify(api, payment).content == b"success"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert _timeline(payment) == [("", "pending"), ("pending", "closed"), ("closed", "succeeded")]


def _cancelled_after_paying(api, owner_client, booking) -> Refund:
    payment = _pay(owner_client, booking)
    _notify(api, payment)
    assert owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": "改天"}).status_code == 200
    return Refund.objects.get(booking=booking)


def test_a_refund_leaves_its_timeline_from_decision_to_payout(api, owner_client, booking):
    refund = _cancelled_after_paying(api, owner_client, booking)
    decided = refund.events.get()
    assert (decided.from_status, decided.to_status, decided.reason) == ("", "pending", "owner_cancelled")
    assert decided.details == {"cause": f"called_off:{booking.pk}"}
    # when the provider pays it back, twice (the task ran again)
    assert services.refund_execute(refund_id=refund.pk) == "succeeded"
    assert services.refund_execute(refund_id=refund.pk) == "succeeded"
    # then one more row, not two
    assert _timeline(refund) == [("", "pending"), ("pending", "succeeded")]


def test_a_refund_the_provider_refuses_fails_once(api, owner_client, booking):
    refund = _cancelled_after_paying(api, owner_client, booking)
    Refund.objects.filter(pk=refund.pk).update(out_request_no=f"{refund.out_request_no}{REFUSE_MARKER}")
    assert services.refund_execute(refund_id=refund.pk) == "failed"
    assert _timeline(refund) == [("", "pending"), ("pending", "failed")]
    with transaction.atomic(), pytest.raises(services.InvalidRefundTransition):
        services.refund_transition(refund=refund_lock(refund.pk), to=RefundStatus.SUCCEEDED)
    assert RefundEvent.objects.filter(refund=refund).count() == 2
