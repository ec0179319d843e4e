"""Bookings: a bay held for a job, its state machine and timeline, extra work, checklist answers, photos.

The one rule that must never break, two live bookings on one bay at overlapping times, is PostgreSQL's to
keep: an exclusion constraint over ``(bay, [start, blocks_until))`` for the live statuses. ``blocks_until`` is
the end of the job plus the store's cleaning buffer, so the buffer is guarded by the same constraint.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Round
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from chefu.private_media import private_storage

MONEY = {"max_digits": 12, "decimal_places": 2}


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class BookingStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    NO_SHOW = "no_show", _("No-show")


# Statuses that hold the bay. A completed job frees the rest of its slot; the others never held it again.
LIVE_STATUSES = (
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.IN_SERVICE,
)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.PENDING_PAYMENT: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.EXPIRED}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CHECKED_IN, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}),
    BookingStatus.CHECKED_IN: frozenset({BookingStatus.IN_SERVICE, BookingStatus.CANCELLED}),
    BookingStatus.IN_SERVICE: frozenset({BookingStatus.COMPLETED}),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
}


class BookingPolicy(models.Model):
    """A store's booking rules. A store without a row uses the defaults (``BookingPolicy(store=store)``)."""

    store = models.OneToOneField(
        "stores.Store", verbose_name=_("store"), primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    slot_step_min = models.PositiveSmallIntegerField(_("slot step (minutes)"), default=15)
    min_notice_min = models.PositiveIntegerField(_("minimum notice (minutes)"), default=60)
    horizon_days = models.PositiveSmallIntegerField(_("booking horizon (days)"), default=30)
    buffer_min = models.PositiveSmallIntegerField(_("cleaning buffer after each job (minutes)"), default=0)
    pay_window_min = models.PositiveSmallIntegerField(_("time to pay (minutes)"), default=15)
    free_cancel_hours = models.PositiveSmallIntegerField(_("free cancellation until (hours before)"), default=2)
    cancel_fee_pct = models.DecimalField(_("late cancellation fee (%)"), max_digits=5, decimal_places=2, default=20)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_step_min__gte=5) & Q(slot_step_min__lte=240), name="policy_step_range"
            ),
            models.CheckConstraint(condition=Q(min_notice_min__lte=14 * 24 * 60), name="policy_notice_range"),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1) & Q(horizon_days__lte=180), name="policy_horizon_range"
            ),
            models.CheckConstraint(condition=Q(buffer_min__lte=240), name="policy_buffer_range"),
            models.CheckConstraint(
                condition=Q(pay_window_min__gte=5) & Q(pay_window_min__lte=24 * 60), name="policy_pay_window_range"
            ),
            models.CheckConstraint(condition=Q(free_cancel_hours__lte=7 * 24), name="policy_free_cancel_range"),
            models.CheckConstraint(
                condition=Q(cancel_fee_pct__gte=0) & Q(cancel_fee_pct__lte=100), name="policy_fee_pct_range"
            ),
        ]

    def __str__(self) -> str:
        return f"policy of {self.store_id}"


