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

        # The reputation is recounted whole from the reviews each time; durable all the same: the hourly refresh of
        # the ratings reads the reputation rows and does not recount them, so a recount lost in a crash would stay.
        for changed in events.REPUTATION_CHANGES:
            subscribe(changed, subscribers.reputation_recount, durable=True)
        # Messages to people: durable.
        subscribe(events.ReviewPublished, subscribers.review_new_tell, durable=True, when=subscribers.is_new)
        subscribe(events.ReviewHeld, subscribers.review_new_tell, durable=True, when=subscribers.is_new)
        subscribe(events.ReviewModerated, subscribers.review_moderated_tell, durable=True, when=subscribers.is_authors)
        # The booking's answer asks reviews for its review and until when it may be written.
        part_register("reviews", ReviewPart())
