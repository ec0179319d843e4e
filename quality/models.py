"""Quality governance: the published store standard, audits against it, corrective actions, owners' complaints, the
daily KPI series, the rules that turn KPIs into alerts and sanctions, and the alerts QA works through.

The quality app stands above bookings, payments and reviews (``.importlinter``): it reads their rows and listens to
their events; they never import it. A store's status lives in ``stores`` (``Store.status`` and its
``StoreStatusEvent`` trail); the quality app moves it through ``stores.services.store_status_transition``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from catalog.models import localized
from chefu.private_media import private_storage

# Private photos of audits, corrective actions and complaints, served by quality's own view that checks who asks.
QUALITY_PHOTO_PREFIX = "quality/"

# --- Standards ------------------------------------------------------------------------------------------------------


class StandardCategory(models.TextChoices):
    FACILITY = "facility", _("Facility")
    TOOLS = "tools", _("Tools and calibration")
    LICENCES = "licences", _("Licences and staff certificates")
    PARTS = "parts", _("Parts storage and provenance")
    WASTE = "waste", _("Waste-oil and hazardous-waste disposal")
    PRICES = "prices", _("Posted price list")
    CUSTOMER_AREA = "customer_area", _("Customer area")


class Standard(models.Model):
    """One version of the store standard of one category. A draft is edited freely; publishing it (``published_at``
    set) makes the version and its items immutable, which a database trigger enforces (migration 0002). The version
    in force of a code is its latest published one; an audit keeps the version it was scored against."""

    code = models.SlugField(_("code"), max_length=40)
    category = models.CharField(_("category"), max_length=20, choices=StandardCategory.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="standard_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class StandardItem(models.Model):
    """One requirement of a standard version, scored pass/fail/n.a. in an audit."""

    standard = models.ForeignKey(Standard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="items")
    code = models.SlugField(_("code"), max_length=60)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    weight = models.PositiveSmallIntegerField(_("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    critical = models.BooleanField(_("critical"), default=False)
    evidence_required = models.BooleanField(_("evidence photo required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["standard_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="standarditem_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="standarditem_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.standard_id}/{self.code}"

    @property
    def text(self) -> str:
        """The text in the active language (Chinese first)."""
        return localized(self, "text")


# --- Audits ---------------------------------------------------------------------------------------------------------


class AuditKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    UNANNOUNCED = "unannounced", _("Unannounced")
    MYSTERY_SHOPPER = "mystery_shopper", _("Mystery shopper")
    COMPLAINT = "complaint", _("After a complaint")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    FINALIZED = "finalized", _("Finalized")
    CANCELLED = "cancelled", _("Cancelled")


class Audit(models.Model):
    """A visit (or a mystery-shopper booking) that scores a store against one standard version. ``score`` is the
    weighted share of passed items among those not n.a. (0-100); ``passed`` also needs no failed critical item."""

    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(Standard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="audits")
    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=AuditStatus.choices, default=AuditStatus.PLANNED)
    scheduled_for = models.DateField(_("scheduled for"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A mystery shopper's booking (made and paid as an ordinary owner); never shown to the store as an audit.
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complaint = models.ForeignKey(
        "Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audits",
    )
    # A re-audit closes the loop of the audit whose failed items it checks again.
    reaudit_of = models.ForeignKey(
        "self", verbose_name=_("reaudit of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reaudits"
    )
    pass_mark = models.DecimalField(
        verbose_name=_("pass mark"), max_digits=5, decimal_places=2, default=Decimal("80.00")
    )
    score = models.DecimalField(verbose_name=_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(verbose_name=_("passed"), null=True, blank=True)
    critical_failed = models.BooleanField(verbose_name=_("critical failed"), default=False)
    finalized_at = models.DateTimeField(verbose_name=_("finalized at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["store", "-finalized_at"], name="audit_store_final_idx"),
            models.Index(fields=["assignee", "scheduled_for"], name="audit_assignee_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="finalized", score__isnull=False, passed__isnull=False, finalized_at__isnull=False)
                | (~Q(status="finalized") & Q(score__isnull=True, passed__isnull=True)),
                name="audit_scored_when_finalized",
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="audit_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} audit of store {self.store_id} ({self.status})"


class AuditResultValue(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class AuditResult(models.Model):
    audit = models.ForeignKey(Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(StandardItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(verbose_name=_("result"), max_length=4, choices=AuditResultValue.choices)
    note = models.TextField(verbose_name=_("note"), blank=True)

    class Meta:
        verbose_name = _("audit result")
        verbose_name_plural = _("audit results")
        ordering = ["audit_id", "item__position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="auditresult_unique_item")]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.item_id}: {self.result}"


class AuditPhoto(models.Model):
    """Evidence for an audit item, re-encoded like a booking photo and private."""

    audit = models.ForeignKey(Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        StandardItem, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to=QUALITY_PHOTO_PREFIX + "audits/%Y/%m/",
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("audit photo")
        verbose_name_plural = _("audit photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of audit {self.audit_id}"


# --- Corrective actions -----------------------------------------------------------------------------------------------


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Evidence submitted")
    ACCEPTED = "accepted", _("Accepted")


class CorrectiveAction(models.Model):
    """A failed audit item the store must put right by ``due``: it submits evidence, QA accepts it or reopens it."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), on_delete=models.CASCADE, related_name="corrective_actions"
    )
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StandardItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    due = models.DateField(_("due"))
    evidence_note = models.TextField(verbose_name=_("evidence note"), blank=True)
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(verbose_name=_("accepted at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["store", "status", "due"], name="action_store_status_idx")]
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="action_unique_per_audit_item")]

    def __str__(self) -> str:
        return f"action {self.pk} of store {self.store_id} ({self.status})"


