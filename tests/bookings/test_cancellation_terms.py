"""GET /bookings/{id}/cancellation-terms: the refund the store's policy gives, shown before the owner confirms, is
the one the cancellation then applies; with ``start``, the terms after that reschedule."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings import services
from bookings.exceptions import InvalidTransition
from bookings.models import Booking, BookingStatus
from bookings.selectors import booking_cancellation_terms_for_owner
from tests.bookings.conftest import another_owner, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import make_booking
from tests.chefu.envelope import assert_error

pytestmark = pytest.mark.django_db


def _terms(client, booking, **params):
    return client.get(f"bookings/{booking.pk}/cancellation-terms", params or None)


@pytest.fixture
def paid(db):
    """A confirmed booking of ¥299.00, paid, tomorrow 10:00 (free to cancel until 08:00, then a 20 % fee)."""
    return make_booking(store=make_shop(), status=BookingStatus.CONFIRMED)


def test_inside_the_free_window_the_whole_payment_comes_back_as_the_cancellation_then_gives(paid, make_client):
    client = make_client(paid.owner)

    body = _terms(client, paid).json()

    assert body["cancellable"] and body["reschedulable"]
    assert (body["amount_paid"], body["fee"], body["refund"], body["fee_pct"]) == ("299.00", "0.00", "299.00", "20")
    assert dt.datetime.fromisoformat(body["free_until"]) == paid.cancel_free_until
    cancelled = client.post(f"bookings/{paid.pk}/cancel", {"reason": ""}).json()
    assert (cancelled["cancellation"]["fee"], cancelled["cancellation"]["refund_due"]) == ("0.00", body["refund"])


def test_after_the_free_window_the_fee_shown_is_the_fee_kept(paid, make_client):
    Booking.objects.filter(pk=paid.pk).update(cancel_free_until=paid.start - dt.timedelta(days=3))
    client = make_client(paid.owner)

    body = _terms(client, paid).json()

    assert (body["fee"], body["refund"]) == ("59.80", "239.20")
    cancelled = client.post(f"bookings/{paid.pk}/cancel", {"reason": ""}).json()
    assert (cancelled["cancellation"]["fee"], cancelled["cancellation"]["refund_due"]) == ("59.80", "239.20")


def test_with_a_start_the_terms_are_those_the_reschedule_then_gives(paid, make_client):
    client = make_client(paid.owner)
    later = local(tomorrow(), 15)

    body = _terms(client, paid, start=later.isoformat()).json()

    assert dt.datetime.fromisoformat(body["start"]) == later
    assert dt.datetime.fromisoformat(body["free_until"]) == later - dt.timedelta(hours=2)
    client.post(f"bookings/{paid.pk}/reschedule", {"start": later.isoformat()})
    paid.refresh_from_db()
    assert (paid.start, paid.cancel_free_until) == (later, dt.datetime.fromisoformat(body["free_until"]))


def test_moving_a_booking_earlier_can_end_its_free_window():
    # given a paid booking tomorrow 16:00 (free until 14:00), seen at 11:00
    booking = make_booking(store=make_shop(), start=local(tomorrow(), 16))
    now = local(tomorrow(), 11)

    # when the owner looks at moving it to 12:00
    terms = booking_cancellation_terms_for_owner(
        user=booking.owner, booking_id=booking.pk, start=local(tomorrow(), 12), now=now
    )

    # then the free window would have closed at 10:00: cancelling after the move costs the fee
    assert terms.free_until == local(tomorrow(), 10)
    assert (terms.fee, terms.refund) == (Decimal("59.80"), Decimal("239.20"))
    staying = booking_cancellation_terms_for_owner(user=booking.owner, booking_id=booking.pk, now=now)
    assert (staying.fee, staying.refund) == (Decimal("0.00"), Decimal("299.00"))


def test_a_closed_free_window_is_never_reopened_by_a_later_start():
    booking = make_booking(store=make_shop(), start=local(tomorrow(), 10))
    now = local(tomorrow(), 9)

    terms = booking_cancellation_terms_for_owner(
        user=booking.owner, booking_id=booking.pk, start=local(tomorrow(), 16), now=now
    )

    assert terms.free_until == booking.cancel_free_until
    assert terms.fee == Decimal("59.80")


@pytest.mark.parametrize(
    ("status", "cancellable", "reschedulable"),
    [
        (BookingStatus.PENDING_PAYMENT, True, True),
        (BookingStatus.CONFIRMED, True, True),
        (BookingStatus.CHECKED_IN, False, False),
        (BookingStatus.IN_SERVICE, False, False),
        (BookingStatus.COMPLETED, False, False),
        (BookingStatus.CANCELLED, False, False),
    ],
)
def test_it_says_whether_the_owner_may_cancel_as_the_cancellation_decides(status, cancellable, reschedulable):
    booking = make_booking(status=status)

    terms = booking_cancellation_terms_for_owner(user=booking.owner, booking_id=booking.pk)

    assert (terms.cancellable, terms.reschedulable) == (cancellable, reschedulable)
    try:
        services.booking_cancel(booking_id=booking.pk, by=booking.owner, reason="")
    except InvalidTransition:
        refused = True
    else:
        refused = False
    assert refused is not cancellable


def test_a_confirmed_booking_whose_start_has_passed_is_not_the_owners_to_cancel(paid):
    terms = booking_cancellation_terms_for_owner(
        user=paid.owner, booking_id=paid.pk, now=paid.start + dt.timedelta(minutes=1)
    )

    assert not terms.cancellable


def test_someone_elses_booking_is_not_found(paid, make_client):
    assert_error(_terms(make_client(another_owner()), paid), 404, "not_found")
    assert_error(make_client(paid.owner).get("bookings/999999999/cancellation-terms"), 404, "not_found")


def test_it_needs_a_signed_in_owner(paid, api):
    assert _terms(api, paid).status_code == 401


@pytest.mark.parametrize("start", ["tomorrow", "2026-13-01T10:00:00+08:00", "3026-01-01T10:00:00+08:00"])
def test_a_bad_start_is_a_validation_error(paid, make_client, start):
    assert_error(_terms(make_client(paid.owner), paid, start=start), 422, "validation_error")


def test_it_changes_nothing(paid, make_client):
    _terms(make_client(paid.owner), paid, start=local(tomorrow(), 15).isoformat())

    paid.refresh_from_db()
    assert (paid.status, paid.start) == (BookingStatus.CONFIRMED, local(tomorrow(), 10))
