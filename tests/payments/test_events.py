"""The payments services emit PaymentSettled and RefundIssued; what payments does on the bookings events runs once
even when a reaction is delivered again."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings import services as booking_services
from bookings.events import BookingCancelled
from chefu import events
from chefu.events import recording
from payments.events import PaymentSettled, RefundIssued
from payments.models import EntryKind, JournalEntry, Refund
from payments.subscribers import booking_called_off_settle
from tests.payments.test_settlements import earned_lines, execute_refunds, new_booking, pay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def test_a_notification_emits_payment_settled():
    booking = new_booking()

    with recording() as emitted:
        payment = pay(booking)

    assert PaymentSettled(payment_id=payment.pk, booking_id=booking.pk, amount=payment.amount, applied=True) in emitted


def test_a_refund_paid_back_emits_refund_issued():
    booking = new_booking()
    pay(booking)
    booking_services.booking_cancel(booking_id=booking.pk, by=None, reason="x", by_store=True)
    [refund] = Refund.objects.filter(booking=booking)

    with recording() as emitted:
        execute_refunds(booking)

    assert emitted == [
        RefundIssued(
            refund_id=refund.pk,
            payment_id=refund.payment_id,
            booking_id=booking.pk,
            amount=Decimal("299.00"),
            reason="store_cancelled",
        )
    ]


def test_a_called_off_booking_delivered_twice_is_refunded_and_earned_once():
    booking = new_booking()
    pay(booking)
    booking.refresh_from_db()
    booking_services.booking_cancel(
        booking_id=booking.pk, by=booking.owner, reason="late", now=booking.cancel_free_until + dt.timedelta(minutes=1)
    )
    booking.refresh_from_db()
    event = BookingCancelled(
        booking_id=booking.pk, by_store=False, cancellation_fee=booking.cancellation_fee, refund_due=booking.refund_due
    )
    refunds = list(Refund.objects.filter(booking=booking).values_list("pk", "amount"))
    earned = earned_lines(booking)

    booking_called_off_settle(event)

    assert refunds == [(refunds[0][0], Decimal("239.20"))]
    assert list(Refund.objects.filter(booking=booking).values_list("pk", "amount")) == refunds
    assert earned_lines(booking) == earned


def test_the_fee_is_earned_with_the_refund_never_before_it(monkeypatch):
    """Refund and fee are one reaction: when deciding the refund fails, nothing is earned either, and the retry
    decides both, so the store is never charged for the cancellation's refund (settlements charges a store for the
    refunds decided after its earning)."""
    from chefu.models import EventDelivery
    from payments import subscribers

    booking = new_booking()
    pay(booking)
    booking.refresh_from_db()
    real = subscribers.refunds_for_cancelled_booking

    def provider_hiccup(*, booking):
        raise RuntimeError("the refund could not be decided this time")

    monkeypatch.setattr(subscribers, "refunds_for_cancelled_booking", provider_hiccup)
    booking_services.booking_cancel(
        booking_id=booking.pk, by=booking.owner, reason="late", now=booking.cancel_free_until + dt.timedelta(minutes=1)
    )
    assert not Refund.objects.filter(booking=booking).exists()
    assert not JournalEntry.objects.filter(booking=booking, kind=EntryKind.EARNED).exists()
    assert EventDelivery.objects.filter(subscriber="payments.subscribers.booking_called_off_settle").count() == 1

    monkeypatch.setattr(subscribers, "refunds_for_cancelled_booking", real)
    delivery = EventDelivery.objects.get(subscriber="payments.subscribers.booking_called_off_settle")
    EventDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert events.deliveries_retry_due() >= 1

    assert list(Refund.objects.filter(booking=booking).values_list("amount", flat=True)) == [Decimal("239.20")]
    assert earned_lines(booking)