class CorrectiveActionEvent(models.Model):
    """The trail of a corrective action: created, evidence submitted, accepted, reopened."""

    action = models.ForeignKey(
        CorrectiveAction, verbose_name=_("action"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    kind = models.CharField(verbose_name=_("kind"), max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(verbose_name=_("note"), blank=True)

    class Meta:
        verbose_name = _("corrective action event")
        verbose_name_plural = _("corrective action events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of action {self.action_id}"


class ActionPhoto(models.Model):
    action = models.ForeignKey(
        CorrectiveAction, verbose_name=_("action"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to=QUALITY_PHOTO_PREFIX + "actions/%Y/%m/",
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("action photo")
        verbose_name_plural = _("action photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of action {self.action_id}"


# --- Complaints -------------------------------------------------------------------------------------------------------


class ComplaintCategory(models.TextChoices):
    OVERCHARGE = "overcharge", _("Charged more than quoted")
    WORKMANSHIP = "workmanship", _("Poor workmanship")
    DAMAGE = "damage", _("Damage to the car")
    PARTS_MISMATCH = "parts_mismatch", _("Parts not as quoted")
    NO_SHOW = "no_show", _("Store did not show or was late")
    CONDUCT = "conduct", _("Staff conduct")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the store")
    ANSWERED = "answered", _("Answered by the store")
    RESOLVED = "resolved", _("Resolved")


class ComplaintOutcome(models.TextChoices):
    REJECTED = "rejected", _("Rejected")
    UPHELD = "upheld", _("Upheld")


class Complaint(models.Model):
    """An owner's complaint about a booking. The store answers by ``respond_by`` (24 h), QA resolves by
    ``resolve_by`` (72 h), wall-clock. One per booking and category while unresolved."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    respond_by = models.DateTimeField(verbose_name=_("respond by"))
    resolve_by = models.DateTimeField(verbose_name=_("resolve by"))
    store_response = models.TextField(verbose_name=_("store response"), blank=True)
    responded_at = models.DateTimeField(verbose_name=_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(verbose_name=_("outcome"), max_length=10, choices=ComplaintOutcome.choices, blank=True)
    resolution = models.TextField(verbose_name=_("resolution"), blank=True)
    refund_amount = models.DecimalField(
        verbose_name=_("refund amount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    rework_booking = models.ForeignKey(
        Booking, verbose_name=_("rework booking"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    penalty_points = models.PositiveSmallIntegerField(verbose_name=_("penalty points"), default=0)
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(verbose_name=_("escalated at"), null=True, blank=True)
    # When the SLA sweep found it unresolved past ``resolve_by`` (its alert raised once, not once per sweep).
    resolve_breached_at = models.DateTimeField(verbose_name=_("resolve breached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "resolve_by"], name="complaint_status_due_idx"),
            models.Index(fields=["store", "-created_at"], name="complaint_store_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", outcome__in=["rejected", "upheld"], resolved_at__isnull=False)
                | (~Q(status="resolved") & Q(outcome="", resolved_at__isnull=True)),
                name="complaint_outcome_when_resolved",
            ),
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="complaint_refund_not_negative"),
            models.CheckConstraint(
                condition=Q(outcome="upheld") | Q(refund_amount=0, penalty_points=0, rework_booking__isnull=True),
                name="complaint_remedy_only_when_upheld",
            ),
            models.UniqueConstraint(
                fields=["booking", "category"],
                condition=~Q(status="resolved"),
                name="complaint_one_open_per_booking_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} on booking {self.booking_id} ({self.status})"


class ComplaintEvent(models.Model):
    """Every step of a complaint: filed, answered, escalated, resolved; who and when."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    kind = models.CharField(verbose_name=_("kind"), max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_role = models.CharField(verbose_name=_("by role"), max_length=12)
    text = models.TextField(verbose_name=_("text"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of complaint {self.complaint_id}"


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to=QUALITY_PHOTO_PREFIX + "complaints/%Y/%m/",
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of complaint {self.complaint_id}"


# --- KPIs, rules, runs ------------------------------------------------------------------------------------------------


class StoreKpi(models.Model):
    """One store's KPIs on one day over one rolling window (30 or 90 days), kept as a time series. A rate is per 100
    completed bookings of the window; a value is null when its sample is below the minimum (no verdict on three
    bookings). See ``quality/kpis.py`` for each formula."""

    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(verbose_name=_("day"))
    window_days = models.PositiveSmallIntegerField(verbose_name=_("window (days)"))
    completed = models.PositiveIntegerField(verbose_name=_("completed"), default=0)
    booked = models.PositiveIntegerField(verbose_name=_("booked"), default=0)
    reviews = models.PositiveIntegerField(verbose_name=_("reviews"), default=0)
    # Consignment inspection reports the store published in the window: the sample of ``claim_rate``.
    inspections = models.PositiveIntegerField(verbose_name=_("inspections"), default=0)
    rating = models.DecimalField(verbose_name=_("rating"), max_digits=4, decimal_places=2, null=True)
    low_rating_share = models.DecimalField(
        verbose_name=_("low rating share"), max_digits=6, decimal_places=2, null=True
    )
    complaint_rate = models.DecimalField(verbose_name=_("complaint rate"), max_digits=7, decimal_places=2, null=True)
    upheld_complaint_rate = models.DecimalField(
        verbose_name=_("upheld complaint rate"), max_digits=7, decimal_places=2, null=True
    )
    store_cancel_rate = models.DecimalField(
        verbose_name=_("store cancel rate"), max_digits=7, decimal_places=2, null=True
    )
    no_show_rate = models.DecimalField(verbose_name=_("no show rate"), max_digits=7, decimal_places=2, null=True)
    on_time_rate = models.DecimalField(verbose_name=_("on time rate"), max_digits=7, decimal_places=2, null=True)
    supplement_rate = models.DecimalField(verbose_name=_("supplement rate"), max_digits=7, decimal_places=2, null=True)
    upsell_ratio = models.DecimalField(verbose_name=_("upsell ratio"), max_digits=7, decimal_places=4, null=True)
    rework_rate = models.DecimalField(verbose_name=_("rework rate"), max_digits=7, decimal_places=2, null=True)
    claim_rate = models.DecimalField(verbose_name=_("claim rate"), max_digits=7, decimal_places=2, null=True)
    price_deviation = models.DecimalField(verbose_name=_("price deviation"), max_digits=7, decimal_places=2, null=True)
    last_audit_score = models.DecimalField(
        verbose_name=_("last audit score"), max_digits=5, decimal_places=2, null=True
    )
    last_audit_age_days = models.PositiveIntegerField(verbose_name=_("days since last audit"), null=True)
    overdue_actions = models.PositiveIntegerField(verbose_name=_("overdue actions"), default=0)
    risk_score = models.DecimalField(
        verbose_name=_("risk score"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    computed_at = models.DateTimeField(verbose_name=_("computed at"), default=now)

    class Meta:
        verbose_name = _("store KPI")
        verbose_name_plural = _("store KPIs")
        ordering = ["store_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "window_days"], name="storekpi_unique_day_window"),
            models.CheckConstraint(condition=Q(window_days__in=[30, 90]), name="storekpi_window_30_or_90"),
        ]
        # The risk table's order (riskiest first, then by store) straight from the index: its first page reads 20
        # rows, not the day's 10,000 (bench/quality.py).
        indexes = [models.Index(fields=["day", "window_days", "-risk_score", "store"], name="storekpi_risk_page_idx")]

    def __str__(self) -> str:
        return f"store {self.store_id} on {self.day} ({self.window_days} d)"


class Comparator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class RuleAction(models.TextChoices):
    ALERT = "alert", _("Raise an alert")
    PROBATION = "probation", _("Put on probation")
    SUSPEND = "suspend", _("Suspend")


class Rule(models.Model):
    """A threshold on one KPI: when a store's value over ``window_days`` compares true against ``threshold`` on a
    sample of at least ``min_sample`` completed bookings, the nightly run takes ``action``."""

    metric = models.CharField(verbose_name=_("metric"), max_length=30)
    window_days = models.PositiveSmallIntegerField(verbose_name=_("window (days)"), default=90)
    comparator = models.CharField(verbose_name=_("comparator"), max_length=3, choices=Comparator.choices)
    threshold = models.DecimalField(verbose_name=_("threshold"), max_digits=9, decimal_places=2)
    min_sample = models.PositiveIntegerField(verbose_name=_("min sample"), default=20)
    action = models.CharField(verbose_name=_("action"), max_length=10, choices=RuleAction.choices)
    enabled = models.BooleanField(verbose_name=_("enabled"), default=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), default=now)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["metric", "window_days", "id"]
        constraints = [models.CheckConstraint(condition=Q(window_days__in=[30, 90]), name="rule_window_30_or_90")]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparator} {self.threshold} → {self.action}"


class RuleChange(models.Model):
    """Every edit of a rule: who, when, why, and the values before and after."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"))
    before = models.JSONField(verbose_name=_("before"), default=dict)
    after = models.JSONField(verbose_name=_("after"), default=dict)

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"change of rule {self.rule_id} at {self.at:%Y-%m-%d %H:%M}"


class QualityRun(models.Model):
    """One evaluation of every store: the KPIs computed, the rules applied."""

    day = models.DateField(verbose_name=_("day"))
    started_at = models.DateTimeField(verbose_name=_("started at"), default=now)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stores_evaluated = models.PositiveIntegerField(verbose_name=_("stores evaluated"), default=0)
    alerts_raised = models.PositiveIntegerField(verbose_name=_("alerts raised"), default=0)
    status_changes = models.JSONField(verbose_name=_("status changes"), default=list)

    class Meta:
        verbose_name = _("quality run")
        verbose_name_plural = _("quality runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"quality run of {self.day}"


# --- Alerts -----------------------------------------------------------------------------------------------------------


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class Alert(models.Model):
    """Something QA must look at. ``key`` names the condition (``sla:complaint:12:respond``, ``rule:4:store:9``); one
    open alert per key (a partial unique index), so a condition that stays true raises one alert, not one per
    sweep."""

    key = models.CharField(verbose_name=_("key"), max_length=120)
    code = models.CharField(verbose_name=_("code"), max_length=40)
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(verbose_name=_("message"))
    details = models.JSONField(verbose_name=_("details"), default=dict)
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    raised_at = models.DateTimeField(verbose_name=_("raised at"), default=now)
    acked_at = models.DateTimeField(verbose_name=_("acked at"), null=True, blank=True)
    acked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(verbose_name=_("note"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(status="open"), name="alert_one_open_per_key"),
        ]
        indexes = [
            models.Index(fields=["status", "-raised_at"], name="alert_status_idx"),
            # The monitors' quiet period: was this condition acknowledged lately?
            models.Index(fields=["key", "acked_at"], condition=Q(status="acknowledged"), name="alert_key_acked"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"
