from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.validators import TYRE_SIZE_RE
from catalog import kinds
from catalog.kinds import validate_kind

MONEY = {"max_digits": 12, "decimal_places": 2}


def localized(obj, field: str) -> str:
    """``obj.<field>_en`` when the active language is English and it is filled in, else ``obj.<field>_zh``."""
    english = (get_language() or "").startswith("en")
    return getattr(obj, f"{field}_en") if english and getattr(obj, f"{field}_en") else getattr(obj, f"{field}_zh")


class Category(models.Model):
    """A kind of work a store's bays can do. Platform-defined; the code is the stable key."""

    code = models.SlugField(verbose_name=_("code"), primary_key=True, max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveSmallIntegerField(verbose_name=_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class Service(models.Model):
    """A platform-defined standard service. Stores price it; the ``kind`` names its workflow plug-in."""

    code = models.SlugField(verbose_name=_("code"), primary_key=True, max_length=60)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="services"
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    duration_min = models.PositiveSmallIntegerField(_("standard duration (minutes)"))
    kind = models.CharField(_("kind"), max_length=40, default="standard", validators=[validate_kind])
    needs_engine = models.BooleanField(
        _("needs a combustion engine"),
        default=False,
        help_text=_("Work on the engine (oil changes): not offered for a vehicle known to be electric."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(verbose_name=_("sort order"), default=0)

    class Meta:
        ordering = ["category__sort_order", "sort_order", "code"]
        verbose_name = _("standard service")
        verbose_name_plural = _("standard services")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_min__gt=0) & Q(duration_min__lte=24 * 60), name="service_duration_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")


class ServiceChecklistItem(models.Model):
    """One item staff answer when doing the service (a note, photos). Bookings copy the list when they are made
    (``catalog.checklists.checklist_snapshot``), so editing it here changes future bookings only."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="checklist_items"
    )
    code = models.SlugField(_("code"), max_length=60)
    label_zh = models.CharField(_("label (Chinese)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    required = models.BooleanField(
        _("required"), default=True, help_text=_("A booking is completed only once every required item is answered.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service_id", "position", "code"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="checklist_item_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.code}"

    def clean(self) -> None:
        super().clean()
        if not self.service_id:
            return
        try:
            kind = kinds.for_service(self.service)
        except kinds.UnknownKind:
            return
        if self.code in {item.code for item in kind.extra_checklist(service=self.service)}:
            raise ValidationError(
                {"code": _("The service's kind already adds an item with this code; pick another code.")}
            )

    @property
    def label(self) -> str:
        return localized(self, "label")


class PartType(models.TextChoices):
    TYRE = "tyre", _("Tyre")
    ENGINE_OIL = "engine_oil", _("Engine oil")
    OIL_FILTER = "oil_filter", _("Oil filter")
    AIR_FILTER = "air_filter", _("Air filter")
    CABIN_FILTER = "cabin_filter", _("Cabin filter")
    BRAKE_FLUID = "brake_fluid", _("Brake fluid")
    BRAKE_PAD = "brake_pad", _("Brake pads")
    BATTERY = "battery", _("Battery")
    WIPER = "wiper", _("Wiper blade")
    REFRIGERANT = "refrigerant", _("A/C refrigerant")
    CARE = "care", _("Cleaning and care products")


class Part(models.Model):
    """A catalogue part. ``category`` is the service category whose offerings may use it."""

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    brand = models.CharField(_("brand"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    spec = models.CharField(_("specification"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=10)
    list_price = models.DecimalField(_("list price"), **MONEY)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="parts")
    part_type = models.CharField(_("type"), max_length=20, choices=PartType.choices)
    tyre_size = models.CharField(_("tyre size"), max_length=12, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["part_type", "brand", "sku"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gte=0), name="part_list_price_not_negative"),
            models.CheckConstraint(condition=Q(part_type__in=PartType.values), name="part_type_known"),
            models.CheckConstraint(
                condition=(Q(part_type="tyre") & Q(tyre_size__regex=TYRE_SIZE_RE))
                | (~Q(part_type="tyre") & Q(tyre_size="")),
                name="part_tyre_size_iff_tyre",
            ),
        ]
        indexes = [models.Index(fields=["part_type", "tyre_size"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.brand} {self.name}"


class PartFitment(models.Model):
    """The part fits this make (and model, when given) for model years ``year_from``..``year_to``.

    A part without fitment rows fits every vehicle (oils, fluids, care products); tyres fit by size.
    """

    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="fitments")
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60, blank=True, help_text=_("Empty: every model of the make."))
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))

    class Meta:
        verbose_name = _("part fitment")
        verbose_name_plural = _("part fitments")
        ordering = ["part_id", "make", "model", "year_from"]
        constraints = [
            models.CheckConstraint(condition=Q(year_from__lte=F("year_to")), name="fitment_year_range"),
        ]
        indexes = [models.Index(fields=["make", "model"])]

    def __str__(self) -> str:
        return f"{self.part_id}: {self.make} {self.model or '*'} {self.year_from}-{self.year_to}"


class VehicleSpec(models.Model):
    """Factory data for a make/model/year range: engine-oil capacity and original tyre size."""

    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))
    engine_oil_l = models.DecimalField(_("engine oil (litres)"), max_digits=4, decimal_places=1, null=True, blank=True)
    tyre_size = models.CharField(_("original tyre size"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("vehicle spec")
        verbose_name_plural = _("vehicle specs")
        ordering = ["make", "model", "year_from"]
        constraints = [
            models.CheckConstraint(condition=Q(year_from__lte=F("year_to")), name="spec_year_range"),
            models.CheckConstraint(
                condition=Q(engine_oil_l__isnull=True) | (Q(engine_oil_l__gt=0) & Q(engine_oil_l__lt=20)),
                name="spec_oil_range",
            ),
            models.CheckConstraint(condition=Q(tyre_size="") | Q(tyre_size__regex=TYRE_SIZE_RE), name="spec_tyre_size"),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model} {self.year_from}-{self.year_to}"


class Offering(models.Model):
    """A store's price for one standard service. Its prices live in immutable versions; ``current``
    is the one in force (null once deactivated, with ``is_active`` false)."""

    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="offerings"
    )
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="offerings")
    current = models.OneToOneField(
        "OfferingVersion",
        verbose_name=_("current"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="current_of",
    )
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)
    # Denormalized from ``current`` for index-driven search and sorting by price.
    total = models.DecimalField(verbose_name=_("total"), **MONEY, null=True, blank=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), default=now)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["store_id", "service_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "service"], name="offering_unique_per_store_service"),
            models.CheckConstraint(
                condition=(Q(is_active=True) & Q(current__isnull=False) & Q(total__isnull=False)) | Q(is_active=False),
                name="offering_active_has_price",
            ),
        ]
        indexes = [models.Index(fields=["service", "store"], condition=Q(is_active=True), name="offering_active_idx")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.service_id}"


class OfferingVersion(models.Model):
    """One immutable price of an offering: labour plus part lines, with who set it and when.

    A database trigger refuses UPDATE on this table and on its lines (migration 0003): a change is a
    new version, and bookings keep pointing at the version they were priced at.
    """

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    labour = models.DecimalField(_("labour"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    duration_min = models.PositiveSmallIntegerField(_("duration (minutes)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("offering version")
        verbose_name_plural = _("offering versions")
        ordering = ["offering_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "number"], name="offering_version_unique_number"),
            models.CheckConstraint(condition=Q(labour__gte=0), name="version_labour_not_negative"),
            models.CheckConstraint(condition=Q(total__gte=F("labour")), name="version_total_covers_labour"),
            models.CheckConstraint(
                condition=Q(duration_min__gt=0) & Q(duration_min__lte=24 * 60), name="version_duration_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} v{self.number}"


class OfferingPartLine(models.Model):
    version = models.ForeignKey(
        OfferingVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    qty = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("offering part line")
        verbose_name_plural = _("offering part lines")
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="part_line_unique_position"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="part_line_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="part_line_unit_price_not_negative"),
            # PostgreSQL's round(numeric, 2) rounds half away from zero: ROUND_HALF_UP for these positives.
            models.CheckConstraint(
                condition=Q(amount=Round(F("qty") * F("unit_price"), 2)), name="part_line_amount_exact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}#{self.position} {self.part_id} × {self.qty}"


class ReferencePrice(models.Model):
    """Quartiles of the current totals of active stores' offerings, per service and city."""

    service = models.ForeignKey(
        Service, verbose_name=_("standard service"), on_delete=models.CASCADE, related_name="reference_prices"
    )
    city = models.CharField(_("city"), max_length=40)
    p25 = models.DecimalField(_("lower quartile"), **MONEY)
    median = models.DecimalField(_("median"), **MONEY)
    p75 = models.DecimalField(_("upper quartile"), **MONEY)
    sample_size = models.PositiveIntegerField(_("sample size"))
    computed_at = models.DateTimeField(_("computed at"), default=now)

    class Meta:
        ordering = ["service_id", "city"]
        verbose_name = _("reference price")
        verbose_name_plural = _("reference prices")
        constraints = [
            models.UniqueConstraint(fields=["service", "city"], name="reference_price_unique"),
            models.CheckConstraint(
                condition=Q(p25__lte=F("median")) & Q(median__lte=F("p75")), name="reference_price_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.city}: {self.median}"
