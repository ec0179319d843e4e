"""Reviews in the Django admin: read-only, with the moderation trail saying what each step moved."""

import pytest

from tests.factories import UserFactory
from tests.reviews.conftest import RATINGS

pytestmark = pytest.mark.django_db


def test_a_review_shows_its_moderation_trail(client, reviewer, done, qa_api):
    review_id = reviewer.post(f"bookings/{done.pk}/review", {"ratings": RATINGS, "text": "还行"}).json()["id"]
    assert qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "核实中"}).status_code == 200
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    page = client.get(f"/django-admin/reviews/review/{review_id}/change/")
    assert page.status_code == 200
    assert 'name="moderation-TOTAL_FORMS" value="1"' in page.content.decode()
    assert client.get(f"/django-admin/reviews/review/{review_id}/delete/").status_code == 403
