"""The reviews services emit their events: a new review published or held, an edit, QA's moderation."""

import pytest

from chefu.events import recording
from reviews import services
from reviews.events import ReviewEdited, ReviewHidden, ReviewModerated, ReviewPublished
from reviews.models import ModerationAction
from tests.reviews.conftest import RATINGS

pytestmark = pytest.mark.django_db


def test_writing_editing_and_hiding_a_review_emit_their_events(done, qa):
    with recording() as emitted:
        review = services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS)
        services.review_edit(review_id=review.pk, owner=done.owner, text="很好")
        services.review_hide(review_id=review.pk, by=qa, reason="广告")

    action = ModerationAction.objects.get(review=review, kind="hidden")
    assert emitted == [
        ReviewPublished(review_id=review.pk, store_id=done.store_id, new=True),
        ReviewEdited(review_id=review.pk, store_id=done.store_id),
        ReviewHidden(review_id=review.pk, store_id=done.store_id),
        ReviewModerated(review_id=review.pk, moderation_id=action.pk, part="review"),
    ]
