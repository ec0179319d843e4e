"""Each booking service emits its event (bookings.events), in its transaction, with what the subscribers need."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings import services
from bookings.events import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCompleted,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
    BookingNoShow,
    BookingRescheduled,
)
from bookings.exceptions import InvalidTransition
from bookings.models import Booking
from chefu.events import recording
from tests.bookings.conftest import book, confirmed, local, tomorrow

pytestmark = pytest.mark.django_db


def test_booking_create_emits_booking_created(owner, shop, car):
    with recording() as emitted:
        booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)

    assert emitted == [
        BookingCreated(
            booking_id=booking.pk,
            store_id=shop.pk,
            owner_id=owner.pk,
            kind="standard",
            start=booking.start,
            pay_before=booking.pay_before,
        )
    ]


def test_confirming_emits_booking_confirmed_with_the_kind(owner, shop, car):
    booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)

    with recording() as emitted:
        confirmed(booking)  # paid through the sandbox: the payment's own event comes with it

    assert [e for e in emitted if isinstance(e, BookingConfirmed)] == [
        BookingConfirmed(booking_id=booking.pk, kind="standard")
    ]


@pytest.mark.parametrize("by_store", [False, True])
def test_cancelling_says_who_and_the_terms(owner, shop, car, by_store):
    booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)

    with recording() as emitted:
        services.booking_cancel(booking_id=booking.pk, by=None if by_store else owner, reason="x", by_store=by_store)

    assert emitted == [
        BookingCancelled(
            booking_id=booking.pk, by_store=by_store, cancellation_fee=Decimal("0.00"), refund_due=Decimal("0.00")
        )
    ]


def test_expiry_emits_booking_expired(owner, shop, car):
    booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)

    with recording() as emitted:
        services.booking_expire(booking_id=booking.pk, now=booking.pay_before)
        services.booking_expire(booking_id=booking.pk, now=booking.pay_before)  # nothing changes the second time

    assert emitted == [BookingExpired(booking_id=booking.pk)]


def test_rescheduling_emits_both_starts_and_the_generation(owner, shop, car):
    booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)
    old_start = booking.start

    with recording() as emitted:
        moved = services.booking_reschedule(booking_id=booking.pk, by=owner, start=local(tomorrow(), 14))

    assert emitted == [
        BookingRescheduled(booking_id=booking.pk, from_start=old_start, to_start=moved.start, generation=1)
    ]


def test_the_shop_floor_emits_checked_in_and_completed(owner, shop, car):
    booking = confirmed(book(owner, shop, local(tomorrow(), 10), vehicle=car))
    Booking.objects.filter(pk=booking.pk).update(checklist=[])

    with recording() as emitted:
        services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start)
        services.booking_start(booking_id=booking.pk, by=None)
        services.booking_complete(booking_id=booking.pk, by=None)

    assert emitted == [
        BookingCheckedIn(booking_id=booking.pk),
        BookingCompleted(booking_id=booking.pk, kind="standard"),
    ]


def test_a_no_show_emits_its_terms(owner, shop, car):
    booking = confirmed(book(owner, shop, local(tomorrow(), 10), vehicle=car))

    with recording() as emitted:
        services.booking_no_show(booking_id=booking.pk, by=None, now=booking.start + dt.timedelta(minutes=30))

    # paid ¥299.00 through the sandbox: the late fee (20 %) is kept, the rest owed back
    assert emitted == [
        BookingNoShow(booking_id=booking.pk, cancellation_fee=Decimal("59.80"), refund_due=Decimal("239.20"))
    ]


def test_nothing_reaches_a_subscriber_when_the_service_fails(owner, shop, car, django_capture_on_commit_callbacks):
    booking = book(owner, shop, local(tomorrow(), 10), vehicle=car)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidTransition):
        services.booking_complete(booking_id=booking.pk, by=None)  # not at the shop: refused

    assert callbacks == []
