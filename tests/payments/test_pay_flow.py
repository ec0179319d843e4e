"""Paying a booking through the sandbox, the provider's notifications, and refunds from cancellation."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from notifications.models import Message
from payments import ledger, services
from payments.models import JournalEntry, Payment, PaymentAlert, Refund
from payments.providers.base import provider_get
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.conftest import ApiClient, error_code, issue_token

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))


def _pay(client, booking, **headers) -> dict:
    response = client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}, headers=headers or None)
    assert response.status_code == 201, response.json()
    return response.json()


def _notify(api, payment: Payment, *, trade_status="TRADE_SUCCESS", amount=None, **overrides):
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=amount or payment.amount, trade_status=trade_status
    )
    params.update(overrides)
    return api._client.post("/api/v1/payments/notify/sandbox", params)


def test_paying_opens_a_payment_for_what_is_owed(owner_client, booking):
    body = _pay(owner_client, booking)
    assert body["provider"] == "sandbox" and body["amount"] == "299.00" and body["status"] == "pending"
    assert body["pay_url"].startswith("http")
    payment = Payment.objects.get(pk=body["payment_id"])
    assert (payment.covers, payment.covers_from, payment.applied) == (Decimal("299.00"), Decimal("0.00"), False)


def test_pay_refusals(owner_client, booking, make_client):
    from tests.factories import UserFactory

    assert make_client(UserFactory()).post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}).status_code == 404
    response = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "paypal"})
    assert response.status_code == 422
    assert not Payment.objects.exists()


def test_a_valid_notification_confirms_the_booking_once(api, owner_client, booking):
    payment = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    # when
    first = _notify(api, payment)
    again = _notify(api, payment)
    # then
    assert first.status_code == again.status_code == 200
    assert first.content == again.content == b"success"
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == Decimal("299.00")
    assert payment.status == "succeeded" and payment.applied and payment.trade_no
    assert JournalEntry.objects.filter(payment=payment).count() == 1
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == Decimal("-299.00")
    assert ledger.trial_balance() == 0
    # and then nothing is owed
    response = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert response.status_code == 409 and error_code(response) == "nothing_due"


@pytest.mark.parametrize(
    "case",
    ["forged", "tampered_amount", "unknown_trade", "amount_mismatch"],
)
def test_bad_notifications_change_nothing(api, owner_client, booking, case):
    payment = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    if case == "forged":
        response = _notify(api, payment, sign="AAAA" + "B" * 340)
    elif case == "tampered_amount":
        response = _notify(api, payment, total_amount="1.00")
    elif case == "unknown_trade":
        params = provider_get("sandbox").build_notification(
            out_trade_no="NOPE", amount=payment.amount, trade_status="TRADE_SUCCESS"
        )
        response = api._client.post("/api/v1/payments/notify/sandbox", params)
    else:
        response = _notify(api, payment, amount=Decimal("1.00"))
    assert response.status_code == 400
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT and booking.amount_paid == 0 and payment.status == "pending"
    assert not JournalEntry.objects.exists()
    assert PaymentAlert.objects.filter(code="amount_mismatch").exists() == (case == "amount_mismatch")


def test_a_payment_after_expiry_is_refunded_in_full(api, owner_client, booking, django_capture_on_commit_callbacks):
    payment = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before)
    with django_capture_on_commit_callbacks(execute=False):
        assert _notify(api, payment).content == b"success"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == "succeeded" and not payment.applied
    assert booking.status == BookingStatus.EXPIRED and booking.amount_paid == 0
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.reason, refund.status) == (Decimal("299.00"), "late_payment", "pending")
    told = Message.objects.get(recipient=booking.owner, template="payment_refunded", channel="sms")
    assert "¥299.00" in told.body and str(booking.pk) in told.body
    assert services.refund_execute(refund_id=refund.pk) == "succeeded"
    assert ledger.balance(ledger.provider_account("sandbox")) == 0 and ledger.trial_balance() == 0


def test_cancelling_a_paid_booking_refunds_what_the_policy_leaves(api, owner_client, owner, booking):
    payment = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    _notify(api, payment)
    response = owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": "改天"})
    assert response.json()["cancellation"]["refund_due"] == "299.00"
    refund = Refund.objects.get(booking=booking)
    assert (refund.amount, refund.reason) == (Decimal("299.00"), "owner_cancelled")
    services.refund_execute(refund_id=refund.pk)
    assert services.refund_execute(refund_id=refund.pk) == "succeeded"  # again: nothing more
    assert JournalEntry.objects.filter(refund=refund).count() == 1
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0


def test_a_refund_is_never_more_than_was_paid(api, owner_client, booking):
    payment = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    _notify(api, payment)
    payment.refresh_from_db()
    services.refund_request(payment=payment, amount=Decimal("200.00"), reason="complaint", cause="complaint:1")
    from django.db import IntegrityError, InternalError, transaction

    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        services.refund_request(payment=payment, amount=Decimal("100.00"), reason="complaint", cause="complaint:2")
    # the same cause again is the same refund, not a second one
    again = services.refund_request(payment=payment, amount=Decimal("200.00"), reason="complaint", cause="complaint:1")
    assert Refund.objects.filter(payment=payment).count() == 1 and again.amount == Decimal("200.00")


@pytest.mark.django_db(transaction=True)
def test_three_duplicate_notifications_at_once_make_one_transition(owner):
    from tests.conftest import issue_token

    booking = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))
    payment = Payment.objects.get(pk=_pay(ApiClient(issue_token(owner)), booking)["payment_id"])
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    barrier = threading.Barrier(3)
    answers = []

    def deliver():
        try:
            barrier.wait()
            answers.append(ApiClient()._client.post("/api/v1/payments/notify/sandbox", params).content)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [b"success"] * 3
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == Decimal("299.00")
    assert booking.events.filter(to_status=BookingStatus.CONFIRMED).count() == 1
    assert JournalEntry.objects.filter(payment=payment).count() == 1


def test_approved_extra_work_is_paid_as_a_second_payment(api, owner_client, owner, booking):
    from bookings.checklists import checklist_answer
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    _notify(api, Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"]))
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    assert owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"}).status_code == 409  # not yet
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)
    booking_services.booking_start(booking_id=booking.pk, by=staff)
    required = [i["code"] for i in Booking.objects.get(pk=booking.pk).checklist if i.get("required")]
    checklist_answer(booking_id=booking.pk, by=staff, items=[{"code": c, "result": "pass"} for c in required])
    # the job cannot be completed before the extra work is paid
    staff_client = ApiClient(issue_token(staff))
    refused = staff_client.post(f"partner/bookings/{booking.pk}/complete")
    assert refused.status_code == 409 and error_code(refused) == "payment_due"
    assert refused.json()["error"]["details"]["owed"] == "80.00"
    second = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    assert (second.amount, second.covers_from) == (Decimal("80.00"), Decimal("299.00"))
    _notify(api, second)
    booking.refresh_from_db()
    assert booking.amount_paid == Decimal("379.00") and booking.status == BookingStatus.IN_SERVICE
    assert Booking.objects.get(pk=booking.pk).payments.filter(applied=True).count() == 2
    assert staff_client.post(f"partner/bookings/{booking.pk}/complete").status_code == 200


def test_the_booking_lists_its_refunds_apart_from_what_was_paid(api, owner_client, booking):
    _notify(api, Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"]))
    owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": ""})
    services.refund_execute(refund_id=Refund.objects.get(booking=booking).pk)
    body = owner_client.get(f"bookings/{booking.pk}").json()
    assert body["amount_paid"] == "299.00"
    assert [(r["amount"], r["status"], r["reason"]) for r in body["refunds"]] == [
        ("299.00", "succeeded", "owner_cancelled")
    ]


def test_a_no_show_keeps_the_late_fee_and_refunds_the_rest(api, owner_client, booking):
    from tests.bookings.floor_fixtures import staff_of

    _notify(api, Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"]))
    booking.refresh_from_db()
    staff = staff_of(booking.store)
    after_start = booking.start + dt.timedelta(minutes=30)
    booking_services.booking_no_show(booking_id=booking.pk, by=staff, now=after_start)
    booking.refresh_from_db()
    assert (booking.cancellation_fee, booking.refund_due) == (Decimal("59.80"), Decimal("239.20"))
    refund = Refund.objects.get(booking=booking)
    assert (refund.amount, refund.reason) == (Decimal("239.20"), "no_show")
    services.refund_execute(refund_id=refund.pk)
    # what stays held is the fee, and the store and the platform have earned it
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert -ledger.balance(ledger.store_account(booking.store)) - ledger.balance(
        ledger.account(ledger.PLATFORM_COMMISSION)
    ) == Decimal("59.80")
    assert ledger.trial_balance() == 0


def test_an_expired_booking_can_no_longer_be_paid(owner_client, booking):
    booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before)
    response = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert response.status_code == 409 and error_code(response) == "booking_not_payable"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("ending", ["expired", "cancelled"])
def test_an_ended_booking_owes_nothing(owner_client, booking, ending):
    """amount_owed is what POST /pay would charge: nothing once the booking can no longer be paid, though the quote
    was never paid."""
    # given a live booking, its quote unpaid
    live = owner_client.get(f"bookings/{booking.pk}").json()
    assert (live["status"], live["amount_due"], live["amount_paid"], live["amount_owed"]) == (
        "pending_payment",
        "299.00",
        "0.00",
        "299.00",
    )
    assert owner_client.get(f"bookings/{booking.pk}/coupons").json()["owed"] == "299.00"

    # when it ends unpaid
    if ending == "expired":
        booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before)
    else:
        assert owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": "改天"}).status_code == 200

    # then it still cost its quote, but nothing is owed, in the detail, the list and the coupon offers
    body = owner_client.get(f"bookings/{booking.pk}").json()
    assert (body["status"], body["amount_due"], body["amount_paid"], body["amount_owed"]) == (
        ending,
        "299.00",
        "0.00",
        "0.00",
    )
    assert owner_client.get("bookings").json()["items"][0]["amount_owed"] == "0.00"
    assert owner_client.get(f"bookings/{booking.pk}/coupons").json() == {"owed": "0.00", "held": None, "coupons": []}


def test_paying_twice_with_one_key_opens_one_payment(owner_client, booking):
    first = _pay(owner_client, booking, **{"Idempotency-Key": "pay-1"})
    again = _pay(owner_client, booking, **{"Idempotency-Key": "pay-1"})
    assert first == again and Payment.objects.count() == 1


def test_a_payment_refunded_as_a_duplicate_still_counts_as_paid_and_is_never_owed_again(
    api, owner_client, owner, booking
):
    """API.md: amount_paid is the sum of succeeded payments, refunds listed apart and never subtracted. The owner
    paid the same ¥299 twice (two pay pages open): both payments succeeded, the second is refunded in full, and
    the booking shows ¥598 paid beside that refund. What is owed counts only what settled the booking, so the
    refunded money is never taken as paying for extra work, and nothing is charged twice."""
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    # given: two payments of the same slice, both paid
    first = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    second = Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])
    assert _notify(api, first).content == _notify(api, second).content == b"success"
    services.refund_execute(refund_id=Refund.objects.get(payment=second).pk)
    # when
    body = owner_client.get(f"bookings/{booking.pk}").json()
    # then
    statuses = [owner_client.get(f"payments/{p.pk}").json()["status"] for p in (first, second)]
    assert statuses == ["succeeded", "succeeded"]
    assert (body["amount_due"], body["amount_paid"], body["amount_owed"]) == ("299.00", "598.00", "0.00")
    assert [(r["amount"], r["status"], r["reason"]) for r in body["refunds"]] == [("299.00", "succeeded", "duplicate")]
    refused = owner_client.post(f"bookings/{booking.pk}/pay", {"provider": "sandbox"})
    assert refused.status_code == 409 and error_code(refused) == "nothing_due"
    # and extra work approved later is owed in full: the duplicate went back to the owner
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)
    body = owner_client.get(f"bookings/{booking.pk}").json()
    assert (body["amount_due"], body["amount_paid"], body["amount_owed"]) == ("379.00", "598.00", "80.00")
    extra = _pay(owner_client, booking)
    assert extra["amount"] == "80.00"
    _notify(api, Payment.objects.get(pk=extra["payment_id"]))
    body = owner_client.get(f"bookings/{booking.pk}").json()
    assert (body["amount_due"], body["amount_paid"], body["amount_owed"]) == ("379.00", "678.00", "0.00")
