"""Verified reviews: one per completed booking, written by its owner, answered once by the store, moderated by QA in
the open.

What the database itself guarantees:
- one review per booking (``booking`` is unique), one reply per review, one follow-up per review;
- ratings are 1-5 and ``overall`` is their mean; tags come from :data:`TAGS`;
- nobody's words are rewritten in place without a trace: a review's words change only together with a
  :class:`ReviewRevision` keeping the previous ones, replies and follow-ups never change, none of them is deleted, and
  every moderation step is a :class:`ModerationAction` row (append-only; migrations 0002 and 0005);
- a review has at most :data:`MAX_PHOTOS` photos (trigger, under a lock on the review's row).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

DIMENSIONS = ("quality", "attitude", "timeliness", "price_transparency", "environment")
MAX_PHOTOS = 9
TEXT_MAX = 1000
FOLLOW_UP_MAX = 500
REPLY_MAX = 500


class Tag(models.TextChoices):
    """The fixed list owners pick from (free-text tags would be a second, unmoderated text field)."""

    SKILLED = "skilled", _("Skilled technicians")
    FAIR_PRICE = "fair_price", _("Price as quoted")
    ON_TIME = "on_time", _("On time")
    CLEAN = "clean", _("Clean and tidy")
    FRIENDLY = "friendly", _("Friendly service")
    EXPLAINED = "explained", _("Explained the work clearly")
    GENUINE_PARTS = "genuine_parts", _("Genuine parts")
    COMFORTABLE_LOUNGE = "comfortable_lounge", _("Comfortable waiting area")
    SLOW = "slow", _("Slow")
    UPSELL = "upsell", _("Pushed extra work")
    POOR_COMMUNICATION = "poor_communication", _("Poor communication")
    DIRTY = "dirty", _("Left the car dirty")


TAGS = tuple(Tag.values)


class ReviewStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for QA")
    HIDDEN = "hidden", _("Hidden by QA")


def _rating_field(label):
    return models.PositiveSmallIntegerField(label)


class Review(models.Model):
    booking = models.OneToOneField(
        "bookings.Booking", verbose_name=_("booking"), on_delete=models.PROTECT, related_name="review"
    )
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="reviews")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="reviews"
    )
    quality = _rating_field(_("quality"))
    attitude = _rating_field(_("attitude"))
    timeliness = _rating_field(_("timeliness"))
    price_transparency = _rating_field(_("price transparency"))
    environment = _rating_field(_("environment"))
    overall = models.DecimalField(_("overall"), max_digits=3, decimal_places=2)
    text = models.TextField(_("text"), blank=True, max_length=TEXT_MAX)
    tags = ArrayField(models.CharField(max_length=30), verbose_name=_("tags"), default=list, blank=True, size=len(TAGS))
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED)
    # Why the automatic check held it (``{"phone": [...], "url": [...], "blocked_words": [...]}``), empty otherwise.
    held_for = models.JSONField(verbose_name=_("held for"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            *(
                models.CheckConstraint(condition=Q(**{f"{d}__gte": 1, f"{d}__lte": 5}), name=f"review_{d}_range")
                for d in DIMENSIONS
            ),
            # overall is the mean of the five, to the cent (half-up): |5 * overall - sum| <= 0.025.
            models.CheckConstraint(
                condition=Q(
                    overall__gte=(
                        F("quality") + F("attitude") + F("timeliness") + F("price_transparency") + F("environment")
                    )
                    / 5.0
                    - 0.005,
                    overall__lte=(
                        F("quality") + F("attitude") + F("timeliness") + F("price_transparency") + F("environment")
                    )
                    / 5.0
                    + 0.005,
                ),
                name="review_overall_is_mean",
            ),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="review_status_known"),
            models.CheckConstraint(condition=Q(tags__contained_by=list(TAGS)), name="review_tags_known"),
        ]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="review_store_status_idx"),
            models.Index(fields=["store", "status", "overall"], name="review_store_overall_idx"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of booking {self.booking_id} ({self.overall})"

    @property
    def ratings(self) -> dict[str, int]:
        return {d: getattr(self, d) for d in DIMENSIONS}


class ReviewRevision(models.Model):
    """What a review said before its owner edited it (append-only)."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="revisions")
    ratings = models.JSONField(verbose_name=_("ratings"))
    text = models.TextField(verbose_name=_("text"), blank=True)
    tags = ArrayField(models.CharField(max_length=30), verbose_name=_("tags"), default=list, blank=True)
    written_at = models.DateTimeField(verbose_name=_("written at"))
    replaced_at = models.DateTimeField(verbose_name=_("replaced at"), default=now)

    class Meta:
        verbose_name = _("review revision")
        verbose_name_plural = _("review revisions")
        ordering = ["replaced_at", "id"]

    def __str__(self) -> str:
        return f"revision of review {self.review_id} ({self.replaced_at:%Y-%m-%d %H:%M})"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        verbose_name=_("image"), upload_to="reviews/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of review {self.review_id}"


