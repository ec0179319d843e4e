"""Used-car consignment: an inspection report written during a ``consignment_inspection`` booking, the seller's
listing it creates, verified dealers, sealed-bid auctions with proxy bids, the deal that follows, and claims.

Money is the seller's until a deal: the platform holds the dealer's deposit and the deal's price through payments'
purposes (``payments`` knows neither dealers nor deals). Every state change of a dealer, an auction, a deal and a
claim appends an event row (who, when, why).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from accounts.validators import VIN_RE
from catalog.models import MONEY
from chefu.private_media import private_storage

# Under MEDIA: the private-media view serves this prefix through consignment's access check.
CONSIGNMENT_PHOTO_PREFIX = "consignment/"


# --- Inspection -----------------------------------------------------------------------------------------------------


class Grade(models.TextChoices):
    A = "A", _("A: as new for its age")
    B = "B", _("B: good, minor wear")
    C = "C", _("C: fair, repairs needed")
    D = "D", _("D: poor, or an accident, flood or fire history")


class ItemResult(models.TextChoices):
    OK = "ok", _("OK")
    MINOR = "minor", _("Minor defect")
    MAJOR = "major", _("Major defect")
    NA = "na", _("Not applicable")


class InspectionReport(models.Model):
    """The standard report of one ``consignment_inspection`` booking. A draft while the inspector fills it;
    published (``published_at`` set) when the booking completes, and immutable from then on: a trigger refuses any
    change to a published report, its items and its photos."""

    booking = models.OneToOneField(
        "bookings.Booking", verbose_name=_("booking"), on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_version = models.CharField(verbose_name=_("template version"), max_length=20)
    # The VIN alphabet here; the check digit is validated by the report's service.
    vin = models.CharField(_("VIN"), max_length=17, validators=[RegexValidator(VIN_RE)])
    plate = models.CharField(_("plate"), max_length=12, blank=True)
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("model year"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("odometer (km)"), validators=[MaxValueValidator(2_000_000)])
    first_registered = models.DateField(_("first registered"))
    transfers = models.PositiveSmallIntegerField(_("number of transfers"), validators=[MaxValueValidator(99)])
    summary = models.TextField(_("summary"), blank=True)
    grade_computed = models.CharField(verbose_name=_("grade computed"), max_length=1, choices=Grade.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    grade_override_reason = models.TextField(_("reason for overriding the grade"), blank=True)
    # The car's Chefu service history as it stood at publication (consignment.passport).
    passport = models.JSONField(verbose_name=_("passport"), default=list, blank=True)
    published_at = models.DateTimeField(verbose_name=_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        constraints = [
            models.CheckConstraint(condition=Q(vin__regex=VIN_RE), name="report_vin_format"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="report_grade_known"),
            models.CheckConstraint(condition=Q(grade_computed__in=Grade.values), name="report_grade_computed_known"),
            models.CheckConstraint(
                condition=Q(grade=F("grade_computed")) | ~Q(grade_override_reason=""),
                name="report_override_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["vin"], name="report_vin")]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.vin})"


class InspectionItem(models.Model):
    """One template item's result. ``reading`` carries the item's measurement in its unit (paint thickness in µm)."""

    report = models.ForeignKey(
        InspectionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(verbose_name=_("code"), max_length=40)
    result = models.CharField(verbose_name=_("result"), max_length=5, choices=ItemResult.choices)
    reading = models.DecimalField(verbose_name=_("reading"), max_digits=8, decimal_places=1, null=True, blank=True)
    note = models.TextField(verbose_name=_("note"), blank=True)

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="report_item_once"),
            models.CheckConstraint(condition=Q(result__in=ItemResult.values), name="report_item_result_known"),
            models.CheckConstraint(condition=Q(reading__isnull=True) | Q(reading__gte=0), name="report_reading_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.code}: {self.result}"


class InspectionPhoto(models.Model):
    """A photo of an item (``item_code``) or of the car (blank), re-encoded like a booking photo and private.
    ``masked`` is the copy dealers are shown, with the number plate blurred."""

    report = models.ForeignKey(
        InspectionReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    item_code = models.CharField(verbose_name=_("item code"), max_length=40, blank=True)
    image = models.ImageField(
        verbose_name=_("image"),
        upload_to=CONSIGNMENT_PHOTO_PREFIX + "reports/%Y/%m/",
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    masked = models.ImageField(
        verbose_name=_("masked"),
        upload_to=CONSIGNMENT_PHOTO_PREFIX + "masked/%Y/%m/",
        storage=private_storage,
        blank=True,
    )
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of report {self.report_id}"


# --- Listings ---------------------------------------------------------------------------------------------------------


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AUCTION = "auction", _("In auction")
    AWAITING_SELLER = "awaiting_seller", _("Awaiting the seller's decision")
    DEAL = "deal", _("Deal in progress")
    SOLD = "sold", _("Sold")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Listing(models.Model):
    """The seller's car for sale, created when its inspection report is published. Make, model, year and mileage are
    copied from the report for the comparable-deals estimate."""

    report = models.OneToOneField(
        InspectionReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="listing"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seller"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    make = models.CharField(verbose_name=_("make"), max_length=60, blank=True)
    model = models.CharField(verbose_name=_("model"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(verbose_name=_("year"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(verbose_name=_("mileage (km)"))
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ListingStatus.values), name="listing_status_known"),
        ]
        indexes = [models.Index(fields=["make", "model", "year"], name="listing_comparables")]

    def __str__(self) -> str:
        return f"listing {self.pk}"


class StatusEvent(models.Model):
    """A row of a timeline: a move ``from_status`` → ``to_status`` (or a step that keeps the status, named in
    ``details``), when, by whom (None: the platform) and why. Each timeline adds its object's key and its statuses'
    width."""

    at = models.DateTimeField(verbose_name=_("at"), default=now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


# --- Dealers ----------------------------------------------------------------------------------------------------------


class DealerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class DepositStatus(models.TextChoices):
    NONE = "none", _("Not paid")
    HELD = "held", _("Held")
    FORFEITED = "forfeited", _("Forfeited")
    RETURNED = "returned", _("Returned")


class Dealer(models.Model):
    """A used-car dealer's company. May bid when ``status`` is verified and the deposit is held."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="dealer"
    )
    company = models.CharField(_("company"), max_length=120)
    license_no = models.CharField(_("business licence number"), max_length=40, unique=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=DealerStatus.choices, default=DealerStatus.APPLIED
    )
    deposit_status = models.CharField(
        verbose_name=_("deposit status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    deposit_amount = models.DecimalField(verbose_name=_("deposit amount"), **MONEY, default=0)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DealerStatus.values), name="dealer_status_known"),
            models.CheckConstraint(condition=Q(deposit_status__in=DepositStatus.values), name="dealer_deposit_known"),
            models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="dealer_deposit_ge_0"),
        ]

    def __str__(self) -> str:
        return self.company

    @property
    def may_bid(self) -> bool:
        return self.status == DealerStatus.VERIFIED and self.deposit_status == DepositStatus.HELD


