"""Query budget of a provider's payment notification (issue 12): verifying it, settling the payment with its ledger
entry, confirming the booking and writing the owner's messages, within thirty statements, what runs after the commit
included. Counted in the steady state: the ledger's accounts exist (an earlier payment created them)."""

import datetime as dt

import pytest

from payments.models import Payment
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.payments.test_pay_flow import _notify, _pay

pytestmark = pytest.mark.django_db

PAYMENT_NOTIFICATION = 30


def _paid_for(api, owner_client, booking) -> Payment:
    return Payment.objects.get(pk=_pay(owner_client, booking)["payment_id"])


def test_a_payment_notification_stays_within_its_budget(
    api, owner, owner_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    shop = make_shop()
    day = tomorrow() + dt.timedelta(days=2)
    earlier = _paid_for(api, owner_client, book(owner, shop, local(day, 9)))
    assert _notify(api, earlier).content == b"success"
    booking = book(owner, shop, local(day, 11))
    payment = _paid_for(api, owner_client, booking)
    with django_assert_max_num_queries(PAYMENT_NOTIFICATION), django_capture_on_commit_callbacks(execute=True):
        assert _notify(api, payment).content == b"success"
    booking.refresh_from_db()
    assert booking.status == "confirmed"
