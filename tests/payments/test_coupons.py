"""Platform-funded coupons: applied at pay time, limited per owner and by budget, returned when not spent."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connections, transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import BookingStatus
from payments import coupons, ledger, services
from payments.models import Coupon, CouponKind, CouponRedemption, JournalEntry, Payment, Refund
from payments.providers.base import provider_get
from payments.reconciliation import mismatches
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.conftest import ApiClient, error_code, issue_token

# Services called directly commit as in production: their events reach payments and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def make_coupon(code="NEW30", *, kind=CouponKind.AMOUNT, value="30.00", **fields) -> Coupon:
    now = timezone.now()
    defaults = {
        "name": "新客立减",
        "min_spend": Decimal("100.00"),
        "valid_from": now - dt.timedelta(days=1),
        "valid_until": now + dt.timedelta(days=30),
        "per_user_limit": 1,
        "budget": Decimal("10000.00"),
    }
    defaults.update(fields)
    return Coupon.objects.create(code=code, kind=kind, value=Decimal(value), **defaults)


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(price="299.00"), local(tomorrow() + dt.timedelta(days=2), 10))


def _pay(client, booking, coupon=None, **headers):
    body = {"provider": "sandbox"} | ({"coupon": coupon} if coupon is not None else {})
    return client.post(f"bookings/{booking.pk}/pay", body, headers=headers or None)


def _notify(payment: Payment, *, amount=None):
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=amount or payment.amount, trade_status="TRADE_SUCCESS"
    )
    return ApiClient()._client.post("/api/v1/payments/notify/sandbox", params)


def _paid_with(client, booking, code) -> Payment:
    response = _pay(client, booking, code)
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(pk=response.json()["payment_id"])
    assert _notify(payment).content == b"success"
    payment.refresh_from_db()
    return payment


def _spent(coupon) -> Decimal:
    coupon.refresh_from_db()
    return coupon.spent


# --- What a coupon takes off ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "cap", "due", "expected"),
    [
        (CouponKind.AMOUNT, "30.00", None, "299.00", "30.00"),
        (CouponKind.AMOUNT, "30.00", None, "20.00", "19.99"),  # never the whole bill: ¥0.01 is still charged
        (CouponKind.PERCENT, "15", None, "299.00", "44.85"),
        (CouponKind.PERCENT, "10", None, "0.15", "0.02"),  # 0.015 rounds half-up
        (CouponKind.PERCENT, "15", "40.00", "299.00", "40.00"),
    ],
)
def test_the_discount(kind, value, cap, due, expected):
    coupon = Coupon(kind=kind, value=Decimal(value), max_discount=Decimal(cap) if cap else None)
    assert coupons.discount_for(coupon, Decimal(due)) == Decimal(expected)


# --- Paying with one -----------------------------------------------------------------------------------------


def test_paying_with_a_coupon_charges_less_and_the_platform_funds_the_rest(owner_client, booking):
    coupon = make_coupon()
    # when the owner pays with the code, in lower case
    response = _pay(owner_client, booking, "new30")
    # then the provider is asked for the price less the discount
    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["discount"], body["covers"], body["coupon"]) == ("269.00", "30.00", "299.00", "NEW30")
    assert _spent(coupon) == Decimal("30.00")
    payment = Payment.objects.get(pk=body["payment_id"])
    # and when the money arrives, the booking is paid in full
    assert _notify(payment).content == b"success"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.amount_paid == Decimal("299.00")
    # the books: 269 from the provider, 30 from the coupon budget, 299 held for the owner
    assert ledger.balance(ledger.provider_account("sandbox")) == Decimal("269.00")
    assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) == Decimal("30.00")
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == Decimal("-299.00")
    assert CouponRedemption.objects.get().status == "used"
    assert mismatches() == []
    # and the payment shows its coupon
    detail = owner_client.get(f"payments/{payment.pk}").json()
    assert (detail["amount"], detail["discount"], detail["coupon"]) == ("269.00", "30.00", "NEW30")
    # and so does the booking
    shown = owner_client.get(f"bookings/{booking.pk}").json()["coupon"]
    assert shown == {"code": "NEW30", "name": "新客立减", "discount": "30.00", "status": "used"}


def test_a_percentage_coupon_with_a_cap(owner_client, booking):
    make_coupon("JIU", kind=CouponKind.PERCENT, value="15", max_discount=Decimal("40.00"))
    assert _pay(owner_client, booking, "JIU").json()["amount"] == "259.00"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "NOSUCH"),
        (
            {"valid_from": timezone.now() + dt.timedelta(days=1), "valid_until": timezone.now() + dt.timedelta(days=2)},
            "NEW30",
        ),
        (
            {"valid_from": timezone.now() - dt.timedelta(days=2), "valid_until": timezone.now() - dt.timedelta(days=1)},
            "NEW30",
        ),
        ({"is_active": False}, "NEW30"),
        ({"min_spend": Decimal("300.00")}, "NEW30"),
    ],
    ids=["unknown", "not_yet", "expired", "inactive", "below_min_spend"],
)
def test_a_coupon_that_does_not_apply_is_refused_and_nothing_is_written(owner_client, booking, fields, code):
    coupon = make_coupon(**fields)
    response = _pay(owner_client, booking, code)
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert "coupon" in response.json()["error"]["details"]["fields"]
    assert not Payment.objects.exists() and not CouponRedemption.objects.exists()
    assert _spent(coupon) == 0


def test_the_owner_limit(owner, owner_client, booking):
    make_coupon(per_user_limit=1)
    _paid_with(owner_client, booking, "NEW30")
    second = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    response = _pay(owner_client, second, "NEW30")
    assert response.status_code == 409 and error_code(response) == "coupon_unavailable"
    assert response.json()["error"]["details"]["reason"] == "limit_reached"
    # another owner may still use it
    other = another_owner()
    theirs = book(other, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    assert _pay(ApiClient(issue_token(other)), theirs, "NEW30").status_code == 201


def test_the_budget(owner_client, booking):
    make_coupon(budget=Decimal("20.00"))
    response = _pay(owner_client, booking, "NEW30")
    assert response.status_code == 409 and response.json()["error"]["details"]["reason"] == "budget_exhausted"
    assert not Payment.objects.exists()


def test_trying_again_keeps_the_reserved_coupon_or_switches_or_drops_it(owner_client, booking):
    coupon = make_coupon()
    other = make_coupon("OTHER", value="50.00")
    first = _pay(owner_client, booking, "NEW30").json()
    # paying again without the code: the reservation applies, nothing more is committed
    again = _pay(owner_client, booking).json()
    assert (again["amount"], again["coupon"]) == ("269.00", "NEW30") and again["payment_id"] != first["payment_id"]
    assert _spent(coupon) == Decimal("30.00") and CouponRedemption.objects.exclude(status="released").count() == 1
    # another code: the first is given back, the other reserved
    switched = _pay(owner_client, booking, "OTHER").json()
    assert (switched["amount"], switched["coupon"]) == ("249.00", "OTHER")
    assert (_spent(coupon), _spent(other)) == (Decimal("0.00"), Decimal("50.00"))
    # "" drops it
    plain = _pay(owner_client, booking, "").json()
    assert (plain["amount"], plain["coupon"]) == ("299.00", None) and _spent(other) == 0
    # and the old coupon payment, paid after all, is refunded: its coupon was given up
    old = Payment.objects.get(pk=first["payment_id"])
    assert _notify(old).content == b"success"
    old.refresh_from_db()
    assert not old.applied and Refund.objects.get(payment=old).reason == "superseded"
    assert mismatches() == []


def test_extra_work_paid_after_a_coupon_keeps_the_coupon_used(owner, owner_client, booking):
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    coupon = make_coupon(per_user_limit=1)
    _paid_with(owner_client, booking, "NEW30")
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)
    offers = owner_client.get(f"bookings/{booking.pk}/coupons").json()["coupons"]
    assert offers and not any(c["usable"] for c in offers)  # one coupon per booking, and it is used
    extra = Payment.objects.get(pk=_pay(owner_client, booking).json()["payment_id"])
    assert _notify(extra).content == b"success"
    assert CouponRedemption.objects.get().status == "used" and _spent(coupon) == Decimal("30.00")
    assert mismatches() == []
    # the owner's one use is spent
    second = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    assert _pay(owner_client, second, "NEW30").status_code == 409


def test_a_reservation_that_no_longer_applies_does_not_block_paying(owner, owner_client, booking):
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    coupon = make_coupon("TEN", kind=CouponKind.PERCENT, value="10", min_spend=Decimal("0.00"))
    _notify(Payment.objects.get(pk=_pay(owner_client, booking).json()["payment_id"]))
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)

    def approve(price):
        lines = [{"description": "附加项目", "qty": "1", "unit_price": price}]
        supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="检查发现", lines=lines)
        supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)

    approve("80.00")
    assert _pay(owner_client, booking, "TEN").json()["amount"] == "72.00"
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
    approve("50.00")
    # what is owed changed and the coupon no longer applies: the payment goes ahead without it
    body = _pay(owner_client, booking).json()
    assert (body["amount"], body["coupon"]) == ("130.00", None)
    assert _spent(coupon) == 0
    assert mismatches() == []


def test_lowering_the_limit_never_stops_a_payment_landing(owner, owner_client, booking):
    coupon = make_coupon(per_user_limit=2)
    second = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    payments = [Payment.objects.get(pk=_pay(owner_client, b, "NEW30").json()["payment_id"]) for b in (booking, second)]
    Coupon.objects.filter(pk=coupon.pk).update(per_user_limit=1)
    for payment in payments:
        assert _notify(payment).content == b"success"
    assert CouponRedemption.objects.filter(status="used").count() == 2


def test_one_coupon_per_booking_even_for_extra_work(owner, owner_client, booking):
    from bookings.supplements import supplement_approve, supplement_propose
    from tests.bookings.floor_fixtures import staff_of

    make_coupon()
    make_coupon("EXTRA", value="10.00", min_spend=Decimal("0.00"))
    _paid_with(owner_client, booking, "NEW30")
    staff = staff_of(booking.store)
    booking_services.booking_check_in(booking_id=booking.pk, by=staff, now=booking.start)
    lines = [{"description": "空调滤芯", "qty": "1", "unit_price": "80.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=staff, reason="滤芯脏", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)
    response = _pay(owner_client, booking, "EXTRA")
    assert response.status_code == 409 and response.json()["error"]["details"]["reason"] == "booking_has_coupon"
    assert _pay(owner_client, booking).json()["amount"] == "80.00"


# --- Given back ----------------------------------------------------------------------------------------------


def test_a_free_cancellation_refunds_the_cash_and_gives_the_coupon_back(owner_client, booking):
    coupon = make_coupon()
    payment = _paid_with(owner_client, booking, "NEW30")
    # when the owner cancels in the free window
    assert owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": ""}).status_code == 200
    refund = Refund.objects.get(booking=booking)
    services.refund_execute(refund_id=refund.pk)
    # then the owner gets back what they paid, the platform its subsidy, and the coupon can be used again
    assert refund.amount == Decimal("269.00")
    assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) == 0
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert _spent(coupon) == 0 and CouponRedemption.objects.get().status == "released"
    assert JournalEntry.objects.filter(kind="coupon_return", payment=payment).count() == 1
    assert mismatches() == []
    again = book(booking.owner, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    assert _pay(owner_client, again, "NEW30").status_code == 201


def test_a_late_cancellation_fee_is_borne_by_the_cash_and_the_coupon_alike(owner_client, booking):
    coupon = make_coupon()
    _paid_with(owner_client, booking, "NEW30")
    booking.refresh_from_db()
    late = booking.cancel_free_until + dt.timedelta(minutes=1)
    booking_services.booking_cancel(booking_id=booking.pk, by=booking.owner, reason="", now=late)
    booking.refresh_from_db()
    # a 20 % fee on 299.00: 59.80 kept, 239.20 given back — 215.20 in cash (80 % of 269) and 24.00 of subsidy
    assert (booking.cancellation_fee, booking.refund_due) == (Decimal("59.80"), Decimal("239.20"))
    refund = Refund.objects.get(booking=booking)
    assert refund.amount == Decimal("215.20")
    cancellation = owner_client.get(f"bookings/{booking.pk}").json()["cancellation"]
    assert (cancellation["refund_due"], cancellation["refund_to_owner"]) == ("239.20", "215.20")
    services.refund_execute(refund_id=refund.pk)
    redemption = CouponRedemption.objects.get()
    assert (redemption.status, redemption.returned) == ("used", Decimal("24.00"))
    assert _spent(coupon) == Decimal("6.00")
    assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) == Decimal("6.00")
    # what stays held is the fee, and it is earned
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    earned = -ledger.balance(ledger.store_account(booking.store)) - ledger.balance(
        ledger.account(ledger.PLATFORM_COMMISSION)
    )
    assert earned == Decimal("59.80")
    assert mismatches() == []


def test_an_expired_booking_gives_its_reserved_coupon_back(owner_client, booking):
    coupon = make_coupon()
    payment = Payment.objects.get(pk=_pay(owner_client, booking, "NEW30").json()["payment_id"])
    booking_services.booking_expire(booking_id=booking.pk, now=booking.pay_before + dt.timedelta(seconds=1))
    assert _spent(coupon) == 0 and CouponRedemption.objects.get().status == "released"
    # the money arrives anyway: it is refunded in full, and the discount goes back to the platform
    assert _notify(payment).content == b"success"
    payment.refresh_from_db()
    assert not payment.applied
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.reason) == (Decimal("269.00"), "late_payment")
    services.refund_execute(refund_id=refund.pk)
    assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) == 0
    assert ledger.balance(ledger.account(ledger.OWNER_FUNDS_HELD)) == 0
    assert mismatches() == []


def test_an_earlier_payment_without_the_coupon_arriving_first_releases_it(owner_client, booking):
    coupon = make_coupon()
    # the owner opens a payment without a coupon, then thinks better of it and opens one with the coupon
    plain = Payment.objects.get(pk=_pay(owner_client, booking).json()["payment_id"])
    with_coupon = Payment.objects.get(pk=_pay(owner_client, booking, "NEW30").json()["payment_id"])
    # but pays the first: it settles the booking, and the coupon is given back
    assert _notify(plain).content == b"success"
    assert _spent(coupon) == 0 and CouponRedemption.objects.get().status == "released"
    # the coupon payment then arrives too: refunded in full, its discount back to the platform
    assert _notify(with_coupon).content == b"success"
    with_coupon.refresh_from_db()
    assert not with_coupon.applied
    assert Refund.objects.get(payment=with_coupon).reason == "duplicate"
    assert ledger.balance(ledger.account(ledger.COUPON_SUBSIDY)) == 0
    assert mismatches() == []


# --- The rules hold in the database ---------------------------------------------------------------------------


def test_the_database_refuses_overspending_and_a_second_use(owner, booking):
    coupon = make_coupon(budget=Decimal("50.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(spent=Decimal("50.01"))
    CouponRedemption.objects.create(coupon=coupon, owner=owner, booking=booking, discount=Decimal("30.00"))
    second = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=3), 10))
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        CouponRedemption.objects.create(coupon=coupon, owner=owner, booking=second, discount=Decimal("30.00"))


def test_reconcile_notices_a_coupon_whose_budget_does_not_match(owner_client, booking):
    coupon = make_coupon()
    _paid_with(owner_client, booking, "NEW30")
    Coupon.objects.filter(pk=coupon.pk).update(spent=Decimal("0.00"))
    assert any("NEW30" in problem for problem in mismatches())
    with pytest.raises(Exception, match="mismatch"):
        call_command("reconcile", stdout=open("/dev/null", "w"))  # noqa: SIM115


# --- Offers --------------------------------------------------------------------------------------------------


def test_the_coupons_an_owner_can_use_on_a_booking(owner_client, make_client, booking):
    make_coupon("NEW30")
    make_coupon("JIU", kind=CouponKind.PERCENT, value="15", max_discount=Decimal("40.00"))
    make_coupon("BIG", value="80.00", min_spend=Decimal("500.00"))
    make_coupon("SECRET", listed=False)
    body = owner_client.get(f"bookings/{booking.pk}/coupons").json()
    assert (body["owed"], body["held"]) == ("299.00", None)
    offered = [(c["code"], c["discount"], c["usable"]) for c in body["coupons"]]
    assert offered == [("JIU", "40.00", True), ("NEW30", "30.00", True), ("BIG", "0.00", False)]
    assert "500.00" in body["coupons"][2]["reason"]
    # someone else's booking is not found
    assert make_client(another_owner()).get(f"bookings/{booking.pk}/coupons").status_code == 404


# --- Concurrency ---------------------------------------------------------------------------------------------


def _race(requests) -> list:
    barrier = threading.Barrier(len(requests))
    answers = []

    def run(request):
        try:
            barrier.wait()
            answers.append(request())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers


@pytest.mark.django_db(transaction=True)
def test_one_owner_paying_three_bookings_at_once_gets_the_coupon_once(owner):
    coupon = make_coupon(per_user_limit=1)
    bookings = [book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10)) for _ in range(3)]
    client = ApiClient(issue_token(owner))
    answers = _race([lambda b=b: _pay(client, b, "NEW30").status_code for b in bookings])
    assert sorted(answers) == [201, 409, 409]
    assert CouponRedemption.objects.count() == 1 and _spent(coupon) == Decimal("30.00")


@pytest.mark.django_db(transaction=True)
def test_five_owners_at_once_cannot_overspend_the_budget():
    coupon = make_coupon(budget=Decimal("60.00"))
    owners = [another_owner() for _ in range(5)]
    pairs = [
        (ApiClient(issue_token(o)), book(o, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))) for o in owners
    ]
    answers = _race([lambda c=c, b=b: _pay(c, b, "NEW30").status_code for c, b in pairs])
    assert sorted(answers) == [201, 201, 409, 409, 409]
    assert _spent(coupon) == Decimal("60.00") and CouponRedemption.objects.count() == 2
