"""A completed, paid booking to review, and the people around it."""

import pytest

from tests.bookings.floor_fixtures import staff_of
from tests.factories import UserFactory
from tests.payments.test_settlements import complete, new_booking, pay

RATINGS = {"quality": 5, "attitude": 4, "timeliness": 5, "price_transparency": 4, "environment": 4}


def done_booking(store=None, *, owner=None, days: int = 2, hour: int = 10):
    """A booking of ¥299.00 paid through the sandbox and completed (now)."""
    booking = new_booking(store, owner=owner, days=days, hour=hour)
    pay(booking)
    return complete(booking)


@pytest.fixture
def done(db):
    return done_booking()


@pytest.fixture
def reviewer(done, make_client):
    return make_client(done.owner)


@pytest.fixture
def store_staff(done):
    return staff_of(done.store)


@pytest.fixture
def staff_client(store_staff, make_client):
    return make_client(store_staff)


@pytest.fixture
def qa(db):
    return UserFactory(roles=["owner", "qa"], name="QA")


@pytest.fixture
def qa_api(qa, make_client):
    return make_client(qa)
