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


def test_a_late_delivery_of_a_new_review_tells_no_one_once_qa_hid_it(done, qa):
    """review_new_tell goes by the event and stops when the review has moved on: a ReviewPublished delivered after
    QA hid the review does not send its words to the store's managers."""
    from notifications.models import Message
    from reviews.subscribers import review_new_tell
    from tests.bookings.floor_fixtures import staff_of

    staff_of(done.store, role="manager")
    review = services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, text="师傅很专业")
    services.review_hide(review_id=review.pk, by=qa, reason="广告")

    review_new_tell(ReviewPublished(review_id=review.pk, store_id=done.store_id, new=True))

    assert not Message.objects.filter(template="review_received").exists()