class Booking(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="bookings"
    )
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="bookings"
    )
    bay = models.ForeignKey("stores.Bay", verbose_name=_("bay"), on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="bookings"
    )
    vehicle = models.ForeignKey(
        "accounts.Vehicle", verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="bookings"
    )
    # The price version the quote was built from: versions are immutable, so this is what was agreed.
    offering_version = models.ForeignKey(
        "catalog.OfferingVersion", verbose_name=_("offering version"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=16, choices=BookingStatus.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end + the store's cleaning buffer: what the bay is held for.
    blocks_until = models.DateTimeField(verbose_name=_("blocks until"))
    # The itemized quote at booking time ({"lines": [...], "total": "...", "notes": [...]}) and its total.
    quote = models.JSONField(verbose_name=_("quote"))
    quote_total = models.DecimalField(_("quote total"), **MONEY)
    # The service's checklist at booking time: [{"code", "label_zh", "label_en", "required"}].
    checklist = models.JSONField(verbose_name=_("checklist"), default=list)
    pay_before = models.DateTimeField(_("pay before"), null=True, blank=True)
    # Kept by the payments app. ``amount_paid``: what succeeded payments settled of the booking's cost (their
    # ``covers``, a coupon's discount included); what is owed is ``amount_due`` less it. ``amount_unapplied``: the
    # cash of succeeded payments that settled nothing (a slice paid twice, money after the booking ended), each
    # refunded in full. Owners are shown their sum as paid (API.md: the sum of succeeded payments; refunds apart).
    amount_paid = models.DecimalField(_("amount paid"), **MONEY, default=0)
    # A database default too, so rows written in SQL (bench/) need not name it.
    amount_unapplied = models.DecimalField(_("paid without settling anything"), **MONEY, default=0, db_default=0)
    # The store's cancellation terms as they were when the booking was made: free until ``cancel_free_until``,
    # then ``cancel_fee_pct`` of what was paid. A reschedule moves the deadline only while it has not passed.
    cancel_free_until = models.DateTimeField(verbose_name=_("cancel free until"))
    cancel_fee_pct = models.DecimalField(verbose_name=_("cancel fee (%)"), max_digits=5, decimal_places=2)
    cancelled_by_store = models.BooleanField(verbose_name=_("cancelled by store"), default=False)
    cancel_reason = models.TextField(verbose_name=_("cancel reason"), blank=True)
    # Set when cancelled: the fee the cancellation policy kept and what is owed back to the owner.
    cancellation_fee = models.DecimalField(verbose_name=_("cancellation fee"), **MONEY, null=True, blank=True)
    refund_due = models.DecimalField(verbose_name=_("refund due"), **MONEY, null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "id"]
        constraints = [
            ExclusionConstraint(
                name="booking_no_overlap_per_bay",
                expressions=[
                    (TsTzRange("start", "blocks_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("bay", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=LIVE_STATUSES),
                violation_error_code="slot_unavailable",
            ),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_known"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(blocks_until__gte=F("end")), name="booking_blocks_cover_job"),
            models.CheckConstraint(condition=Q(quote_total__gte=0), name="booking_quote_total_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="booking_amount_paid_not_negative"),
            models.CheckConstraint(condition=Q(amount_unapplied__gte=0), name="booking_amount_unapplied_not_negative"),
            models.CheckConstraint(
                condition=Q(cancel_fee_pct__gte=0) & Q(cancel_fee_pct__lte=100), name="booking_fee_pct_range"
            ),
            models.CheckConstraint(condition=Q(cancel_free_until__lte=F("start")), name="booking_free_cancel_by_start"),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.PENDING_PAYMENT) | Q(pay_before__isnull=False),
                name="booking_pending_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(refund_due__isnull=True) | (Q(refund_due__gte=0) & Q(refund_due__lte=F("amount_paid"))),
                name="booking_refund_within_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-start"], name="booking_owner_idx"),
            models.Index(fields=["store", "start"], name="booking_store_start_idx"),
            models.Index(
                fields=["pay_before"],
                condition=Q(status=BookingStatus.PENDING_PAYMENT),
                name="booking_unpaid_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.store_id}/{self.bay_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class EventAction(models.TextChoices):
    STATUS = "status", _("Status change")
    RESCHEDULE = "reschedule", _("Rescheduled")


class ActorRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STORE = "store", _("Store")
    PLATFORM = "platform", _("Platform")
    SYSTEM = "system", _("System")


class BookingEvent(models.Model):
    """The timeline: one row per status change (and per reschedule), with who, when and why."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    action = models.CharField(
        verbose_name=_("action"), max_length=12, choices=EventAction.choices, default=EventAction.STATUS
    )
    from_status = models.CharField(verbose_name=_("from status"), max_length=16, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=16, choices=BookingStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # In what capacity: the owner, the store's staff, the platform (QA, admin) or the system (expiry, payment).
    by_role = models.CharField(
        verbose_name=_("by role"), max_length=10, choices=ActorRole.choices, default=ActorRole.SYSTEM
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=BookingStatus.values), name="booking_event_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '-'} → {self.to_status}"


# Where booking photos are stored in the private storage, and so the start of their URLs under PRIVATE_MEDIA_URL
# (web/urls.py routes that prefix to bookings.views.booking_photo).
PHOTO_PREFIX = "bookings/"


class Photo(models.Model):
    """A photo taken at the shop for a booking (checklist evidence, extra work), already re-encoded."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="photos")
    # Private (chefu.private_media): shown only through bookings.views.booking_photo, found by its name.
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to=PHOTO_PREFIX + "%Y/%m/",
        storage=private_storage,
        width_field="width",
        height_field="height",
        db_index=True,
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.booking_id}"


class ChecklistResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class ChecklistAnswer(models.Model):
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="checklist_answers"
    )
    code = models.SlugField(verbose_name=_("code"), max_length=60)
    result = models.CharField(verbose_name=_("result"), max_length=4, choices=ChecklistResult.choices)
    note = models.TextField(verbose_name=_("note"), blank=True)
    photo = models.ForeignKey(
        Photo, verbose_name=_("photo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(verbose_name=_("answered at"), default=now)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["booking_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "code"], name="checklist_answer_unique_code"),
            models.CheckConstraint(condition=Q(result__in=ChecklistResult.values), name="checklist_result_known"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}/{self.code}: {self.result}"


class SupplementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Supplement(models.Model):
    """Extra work found at the shop. It costs the owner nothing until the owner approves it."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="supplements"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=SupplementStatus.choices, default=SupplementStatus.PROPOSED
    )
    reason = models.TextField(_("reason"))
    total = models.DecimalField(_("total"), **MONEY)
    photos = models.ManyToManyField(Photo, verbose_name=_("photos"), blank=True, related_name="supplements")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(verbose_name=_("proposed at"), default=now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(verbose_name=_("decided at"), null=True, blank=True)
    decision_note = models.TextField(verbose_name=_("decision note"), blank=True)

    class Meta:
        verbose_name = _("supplement")
        verbose_name_plural = _("supplements")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SupplementStatus.values), name="supplement_status_known"),
            models.CheckConstraint(condition=Q(total__gt=0), name="supplement_total_positive"),
            models.CheckConstraint(
                condition=Q(status=SupplementStatus.PROPOSED, decided_at__isnull=True)
                | (~Q(status=SupplementStatus.PROPOSED) & Q(decided_at__isnull=False)),
                name="supplement_decided_iff_not_proposed",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="supplement_has_reason"),
        ]

    def __str__(self) -> str:
        return f"supplement {self.pk} of {self.booking_id} ({self.status})"


class SupplementLine(models.Model):
    supplement = models.ForeignKey(
        Supplement, verbose_name=_("supplement"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    description = models.CharField(verbose_name=_("description"), max_length=200)
    sku = models.CharField(verbose_name=_("SKU"), max_length=40, blank=True)
    qty = models.DecimalField(verbose_name=_("quantity"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(verbose_name=_("unit price"), **MONEY)
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)

    class Meta:
        verbose_name = _("supplement line")
        verbose_name_plural = _("supplement lines")
        ordering = ["supplement_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["supplement", "position"], name="supplement_line_unique_position"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="supplement_line_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="supplement_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(amount=Round(F("qty") * F("unit_price"), 2)), name="supplement_line_amount_exact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplement_id}#{self.position} {self.description}"
