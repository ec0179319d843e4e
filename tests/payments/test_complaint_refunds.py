"""``services.refund_for_complaint``: the refund the quality app's complaint resolution will ask for."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from chefu.errors import ValidationFailed
from payments import services
from payments.models import Refund
from payments.reconciliation import mismatches
from payments.settlements import statements_issue
from tests.payments.test_settlements import complete, execute_refunds, new_booking, notify, open_payment, pay

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def done():
    """A completed booking the owner paid ¥299.00 for."""
    booking = new_booking()
    pay(booking)
    return complete(booking)


def test_a_partial_refund_goes_back_to_the_owner_and_is_charged_to_the_store(done):
    [refund] = services.refund_for_complaint(booking_id=done.pk, amount=Decimal("100.00"), complaint="7")
    assert (refund.amount, refund.reason, refund.cause) == (Decimal("100.00"), "complaint", "complaint:7")
    execute_refunds(done)
    statements_issue(day=timezone.localdate())
    assert done.store.statements.get().refunds == Decimal("100.00")
    assert mismatches() == []


def test_asking_again_for_the_same_complaint_decides_nothing_new(done):
    first = services.refund_for_complaint(booking_id=done.pk, amount=Decimal("100.00"), complaint="7")
    again = services.refund_for_complaint(booking_id=done.pk, amount=Decimal("250.00"), complaint="7")
    assert [r.pk for r in again] == [r.pk for r in first] and Refund.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-1", "299.01", "10.005"])
def test_never_more_than_was_paid_and_never_nonsense(done, amount):
    with pytest.raises(ValidationFailed) as refused:
        services.refund_for_complaint(booking_id=done.pk, amount=Decimal(amount), complaint="7")
    assert "refund_amount" in refused.value.details["fields"]
    assert not Refund.objects.exists()


def test_what_was_refunded_before_counts(done):
    services.refund_for_complaint(booking_id=done.pk, amount=Decimal("299.00"), complaint="1")
    with pytest.raises(ValidationFailed):
        services.refund_for_complaint(booking_id=done.pk, amount=Decimal("0.01"), complaint="2")


def test_a_refund_spans_payments_the_latest_first():
    from bookings import services as booking_services
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    booking = new_booking()
    quote = pay(booking)
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=booking.owner)
    extra = pay(booking)
    booking_services.booking_start(booking_id=booking.pk, by=staff)
    booking_services.booking_complete(booking_id=booking.pk, by=staff)
    refunds = services.refund_for_complaint(booking_id=booking.pk, amount=Decimal("350.00"), complaint="9")
    assert [(r.payment_id, r.amount) for r in refunds] == [(extra.pk, Decimal("80.00")), (quote.pk, Decimal("270.00"))]


def test_a_coupon_discount_is_not_refundable_cash():
    from tests.payments.test_coupons import make_coupon

    make_coupon()
    booking = new_booking()
    notify(open_payment(booking, coupon="NEW30"))
    complete(booking)
    assert services.refundable(booking) == Decimal("269.00")
    with pytest.raises(ValidationFailed):
        services.refund_for_complaint(booking_id=booking.pk, amount=Decimal("270.00"), complaint="1")


@pytest.mark.django_db(transaction=True)
def test_two_complaints_at_once_cannot_refund_more_than_was_paid():
    booking = new_booking()
    pay(booking)
    complete(booking)
    barrier = threading.Barrier(2)
    outcomes = []

    def resolve(ref):
        try:
            barrier.wait()
            services.refund_for_complaint(booking_id=booking.pk, amount=Decimal("200.00"), complaint=ref)
            outcomes.append("refunded")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resolve, args=(str(n),)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["refunded", "refused"]
    assert Refund.objects.count() == 1


def test_not_while_the_booking_is_live():
    booking = new_booking()
    pay(booking)
    with pytest.raises(Exception) as refused:
        services.refund_for_complaint(booking_id=booking.pk, amount=Decimal("100.00"), complaint="1")
    assert refused.value.code == "booking_not_ended" and not Refund.objects.exists()
