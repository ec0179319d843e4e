"""The one review rule (reviews.rules): what the booking's answer shows as ``reviewable_until`` is what the review
service accepts, the own-store check included."""

import datetime as dt

import pytest

from reviews import services
from reviews.exceptions import NotReviewable
from stores.services import membership_add
from tests.conftest import error_code
from tests.factories import StoreFactory
from tests.reviews.conftest import RATINGS, done_booking

pytestmark = pytest.mark.django_db


def _reviewable_until(client, booking) -> dt.datetime | None:
    response = client.get(f"bookings/{booking.pk}")
    assert response.status_code == 200
    until = response.json()["reviewable_until"]
    return dt.datetime.fromisoformat(until) if until else None


def _write(client, booking):
    return client.post(f"bookings/{booking.pk}/review", {"ratings": RATINGS})


def test_the_service_accepts_a_review_until_the_deadline_the_booking_shows(done, reviewer):
    until = _reviewable_until(reviewer, done)
    assert until is not None
    with pytest.raises(NotReviewable) as refused:
        services.review_create(
            booking_id=done.pk, owner=done.owner, ratings=RATINGS, now=until + dt.timedelta(microseconds=1)
        )
    assert refused.value.details["reason"] == "too_late"
    services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, now=until)
    # once reviewed, there is nothing left to review
    assert _reviewable_until(reviewer, done) is None


def test_an_owner_who_works_at_the_store_is_shown_no_deadline_and_is_refused(make_client):
    # given a completed, paid booking whose owner is staff of the booking's store
    booking = done_booking()
    membership_add(store=booking.store, user=booking.owner, role="technician")
    client = make_client(booking.owner)
    # then the booking says it cannot be reviewed, and the service agrees
    assert _reviewable_until(client, booking) is None
    response = _write(client, booking)
    assert response.status_code == 403 and error_code(response) == "not_reviewable"
    assert response.json()["error"]["details"]["reason"] == "own_store"


def test_an_owner_who_works_at_another_store_may_review(make_client):
    booking = done_booking()
    membership_add(store=StoreFactory(), user=booking.owner, role="manager")
    client = make_client(booking.owner)
    assert _reviewable_until(client, booking) is not None
    assert _write(client, booking).status_code == 201


def test_a_booking_not_yet_completed_shows_no_deadline_and_is_refused(make_client):
    from tests.payments.test_settlements import new_booking, pay

    booking = new_booking()
    pay(booking)
    client = make_client(booking.owner)
    assert _reviewable_until(client, booking) is None
    response = _write(client, booking)
    assert response.status_code == 403 and response.json()["error"]["details"]["reason"] == "not_completed"
