"""Query budgets of the owners' booking endpoints (issue 12): the store, the offering, the vehicle and the store's
policy are each read once per request. Counted as a client in steady use sees them: the token's look-up (its
last-use stamp is written at most once a minute, so the first request of a test warms it), and the SAVEPOINT and
RELEASE that the test's transaction turns the service's own transaction into (two statements production does not
send)."""

import pytest

from tests.bookings.conftest import booking_body

pytestmark = pytest.mark.django_db

# Measured when the budgets were set, POST /bookings without a key: 12 statements. 24 when issue 12 was filed (the
# offering, the service and the policy were each read twice); then 17, and now: the store read once, under its row
# lock (was a plain read, then the lock); the checklist items in the offering's query; the vehicle's spec in the
# vehicle's query; the answer from the booking just written (was the booking and its events read again). The 12:
# token, SAVEPOINT, store FOR KEY SHARE, offering+service+version+checklist, vehicle+spec, part lines, calendar,
# SAVEPOINT, INSERT booking, RELEASE, INSERT event, RELEASE. With a key, 7 more; the detail reads 7.
POST_BOOKINGS = 12
IDEMPOTENCY_KEY_COST = 7
GET_BOOKING = 8


def test_post_bookings_stays_within_its_query_budget(owner_client, car, shop, django_assert_max_num_queries):
    owner_client.get("me")  # the token's last-use stamp
    with django_assert_max_num_queries(POST_BOOKINGS):
        response = owner_client.post("bookings", booking_body(shop, car))
    assert response.status_code == 201
    # the answer is built from the booking just written, not read again: it is the detail's (but for the quote's
    # shape, which already differed between the two answers before the budget; see the issue 12 note)
    detail = owner_client.get(f"bookings/{response.json()['id']}").json()
    assert {**detail, "quote": None} == {**response.json(), "quote": None}


def test_an_idempotency_key_costs_its_record_and_nothing_else(owner_client, car, shop, django_assert_max_num_queries):
    headers = {"Idempotency-Key": "budget"}
    owner_client.get("me")
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
