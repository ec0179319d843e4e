"""Query budgets of the owners' booking endpoints (issue 12): the store, the offering, the vehicle and the store's
policy are each read once per request. Counted as a client sees them: the token's look-up and its first-use stamp,
and the SAVEPOINT and RELEASE that the test's transaction turns the service's own transaction into (two statements
production does not send)."""

import pytest

from tests.bookings.conftest import booking_body

pytestmark = pytest.mark.django_db

# Measured when the budgets were set: 18 statements without a key (25 before: the offering, the service and the
# policy were each read twice, and the answer read the new booking's four relations that cannot hold anything yet),
# 25 with one (32); the detail reads 7.
POST_BOOKINGS = 18
IDEMPOTENCY_KEY_COST = 7
GET_BOOKING = 8


def test_post_bookings_stays_within_its_query_budget(owner_client, car, shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(POST_BOOKINGS):
        response = owner_client.post("bookings", booking_body(shop, car))
    assert response.status_code == 201
    # the new booking's relations are given empty rather than read: the answer is the detail's (but for the quote's
    # shape, which already differed between the two answers before the budget; see the issue 12 note)
    detail = owner_client.get(f"bookings/{response.json()['id']}").json()
    assert {**detail, "quote": None} == {**response.json(), "quote": None}


def test_an_idempotency_key_costs_its_record_and_nothing_else(owner_client, car, shop, django_assert_max_num_queries):
    headers = {"Idempotency-Key": "budget"}
    with django_assert_max_num_queries(POST_BOOKINGS + IDEMPOTENCY_KEY_COST):
        response = owner_client.post("bookings", booking_body(shop, car), headers=headers)
    assert response.status_code == 201
    with django_assert_max_num_queries(3):  # the token, the record: the replay books nothing
        again = owner_client.post("bookings", booking_body(shop, car), headers=headers)
    assert again.json() == response.json()


def test_get_booking_stays_within_its_query_budget(owner_client, car, shop, django_assert_max_num_queries):
    booking_id = owner_client.post("bookings", booking_body(shop, car)).json()["id"]
    with django_assert_max_num_queries(GET_BOOKING):
        response = owner_client.get(f"bookings/{booking_id}")
    assert response.json()["id"] == booking_id
