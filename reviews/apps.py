from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from bookings.parts import part_register
        from reviews.parts import ReviewPart

        part_register("reviews", ReviewPart())
