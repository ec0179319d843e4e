"""The demo's money: its coupons, and paying a demo booking inside the loading transaction."""

import datetime as dt

import pytest
from django.db import transaction

from demo.payments import DEMO_COUPONS, demo_coupons_load, demo_pay
from payments.models import Coupon
from tests.bookings.conftest import book, local, make_shop, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(owner):
    return book(owner, make_shop(price="299.00"), local(tomorrow() + dt.timedelta(days=2), 10))


def test_the_demo_coupons_are_valid_and_written_once(owner_client, booking):
    assert demo_coupons_load() == len(DEMO_COUPONS)
    assert demo_coupons_load() == 0
    for coupon in Coupon.objects.all():
        coupon.full_clean()
    offered = owner_client.get(f"bookings/{booking.pk}/coupons").json()["coupons"]
    assert [c["code"] for c in offered if c["usable"]] == ["BAOYANG15", "XINKE30"]  # 44.85 off before 30.00


def test_the_demo_pays_inside_its_loading_transaction_without_calling_the_provider(owner):
    booking = book(owner, make_shop(), local(tomorrow() + dt.timedelta(days=2), 10))
    with transaction.atomic():  # seed_demo loads everything in one transaction
        demo_pay(booking)
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.payments.get().status == "succeeded"


@pytest.mark.usefixtures("committing")
def test_a_demo_reset_deletes_payouts_with_the_payments_they_pay_from():
    from decimal import Decimal

    from demo.payments import demo_money_reset
    from payments.models import Payment, Payout
    from payments.payouts import payout_request
    from tests.factories import UserFactory
    from tests.payments.charging import PURPOSE, pay_charge

    pay_charge(UserFactory(), "deal:1", "100.00")
    payout_request(purpose=PURPOSE, subject="deal:1", user=UserFactory(), amount=Decimal("90.00"), cause="net:1")

    with transaction.atomic():
        demo_money_reset()

    assert not Payout.objects.exists() and not Payment.objects.exists()
