"""What reviews tell people and how they move a store's reputation: subscribers of the reviews events, registered by
:class:`reviews.apps.ReviewsConfig`. Each runs after the review's change has committed, in its own transaction, and
is safe to run again (every message carries a dedupe key; the reputation is recounted from the reviews)."""

from accounts.models import User
from notifications.services import notify
from reviews import reputation
from reviews.events import ReviewEdited, ReviewHeld, ReviewHidden, ReviewModerated, ReviewPublished
from reviews.models import ModerationAction, ModerationKind, Review, ReviewStatus
from stores.models import StaffRole


def is_new(event: ReviewPublished | ReviewHeld) -> bool:
    return event.new


def is_authors(event: ReviewModerated) -> bool:
    return event.part in ("review", "follow_up")


def reputation_recount(event: ReviewPublished | ReviewHeld | ReviewHidden | ReviewEdited) -> None:
    reputation.store_refresh(store_id=event.store_id)


def review_new_tell(event: ReviewPublished | ReviewHeld) -> None:
    """A new review (``when``: ``event.new``): the store's managers are told when it shows (so they can reply), its
    author when it waits. By the event, not by the review's status now; nothing when the review has moved on since
    (an edit held it, QA hid it) and this delivery comes late."""
    held = isinstance(event, ReviewHeld)
    review = Review.objects.select_related("owner", "store").get(pk=event.review_id)
    if review.status != (ReviewStatus.HELD if held else ReviewStatus.PUBLISHED):
        return
    store = review.store
    if held:
        notify(
            recipient=review.owner,
            template="review_held",
            params={"store_name": store.name},
            ref=f"review:{review.pk}",
            dedupe_key=f"review:{review.pk}:held",
        )
        return
    excerpt = (review.text[:60] + "…") if len(review.text) > 60 else review.text
    managers = User.objects.filter(store_memberships__store=store, store_memberships__role=StaffRole.MANAGER)
    for manager in managers:
        notify(
            recipient=manager,
            template="review_received",
            params={"store_name": store.name, "overall": f"{review.overall:.1f}", "excerpt": excerpt or "—"},
            ref=f"review:{review.pk}",
            dedupe_key=f"review:{review.pk}:to:{manager.pk}",
        )


def review_moderated_tell(event: ReviewModerated) -> None:
    """QA hid or restored the author's words (the review or their follow-up): they are told, with QA's reason (never
    behind their back). ``when``: the review's or the follow-up's moderation (a store's reply is the store's)."""
    action = ModerationAction.objects.select_related("review__owner", "review__store").get(pk=event.moderation_id)
    if action.kind not in (ModerationKind.HIDDEN, ModerationKind.RESTORED):
        return
    review = action.review
    notify(
        recipient=review.owner,
        template="review_hidden" if action.kind == ModerationKind.HIDDEN else "review_restored",
        params={"store_name": review.store.name, "reason": action.reason},
        ref=f"review:{review.pk}",
        dedupe_key=f"moderation:{action.pk}",
    )