class FollowUp(models.Model):
    """The owner's one later word on the job (追评), moderated like the review."""

    review = models.OneToOneField(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="follow_up")
    text = models.TextField(verbose_name=_("text"), max_length=FOLLOW_UP_MAX)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED
    )
    held_for = models.JSONField(verbose_name=_("held for"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("follow up")
        verbose_name_plural = _("follow ups")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="followup_status_known"),
        ]

    def __str__(self) -> str:
        return f"follow-up of review {self.review_id}"


class Reply(models.Model):
    """The store's one answer to a review."""

    review = models.OneToOneField(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(verbose_name=_("text"), max_length=REPLY_MAX)
    # Checked like the owners' words: a store's contact details wait for QA too.
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED
    )
    held_for = models.JSONField(verbose_name=_("held for"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="reply_status_known")]

    def __str__(self) -> str:
        return f"reply to review {self.review_id}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReviewReport(models.Model):
    """A store asking QA to look at a review (it cannot hide one itself). One open report per review and store."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reports")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), max_length=500)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(status=ReportStatus.OPEN), name="report_one_open_per_review"
            ),
        ]

    def __str__(self) -> str:
        return f"report on review {self.review_id} ({self.status})"


class ModerationKind(models.TextChoices):
    HELD = "held", _("Held by the automatic check")
    PUBLISHED = "published", _("Published by QA")
    HIDDEN = "hidden", _("Hidden by QA")
    RESTORED = "restored", _("Restored by QA")
    REPORTED = "reported", _("Reported by the store")
    REPORT_CLOSED = "report_closed", _("Report closed by QA")
    CLEARED = "cleared", _("Passed the automatic check after an edit")


# The moderation steps that move a review, its follow-up or the store's reply (``reviews.services.
# moderation_transition``): the statuses each applies to, and the status it leads to. Reports and the hold of new
# words (written held) are recorded without a move. A review QA restores while its words still carry what the
# automatic check holds goes back to the held queue, not to the public.
MODERATION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ModerationKind.HELD: (frozenset({ReviewStatus.PUBLISHED}), ReviewStatus.HELD),
    ModerationKind.CLEARED: (frozenset({ReviewStatus.HELD}), ReviewStatus.PUBLISHED),
    ModerationKind.PUBLISHED: (frozenset({ReviewStatus.HELD}), ReviewStatus.PUBLISHED),
    ModerationKind.HIDDEN: (frozenset({ReviewStatus.PUBLISHED, ReviewStatus.HELD}), ReviewStatus.HIDDEN),
    ModerationKind.RESTORED: (frozenset({ReviewStatus.HIDDEN}), ReviewStatus.PUBLISHED),
}


class ModerationAction(models.Model):
    """Every moderation step, by whom and why (append-only): what makes hiding a review never silent. A step that
    moves the review or its part says from which status to which (both blank for reports; rows written before
    migration 0006 left them blank too)."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="moderation")
    follow_up = models.BooleanField(
        verbose_name=_("follow up"), default=False, help_text=_("About the follow-up rather than the review.")
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=16, choices=ModerationKind.choices)
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, blank=True, default="")
    to_status = models.CharField(verbose_name=_("to status"), max_length=10, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)
    at = models.DateTimeField(verbose_name=_("at"), default=now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ModerationKind.values), name="moderation_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} review {self.review_id}"


class BlockedWord(models.Model):
    """A word or phrase that holds a review for QA (matched case- and width-insensitively). Edited in the admin."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("blocked word")
        verbose_name_plural = _("blocked words")

    def __str__(self) -> str:
        return self.word


class QaFollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QaFollowUp(models.Model):
    """A review QA should follow up (overall ≤ 2): the quality app acts on these."""

    review = models.OneToOneField(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="qa_follow_up"
    )
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=40, default="low_rating")
    status = models.CharField(
        _("status"), max_length=10, choices=QaFollowUpStatus.choices, default=QaFollowUpStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), default=now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("QA follow-up")
        verbose_name_plural = _("QA follow-ups")
        indexes = [models.Index(fields=["status", "-created_at"], name="qafollowup_status_idx")]

    def __str__(self) -> str:
        return f"{self.reason}: review {self.review_id} ({self.status})"


class StoreReputation(models.Model):
    """A store's published reviews in numbers, kept in the same transaction as every review change (the Bayesian
    ``Store.rating`` is derived from it). ``hidden`` and ``held`` are counted apart, so the public page can say how
    many reviews it does not show."""

    store = models.OneToOneField(
        "stores.Store", verbose_name=_("store"), primary_key=True, on_delete=models.CASCADE, related_name="reputation"
    )
    count = models.PositiveIntegerField(verbose_name=_("count"), default=0)
    overall_sum = models.DecimalField(verbose_name=_("overall sum"), max_digits=12, decimal_places=2, default=0)
    means = models.JSONField(verbose_name=_("means"), default=dict)  # {dimension: mean} over published reviews
    # {"1".."5": count of published reviews by rounded overall}
    distribution = models.JSONField(verbose_name=_("distribution"), default=dict)
    hidden = models.PositiveIntegerField(verbose_name=_("hidden"), default=0)
    held = models.PositiveIntegerField(verbose_name=_("held"), default=0)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("store reputation")
        verbose_name_plural = _("store reputations")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.count} reviews"
