import zoneinfo

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from accounts.validators import PHONE_RE

DEFAULT_TIMEZONE = "Asia/Shanghai"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class StoreStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PROBATION = "probation", _("On probation")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


# Owners find only these; the rest exist for QA and the store's own staff.
VISIBLE_STATUSES = (StoreStatus.ACTIVE, StoreStatus.PROBATION)


class Store(models.Model):
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=40, db_index=True)
    # WGS-84, always. Geography so distances and ST_DWithin are in metres on the spheroid.
    location = gis.PointField(_("location"), geography=True, srid=4326, spatial_index=True)
    phone = models.CharField(_("phone"), max_length=20)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    status = models.CharField(_("status"), max_length=12, choices=StoreStatus.choices, default=StoreStatus.ACTIVE)
    categories = models.ManyToManyField("catalog.Category", related_name="stores", verbose_name=_("categories"))
    # Reputation, kept by the reviews app; null until the first review.
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)), name="store_rating_range"
            ),
            models.CheckConstraint(condition=Q(phone__regex=PHONE_RE), name="store_phone_format"),
            models.CheckConstraint(condition=Q(status__in=StoreStatus.values), name="store_status_known"),
        ]
        indexes = [models.Index(fields=["status", "city"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_visible(self) -> bool:
        return self.status in VISIBLE_STATUSES


class StatusReason(models.TextChoices):
    MANUAL = "manual", _("Decided by QA")
    KPI = "kpi", _("Quality indicators below the standard")
    COMPLAINTS = "complaints", _("Upheld complaints")
    AUDIT_FAILED = "audit_failed", _("Failed audit")
    CRITICAL_FAILURE = "critical_failure", _("Critical failure in an audit")
    PROBATION_EXPIRED = "probation_expired", _("Probation not cleared in time")
    REINSTATED = "reinstated", _("Passed a re-audit")
    APPROVED = "approved", _("Application approved")


class StoreStatusEvent(models.Model):
    """One row per status change of a store: who, when, why."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="status_events")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    from_status = models.CharField(verbose_name=_("from status"), max_length=12, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=12, choices=StoreStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    # Shown on the store's public record (a sanction is never silent); ``evidence``: what the decision stood on (the
    # KPIs and their values, the audit), for QA and the store.
    reason_category = models.CharField(
        verbose_name=_("reason category"), max_length=20, choices=StatusReason.choices, default=StatusReason.MANUAL
    )
    evidence = models.JSONField(verbose_name=_("evidence"), default=dict, blank=True)

    class Meta:
        verbose_name = _("store status event")
        verbose_name_plural = _("store status events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=StoreStatus.values), name="store_event_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.from_status or '-'} → {self.to_status}"


class Bay(models.Model):
    """A workplace (lift, wash bay) that takes one job at a time."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="bays")
    name = models.CharField(_("name"), max_length=40)
    categories = models.ManyToManyField("catalog.Category", related_name="bays", verbose_name=_("categories"))
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)

    class Meta:
        verbose_name = _("bay")
        verbose_name_plural = _("bays")
        ordering = ["store_id", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="bay_name_unique_per_store")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.name}"


class OpeningHours(models.Model):
    """One opening range on a weekday (Mon=0), in the store's own time zone.

    ``closes <= opens`` means the range runs past midnight into the next day (22:00-02:00);
    00:00-00:00 is open all day. A day with no rows is a closed day; several rows make a lunch break.
    """

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["store_id", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="hours_weekday_range"),
            models.UniqueConstraint(fields=["store", "weekday", "opens"], name="hours_unique_start"),
        ]
        indexes = [models.Index(fields=["store", "weekday"])]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


class Closure(models.Model):
    """The whole store (``bay`` empty) or one bay closed for a period (holiday, repairs)."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="closures")
    bay = models.ForeignKey(
        Bay, verbose_name=_("bay"), null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="closure_ends_after_start"),
        ]
        indexes = [models.Index(fields=["store", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.bay_id or '*'} {self.starts_at:%Y-%m-%d %H:%M}"


class StaffRole(models.TextChoices):
    MANAGER = "manager", _("Manager")
    ADVISOR = "advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")


class StoreMembership(models.Model):
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="store_memberships"
    )
    role = models.CharField(verbose_name=_("role"), max_length=12, choices=StaffRole.choices)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("store membership")
        verbose_name_plural = _("store memberships")
        ordering = ["store_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=StaffRole.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.store_id} ({self.role})"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PartnerApplication(models.Model):
    """A shop asking to join. Approval creates the store from exactly what was applied for."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="applications"
    )
    name = models.CharField(verbose_name=_("name"), max_length=80)
    address = models.CharField(verbose_name=_("address"), max_length=200)
    city = models.CharField(verbose_name=_("city"), max_length=40)
    location = gis.PointField(verbose_name=_("location"), geography=True, srid=4326, spatial_index=False)
    phone = models.CharField(verbose_name=_("phone"), max_length=20)
    timezone = models.CharField(
        verbose_name=_("timezone"), max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    categories = ArrayField(models.SlugField(max_length=40), verbose_name=_("categories"))
    # [{"name": str, "categories": [code]}] and [{"weekday": int, "opens": "HH:MM", "closes": "HH:MM"}],
    # validated by the service before they are stored.
    bays = models.JSONField(verbose_name=_("bays"))
    opening_hours = models.JSONField(verbose_name=_("opening hours"))
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"), default=now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(verbose_name=_("reviewed at"), null=True, blank=True)
    notes = models.TextField(verbose_name=_("notes"), blank=True)
    reject_reason = models.TextField(verbose_name=_("reject reason"), blank=True)
    store = models.OneToOneField(
        Store, verbose_name=_("store"), null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="approved", store__isnull=False) | (~Q(status="approved") & Q(store__isnull=True)),
                name="application_store_iff_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="application_rejection_has_reason"
            ),
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status_known"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
