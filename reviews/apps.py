from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from bookings.parts import part_register
        from chefu.events import subscribe
        from reviews import events, subscribers
        from reviews.parts import ReviewPart

        # The reputation is a cache of the reviews, recounted whole each time: not durable. A failed recount is
        # retried all the same (chefu.events writes it a retry row), and the next review change recounts it anyway.
        for changed in events.REPUTATION_CHANGES:
            subscribe(changed, subscribers.reputation_recount)
        # Messages to people: durable.
        subscribe(events.ReviewPublished, subscribers.review_new_tell, durable=True)
        subscribe(events.ReviewHeld, subscribers.review_new_tell, durable=True)
        subscribe(events.ReviewModerated, subscribers.review_moderated_tell, durable=True)
        # The booking's answer asks reviews for its review and until when it may be written.
        part_register("reviews", ReviewPart())
