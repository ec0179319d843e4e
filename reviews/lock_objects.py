"""Row locks on reviews, in one place, in the order they are taken: the booking's
(``bookings.lock_objects.booking_lock``) when a review is written, then the review's row for every later change to
it, then its follow-up's or reply's row (QA moderating that part), then the store's reputation row (the recount
after a change). A QA follow-up is locked alone. Every lock is ``FOR UPDATE OF`` the model's own table.
"""

from chefu.errors import NotFound
from reviews.models import FollowUp, QaFollowUp, Reply, Review, StoreReputation


def review_lock(review_id: int) -> Review:
    """``SELECT ... FOR UPDATE`` of the review's row; NotFound when there is none."""
    review = Review.objects.select_for_update(of=("self",)).filter(pk=review_id).first()
    if review is None:
        raise NotFound()
    return review


def review_part_lock(*, review: Review, part: str) -> FollowUp | Reply | None:
    """The review's follow-up (``part`` "follow_up") or the store's reply (any other ``part``), its row locked; None
    when it has none. Expects the review locked first."""
    model = FollowUp if part == "follow_up" else Reply
    return model.objects.select_for_update(of=("self",)).filter(review=review).first()


def qa_follow_up_lock(follow_up_id: int) -> QaFollowUp:
    """``SELECT ... FOR UPDATE`` of the QA follow-up's row; NotFound when there is none."""
    item = QaFollowUp.objects.select_for_update(of=("self",)).filter(pk=follow_up_id).first()
    if item is None:
        raise NotFound()
    return item


def reputation_lock(store_id: int) -> StoreReputation:
    """The store's reputation row, created if missing, then locked ``FOR UPDATE`` (taken last, after any review)."""
    StoreReputation.objects.get_or_create(store_id=store_id)
    return StoreReputation.objects.select_for_update(of=("self",)).get(store_id=store_id)
