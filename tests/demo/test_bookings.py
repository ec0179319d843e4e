"""The demo's bookings: the reset deletes them whole."""

import pytest

from bookings import services
from bookings.models import Booking
from bookings.supplements import supplement_approve, supplement_propose
from demo.bookings import demo_bookings_reset
from tests.bookings.conftest import book, local, make_shop, manager_of, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return make_shop()


@pytest.fixture
def shop_manager(shop):
    return manager_of(shop)


def test_a_booking_with_decided_extra_work_can_still_be_deleted_whole(owner, shop, shop_manager):
    booking = book(owner, shop, local(tomorrow(), 10))
    services.booking_confirm(booking_id=booking.pk)  # as the demo data confirms its bookings: no payment to delete
    services.booking_check_in(booking_id=booking.pk, by=shop_manager, now=booking.start)
    lines = [{"description": "雨刮片", "qty": "1", "unit_price": "60.00"}]
    supplement = supplement_propose(booking_id=booking.pk, by=shop_manager, reason="老化", lines=lines)
    supplement_approve(booking_id=booking.pk, supplement_id=supplement.pk, by=owner)
    demo_bookings_reset()
    assert not Booking.objects.exists()
