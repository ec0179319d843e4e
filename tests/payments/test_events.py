"""The payments services emit PaymentSettled and RefundIssued; what payments does on the bookings events runs once
even when a reaction is delivered again."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings import services as booking_services
from bookings.events import BookingCancelled
from chefu.events import recording
from payments.events import PaymentSettled, RefundIssued
from payments.models import Refund
from payments.subscribers import booking_called_off_fee_earn, booking_called_off_refund
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

    booking_called_off_refund(event)
    booking_called_off_fee_earn(event)

    assert refunds == [(refunds[0][0], Decimal("239.20"))]
    assert list(Refund.objects.filter(booking=booking).values_list("pk", "amount")) == refunds
    assert earned_lines(booking) == earned