class DealerEvent(StatusEvent):
    dealer = models.ForeignKey(Dealer, verbose_name=_("dealer"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=10)

    class Meta:
        verbose_name = _("dealer event")
        verbose_name_plural = _("dealer events")

    def __str__(self) -> str:
        return f"dealer {self.dealer_id}: {self.from_status or '-'} → {self.to_status}"


# --- Auctions ---------------------------------------------------------------------------------------------------------


class AuctionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SOLD = "sold", _("Sold")
    RESERVE_NOT_MET = "reserve_not_met", _("Reserve not met")
    NO_BIDS = "no_bids", _("No bids")
    ACCEPTED = "accepted", _("Accepted by the seller")
    DECLINED = "declined", _("Declined by the seller")


class Auction(models.Model):
    """A sealed competition among verified dealers for one listing. ``highest_amount`` is the current price (what the
    leader pays if it closes now); the leader's own maximum stays in :class:`ProxyMax`. ``version`` grows with every
    change dealers can see: the ETag of ``GET /consignment/auctions/{id}``."""

    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="auctions")
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=AuctionStatus.choices, default=AuctionStatus.OPEN
    )
    reserve_price = models.DecimalField(verbose_name=_("reserve price"), **MONEY)
    duration_min = models.PositiveSmallIntegerField(
        verbose_name=_("duration (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    started_at = models.DateTimeField(verbose_name=_("started at"), default=now)
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    highest_amount = models.DecimalField(verbose_name=_("highest amount"), **MONEY, null=True, blank=True)
    highest_dealer = models.ForeignKey(
        Dealer, verbose_name=_("highest dealer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bid_count = models.PositiveIntegerField(verbose_name=_("bid count"), default=0)
    version = models.PositiveIntegerField(verbose_name=_("version"), default=1)
    decide_before = models.DateTimeField(verbose_name=_("decide before"), null=True, blank=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AuctionStatus.values), name="auction_status_known"),
            models.CheckConstraint(condition=Q(reserve_price__gt=0), name="auction_reserve_gt_0"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("started_at")), name="auction_ends_after_start"),
            models.CheckConstraint(
                condition=Q(highest_amount__isnull=True, highest_dealer__isnull=True)
                | Q(highest_amount__gt=0, highest_dealer__isnull=False),
                name="auction_leader_with_price",
            ),
            models.UniqueConstraint(
                fields=["listing"], condition=Q(status="open"), name="auction_one_open_per_listing"
            ),
        ]
        indexes = [
            models.Index(fields=["ends_at"], condition=Q(status="open"), name="auction_open_ends"),
        ]

    def __str__(self) -> str:
        return f"auction {self.pk}"


class ProxyMax(models.Model):
    """A dealer's maximum in an auction: the platform bids for them up to it. Never shown to anyone else."""

    auction = models.ForeignKey(Auction, verbose_name=_("auction"), on_delete=models.CASCADE, related_name="maxima")
    dealer = models.ForeignKey(Dealer, verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="+")
    max_amount = models.DecimalField(verbose_name=_("max amount"), **MONEY)
    placed_at = models.DateTimeField(verbose_name=_("placed at"), default=now)

    class Meta:
        verbose_name = _("proxy max bid")
        verbose_name_plural = _("proxy max bids")
        constraints = [
            models.UniqueConstraint(fields=["auction", "dealer"], name="proxy_max_once"),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="proxy_max_gt_0"),
        ]

    def __str__(self) -> str:
        return f"max of dealer {self.dealer_id} in auction {self.auction_id}"


