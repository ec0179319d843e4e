"""Query budget of a store's public review list (issue 12): five statements whatever the page, the sort or the
filters: the store's visibility, the count, the page with its people and parts, the photos, the reputation row."""

import pytest

from reviews.services import reply_add, review_create
from tests.bookings.floor_fixtures import staff_of
from tests.reviews.conftest import RATINGS, done_booking

pytestmark = pytest.mark.django_db

PUBLIC_REVIEW_LIST = 5


@pytest.fixture
def reviewed_store(db):
    """A store with seven published reviews, some with a reply."""
    first = done_booking(days=2, hour=9)
    store = first.store
    bookings = [first] + [done_booking(store, days=2 + n // 3, hour=9 + n % 3) for n in range(1, 7)]
    staff = staff_of(store)
    for n, booking in enumerate(bookings):
        review = review_create(booking_id=booking.pk, owner=booking.owner, ratings=RATINGS, text=f"不错 {n}")
        if n % 2:
            reply_add(review_id=review.pk, by=staff, text="谢谢")
    return store


@pytest.mark.parametrize(
    "query",
    ["", "?limit=2", "?limit=2&offset=4", "?sort=lowest&with_text=true", "?min_rating=4&with_photos=true"],
)
def test_the_public_review_list_stays_within_its_budget(client, reviewed_store, query, django_assert_max_num_queries):
    with django_assert_max_num_queries(PUBLIC_REVIEW_LIST):
        response = client.get(f"/api/v1/stores/{reviewed_store.pk}/reviews{query}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 0
