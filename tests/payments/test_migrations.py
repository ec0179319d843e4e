"""payments' data migrations, run forward on rows written before them."""

from decimal import Decimal

import pytest
from django.utils import timezone

from payments.models import Refund, RefundEvent
from payments.services import refund_request
from tests.migrator import migrator
from tests.payments.test_settlements import new_booking, pay

BEFORE_REFUND_TIMELINE = [("payments", "0010_booking_amount_unapplied")]
REFUND_TIMELINE = [("payments", "0011_refund_timeline")]


@pytest.mark.slow  # unapplies the migrations of every app that depends on this one, then applies them again
@pytest.mark.django_db(transaction=True)
def test_refunds_made_before_the_timeline_get_theirs():
    # given three refunds, one still pending, one paid back and one the provider refused
    payment = pay(new_booking())
    refunds = {
        status: refund_request(
            payment=payment, amount=Decimal("10.00"), reason="complaint", cause=f"complaint:{status}"
        )
        for status in ("pending", "succeeded", "failed")
    }
    for status in ("succeeded", "failed"):
        Refund.objects.filter(pk=refunds[status].pk).update(status=status, completed_at=timezone.now())
    with migrator() as schema:
        schema.to(BEFORE_REFUND_TIMELINE)

        # when
        schema.to(REFUND_TIMELINE)

        # then each has the rows the transition service would have written
        def timeline(refund):
            rows = RefundEvent.objects.filter(refund_id=refund.pk).order_by("at", "id")
            return [(e.from_status, e.to_status) for e in rows]

        assert timeline(refunds["pending"]) == [("", "pending")]
        assert timeline(refunds["succeeded"]) == [("", "pending"), ("pending", "succeeded")]
        assert timeline(refunds["failed"]) == [("", "pending"), ("pending", "failed")]
        decided = RefundEvent.objects.get(refund_id=refunds["pending"].pk)
        assert (decided.reason, decided.details) == ("complaint", {"cause": "complaint:pending"})


BEFORE_PURPOSES = [("payments", "0012_rework_charges")]
PURPOSES = [("payments", "0013_payment_purposes")]


@pytest.mark.slow  # unapplies the migrations of every app that depends on this one, then applies them again
@pytest.mark.django_db(transaction=True)
def test_payments_made_before_purposes_are_a_bookings():
    # given a booking paid, and refunded in part, before payments had purposes
    payment = pay(new_booking())
    refund_request(payment=payment, amount=Decimal("10.00"), reason="complaint", cause="complaint:1")
    with migrator() as schema:
        schema.to(BEFORE_PURPOSES)

        # when
        models = schema.to(PURPOSES)

        # then each payment is its booking's, its refunds and entries as they were
        old = models.get_model("payments", "Payment").objects.get(pk=payment.pk)
        assert (old.purpose, old.subject, old.description, old.booking_id) == ("booking", "", "", payment.booking_id)
        refund = models.get_model("payments", "Refund").objects.get(payment_id=payment.pk)
        assert refund.booking_id == payment.booking_id
        entry = models.get_model("payments", "JournalEntry").objects.get(payment_id=payment.pk)
        assert (entry.purpose, entry.subject, entry.cause, entry.payout_id) == ("", "", "", None)