class BidRefusal(models.TextChoices):
    BID_TOO_LOW = "bid_too_low", _("Below the minimum next bid")
    AUCTION_CLOSED = "auction_closed", _("The auction has closed")
    DEALER_NOT_VERIFIED = "dealer_not_verified", _("The dealer may not bid")


class Bid(models.Model):
    """Every bid a dealer placed, accepted or refused (none is lost), and every bid the platform placed for a proxy
    (``by_proxy``)."""

    auction = models.ForeignKey(Auction, verbose_name=_("auction"), on_delete=models.CASCADE, related_name="bids")
    dealer = models.ForeignKey(Dealer, verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="bids")
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)
    max_amount = models.DecimalField(verbose_name=_("max amount"), **MONEY, null=True, blank=True)
    accepted = models.BooleanField(verbose_name=_("accepted"))
    refusal = models.CharField(verbose_name=_("refusal"), max_length=20, choices=BidRefusal.choices, blank=True)
    by_proxy = models.BooleanField(verbose_name=_("by proxy"), default=False)
    at = models.DateTimeField(verbose_name=_("at"), default=now)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted=True, refusal="") | Q(accepted=False) & ~Q(refusal=""),
                name="bid_refusal_iff_refused",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_amount_gt_0"),
        ]
        indexes = [models.Index(fields=["auction", "-amount"], condition=Q(accepted=True), name="bid_accepted")]

    def __str__(self) -> str:
        return f"bid {self.pk}: {self.amount} by dealer {self.dealer_id}"


class AuctionEvent(StatusEvent):
    auction = models.ForeignKey(Auction, verbose_name=_("auction"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(verbose_name=_("from status"), max_length=16, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=16)

    class Meta:
        verbose_name = _("auction event")
        verbose_name_plural = _("auction events")

    def __str__(self) -> str:
        return f"auction {self.auction_id}: {self.from_status or '-'} → {self.to_status}"


# --- Deals and claims -------------------------------------------------------------------------------------------------


class DealStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting the dealer's payment")
    PAID = "paid", _("Paid, handover to book")
    HANDED_OVER = "handed_over", _("Handed over")
    SETTLED = "settled", _("Seller paid")
    DEFAULTED = "defaulted", _("Dealer did not pay")
    UNWOUND = "unwound", _("Unwound after a claim")


# The moves a deal may make (``consignment.deals.services.deal_transition``): paid within ``pay_before`` or defaulted;
# handed over at the handover booking; then settled once the seller is paid, or unwound by a claim before that.
DEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    DealStatus.AWAITING_PAYMENT: frozenset({DealStatus.PAID, DealStatus.DEFAULTED}),
    DealStatus.PAID: frozenset({DealStatus.HANDED_OVER}),
    DealStatus.HANDED_OVER: frozenset({DealStatus.SETTLED, DealStatus.UNWOUND}),
    DealStatus.SETTLED: frozenset(),
    DealStatus.DEFAULTED: frozenset(),
    DealStatus.UNWOUND: frozenset(),
}


class Deal(models.Model):
    """A sale to one dealer at ``price``; the seller receives ``seller_net`` = price − fee after the handover. A
    dealer who does not pay by ``pay_before`` loses the deposit and the car goes to the runner-up (a new deal on the
    same auction) or back to the seller."""

    auction = models.ForeignKey(Auction, verbose_name=_("auction"), on_delete=models.PROTECT, related_name="deals")
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="deals")
    dealer = models.ForeignKey(Dealer, verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="deals")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seller"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(verbose_name=_("price"), **MONEY)
    fee = models.DecimalField(verbose_name=_("fee"), **MONEY)
    seller_net = models.DecimalField(verbose_name=_("seller net"), **MONEY)
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=DealStatus.choices, default=DealStatus.AWAITING_PAYMENT
    )
    pay_before = models.DateTimeField(verbose_name=_("pay before"))
    paid_at = models.DateTimeField(verbose_name=_("paid at"), null=True, blank=True)
    handover_booking = models.OneToOneField(
        "bookings.Booking",
        verbose_name=_("handover booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(verbose_name=_("handed over at"), null=True, blank=True)
    settled_at = models.DateTimeField(verbose_name=_("settled at"), null=True, blank=True)
    # When the inspection began (its booking's check-in, else its booked start): with ``handed_over_at``, the deal's
    # time from inspection start to handover end.
    inspection_started_at = models.DateTimeField(verbose_name=_("inspection started at"), null=True, blank=True)
    # What claims gave back to the dealer (price adjustments): taken from the seller's net before the seller is paid.
    adjusted_total = models.DecimalField(verbose_name=_("adjusted total"), **MONEY, default=Decimal("0.00"))
    # When the seller's payout was asked for (the claim window passed with no open claim).
    payout_requested_at = models.DateTimeField(verbose_name=_("payout requested at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DealStatus.values), name="deal_status_known"),
            models.CheckConstraint(condition=Q(price__gt=0) & Q(fee__gte=0), name="deal_amounts"),
            models.CheckConstraint(condition=Q(seller_net=F("price") - F("fee")), name="deal_net_is_price_less_fee"),
            models.UniqueConstraint(
                fields=["listing"],
                condition=~Q(status__in=["defaulted", "unwound"]),
                name="deal_one_live_per_listing",
            ),
            models.CheckConstraint(
                condition=Q(adjusted_total__gte=0) & Q(adjusted_total__lt=F("price")), name="deal_adjusted_below_price"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_payment", "defaulted"]) | Q(paid_at__isnull=False),
                name="deal_paid_has_paid_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["handed_over", "settled"]) | Q(handed_over_at__isnull=False),
                name="deal_handed_over_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="settled") | Q(settled_at__isnull=False), name="deal_settled_has_time"
            ),
        ]
        indexes = [
            # The settlement sweep: deals handed over, oldest first.
            models.Index(fields=["handed_over_at"], condition=Q(status="handed_over"), name="deal_handed_over_at"),
        ]

    def __str__(self) -> str:
        return f"deal {self.pk}"


class DealEvent(StatusEvent):
    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(verbose_name=_("from status"), max_length=16, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=16)

    class Meta:
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")

    def __str__(self) -> str:
        return f"deal {self.deal_id}: {self.from_status or '-'} → {self.to_status}"


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REJECTED = "rejected", _("Rejected")
    ADJUSTED = "adjusted", _("Price adjusted")
    UNWOUND = "unwound", _("Deal unwound")


# An open claim is resolved once (``consignment.deals.claims.claim_resolve``); a resolution is final.
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.OPEN: frozenset({ClaimStatus.REJECTED, ClaimStatus.ADJUSTED, ClaimStatus.UNWOUND}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.ADJUSTED: frozenset(),
    ClaimStatus.UNWOUND: frozenset(),
}


class Claim(models.Model):
    """A dealer's claim of a defect the report did not disclose, within 3 days of the handover; QA arbitrates.
    ``store`` and ``inspector`` are the report's, copied for the quality KPIs."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="claims")
    dealer = models.ForeignKey(Dealer, verbose_name=_("dealer"), on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(verbose_name=_("description"))
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    adjustment = models.DecimalField(verbose_name=_("adjustment"), **MONEY, null=True, blank=True)
    resolution_note = models.TextField(verbose_name=_("resolution note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_known"),
            models.CheckConstraint(
                condition=~Q(status="adjusted") | Q(adjustment__gt=0), name="claim_adjustment_when_adjusted"
            ),
            models.UniqueConstraint(fields=["deal"], condition=Q(status="open"), name="claim_one_open_per_deal"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False), name="claim_resolved_has_time"
            ),
        ]
        indexes = [models.Index(fields=["store", "created_at"], name="claim_store_at")]

    def __str__(self) -> str:
        return f"claim {self.pk}"
