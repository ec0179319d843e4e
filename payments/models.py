"""Money: payments through a provider, refunds, payouts, and the double-entry ledger every movement is written to.

What the database itself guarantees (constraints here, triggers in migration 0002):
- a provider's trade id is unique, and so is our own ``out_trade_no``;
- a booking's owed amount is settled once: one applied payment per (booking, ``covers_from``);
- a payment for another purpose (``payments.purposes``) settles its charge once: one applied payment per
  (``purpose``, ``subject``), and it names no booking;
- refunds of a payment never add up to more than was charged;
- every journal entry balances (its lines sum to zero when the transaction commits), and the journal is append-only.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from payments.purposes import BOOKING, validate_purpose

MONEY = {"max_digits": 12, "decimal_places": 2}


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Closed")


# The moves a payment may make (``payments.services.payment_transition``). Money the provider reports for a trade we
# closed or marked failed still arrived: it is recorded as succeeded, and refunded when it settles nothing.
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CLOSED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.SUCCEEDED}),
    PaymentStatus.CLOSED: frozenset({PaymentStatus.SUCCEEDED}),
    PaymentStatus.SUCCEEDED: frozenset(),
}


class Payment(models.Model):
    """One attempt to collect what a booking still owes, or another purpose's charge, through one provider.

    ``covers_from`` is ``amount_paid`` of the booking when the payment was created: the payment settles the owed
    amount from there. Two payments for the same slice (the owner tried two providers) cannot both succeed; the
    second to arrive is refunded.

    A payment for another ``purpose`` (``payments.purposes``) names no booking: ``subject`` is the charge it pays
    (the caller's reference, e.g. ``"deal:12"``), ``covers_from`` is 0 and there is never a coupon. ``owner`` is
    whoever pays, in both cases.
    """

    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    purpose = models.CharField(verbose_name=_("purpose"), max_length=40, default=BOOKING, validators=[validate_purpose])
    subject = models.CharField(verbose_name=_("subject"), max_length=64, blank=True)
    # What the provider shows the payer (a purpose's label when empty; a booking's number for bookings).
    description = models.CharField(verbose_name=_("description"), max_length=120, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(verbose_name=_("provider"), max_length=20)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # What the owner is charged through the provider, the platform-funded coupon discount, and their sum: the part
    # of the booking's amount due this payment settles.
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)
    discount = models.DecimalField(verbose_name=_("discount"), **MONEY, default=0)
    covers = models.DecimalField(verbose_name=_("covers"), **MONEY)
    covers_from = models.DecimalField(verbose_name=_("covers from"), **MONEY)
    # False for money that arrived but settles nothing: a second payment of a slice already paid, or a payment that
    # came after its booking expired or was cancelled. Such payments are refunded in full.
    applied = models.BooleanField(verbose_name=_("applied"), default=False)
    # The coupon this payment used (its ``discount`` is the redemption's, taken off the owner's charge).
    redemption = models.ForeignKey(
        "payments.CouponRedemption",
        verbose_name=_("redemption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    out_trade_no = models.CharField(verbose_name=_("out trade no"), max_length=64, unique=True)
    trade_no = models.CharField(verbose_name=_("trade no"), max_length=64, null=True, blank=True, unique=True)
    pay_url = models.URLField(verbose_name=_("pay URL"), max_length=2000, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    succeeded_at = models.DateTimeField(verbose_name=_("succeeded at"), null=True, blank=True)
    # When the provider was last asked about the trade because its notification had not come (None: never); the
    # next query waits as long as the payment had waited then (``payments.services.payments_pending_query``).
    queried_at = models.DateTimeField(verbose_name=_("queried at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_known"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(discount__gte=0), name="payment_amounts_positive"),
            models.CheckConstraint(condition=Q(covers=F("amount") + F("discount")), name="payment_covers_sum"),
            models.CheckConstraint(condition=Q(covers__gt=0), name="payment_covers_something"),
            models.CheckConstraint(
                condition=Q(status=PaymentStatus.SUCCEEDED, succeeded_at__isnull=False, trade_no__isnull=False)
                | ~Q(status=PaymentStatus.SUCCEEDED),
                name="payment_success_has_trade",
            ),
            models.UniqueConstraint(
                fields=["booking", "covers_from"], condition=Q(applied=True), name="payment_one_applied_per_slice"
            ),
            models.CheckConstraint(
                condition=Q(applied=False) | Q(status=PaymentStatus.SUCCEEDED), name="payment_applied_only_if_paid"
            ),
            models.CheckConstraint(
                condition=Q(discount=0) | Q(redemption__isnull=False), name="payment_discount_has_coupon"
            ),
            # A booking's payment names its booking and nothing else; any other purpose's names its charge.
            models.CheckConstraint(
                condition=Q(purpose=BOOKING, booking__isnull=False, subject="")
                | (~Q(purpose=BOOKING) & Q(booking__isnull=True, redemption__isnull=True) & ~Q(subject="")),
                name="payment_purpose_names_its_charge",
            ),
            models.UniqueConstraint(
                fields=["purpose", "subject"],
                condition=Q(applied=True) & ~Q(purpose=BOOKING),
                name="payment_one_applied_per_charge",
            ),
        ]
        indexes = [
            models.Index(fields=["booking", "status"], name="payment_booking_status_idx"),
            models.Index(
                fields=["purpose", "subject"], condition=~Q(purpose=BOOKING), name="payment_purpose_subject_idx"
            ),
            # The payments the query sweep looks at: pending, their pay URL given out.
            models.Index(
                fields=["created_at"],
                condition=Q(status=PaymentStatus.PENDING) & ~Q(pay_url=""),
                name="payment_pending_sent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.amount} ({self.status})"


class PaymentEvent(models.Model):
    """The payment's timeline: one row per status change, with what caused it (a notification, a query, a user)."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=10, choices=PaymentStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status or '-'} → {self.to_status}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# The moves a refund may make (``payments.services.refund_transition``): the provider's answer settles it once.
REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}


class RefundReason(models.TextChoices):
    OWNER_CANCELLED = "owner_cancelled", _("Cancelled by the owner")
    STORE_CANCELLED = "store_cancelled", _("Cancelled by the store")
    COMPLAINT = "complaint", _("Complaint resolution")
    LATE_PAYMENT = "late_payment", _("Paid after the booking expired")
    DUPLICATE = "duplicate", _("Paid twice")
    NO_SHOW = "no_show", _("The owner did not come")
    SUPERSEDED = "superseded", _("Paid with a coupon given up for a newer payment")
    # Held money of another purpose going back (payments.held.held_refund).
    RETURNED = "returned", _("Held money given back")
    ADJUSTED = "adjusted", _("Price adjusted")
    NOT_WANTED = "not_wanted", _("Paid for something no longer on offer")


class Refund(models.Model):
    """Money going back to the payer from one payment. ``out_request_no`` makes the provider call idempotent.
    ``booking`` is the payment's (None for another purpose's payment)."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=20, choices=RefundReason.choices)
    note = models.TextField(verbose_name=_("note"), blank=True)
    out_request_no = models.CharField(verbose_name=_("out request no"), max_length=64, unique=True)
    # Who asked for it (a service, for idempotency: one refund per cause): e.g. "cancel:<booking>", "complaint:<id>".
    cause = models.CharField(verbose_name=_("cause"), max_length=80)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)
    last_error = models.TextField(verbose_name=_("last error"), blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="refund_status_known"),
            models.CheckConstraint(condition=Q(reason__in=RefundReason.values), name="refund_reason_known"),
            models.UniqueConstraint(fields=["payment", "cause"], name="refund_one_per_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.out_request_no} {self.amount} ({self.status})"


class RefundEvent(models.Model):
    """The refund's timeline: one row per status change (decided, then paid back or failed), with who and why."""

    refund = models.ForeignKey(Refund, verbose_name=_("refund"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=10, choices=RefundStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("refund event")
        verbose_name_plural = _("refund events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=RefundStatus.values), name="refund_event_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id}: {self.from_status or '-'} → {self.to_status}"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid out")
    FAILED = "failed", _("Failed")


# The moves a payout may make (``payments.payouts.payout_transition``): the provider's answer settles it once.
PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset(),
    PayoutStatus.FAILED: frozenset(),
}


class Payout(models.Model):
    """Held money of a purpose's charge (``purpose``, ``subject``) paid to a person through the provider's transfer,
    from the money of ``payment`` (the charge's applied payment, whose provider it goes through). ``out_biz_no``
    makes the provider call idempotent; one payout per ``cause`` of a charge."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="payouts"
    )
    purpose = models.CharField(verbose_name=_("purpose"), max_length=40, validators=[validate_purpose])
    subject = models.CharField(verbose_name=_("subject"), max_length=64)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="payouts")
    provider = models.CharField(verbose_name=_("provider"), max_length=20)
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)
    # The payee at the provider: an Alipay logon id (a phone number or e-mail) and the real name it checks.
    payee_account = models.CharField(verbose_name=_("payee account"), max_length=100)
    payee_name = models.CharField(verbose_name=_("payee name"), max_length=60, blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    # Who asked for it, for idempotency: e.g. "seller_net:<deal>".
    cause = models.CharField(verbose_name=_("cause"), max_length=80)
    memo = models.CharField(verbose_name=_("memo"), max_length=200, blank=True)
    out_biz_no = models.CharField(verbose_name=_("out biz no"), max_length=64, unique=True)
    # The provider's id of the transfer, once paid.
    order_id = models.CharField(verbose_name=_("order ID"), max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)
    last_error = models.TextField(verbose_name=_("last error"), blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=PayoutStatus.values), name="payout_status_known"),
            models.CheckConstraint(condition=~Q(purpose=BOOKING) & ~Q(subject=""), name="payout_names_a_charge"),
            models.CheckConstraint(
                condition=~Q(status=PayoutStatus.PAID) | Q(order_id__isnull=False, completed_at__isnull=False),
                name="payout_paid_has_order",
            ),
            models.UniqueConstraint(fields=["purpose", "subject", "cause"], name="payout_one_per_cause"),
        ]
        indexes = [models.Index(fields=["purpose", "subject"], name="payout_purpose_subject_idx")]

    def __str__(self) -> str:
        return f"{self.out_biz_no} {self.amount} ({self.status})"


class PayoutEvent(models.Model):
    """The payout's timeline: one row per status change (decided, then paid or failed), with who and why."""

    payout = models.ForeignKey(Payout, verbose_name=_("payout"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(verbose_name=_("at"), default=now)
    from_status = models.CharField(verbose_name=_("from status"), max_length=10, blank=True)
    to_status = models.CharField(verbose_name=_("to status"), max_length=10, choices=PayoutStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(verbose_name=_("reason"), blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payout event")
        verbose_name_plural = _("payout events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_status__in=PayoutStatus.values), name="payout_event_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.from_status or '-'} → {self.to_status}"


# --- Ledger -----------------------------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class LedgerAccount(models.Model):
    """An account of the platform's books. Stores each have their own payable account."""

    code = models.CharField(verbose_name=_("code"), max_length=60, unique=True)
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=AccountKind.choices)
    name = models.CharField(verbose_name=_("name"), max_length=120)
    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="account_kind_known")]

    def __str__(self) -> str:
        return self.code


class PaymentAlert(models.Model):
    """Something about money that a person must look at (an amount that does not match, a refund that keeps
    failing). The quality app's alerts will pick these up."""

    at = models.DateTimeField(verbose_name=_("at"), default=now)
    code = models.CharField(verbose_name=_("code"), max_length=40)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    details = models.JSONField(verbose_name=_("details"), default=dict)
    resolved_at = models.DateTimeField(verbose_name=_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment alert")
        verbose_name_plural = _("payment alerts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} ({self.payment_id})"


class EntryKind(models.TextChoices):
    PAYMENT = "payment", _("Payment received")
    REFUND = "refund", _("Refund")
    EARNED = "earned", _("Service delivered: store payable and commission")
    SETTLEMENT = "settlement", _("Settlement paid to a store")
    COUPON_RETURN = "coupon_return", _("Coupon subsidy returned")
    REWORK = "rework", _("Rework charged to a store")
    RELEASE = "release", _("Held money kept as platform revenue")
    PAYOUT = "payout", _("Held money owed to a person")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    PAYOUT_FAILED = "payout_failed", _("Payout failed: held again")


class JournalEntry(models.Model):
    """One money movement: lines on several accounts that sum to zero. Never changed, never deleted.

    An entry moving a purpose's held money names its charge (``purpose``, ``subject``); a RELEASE also its
    ``cause``, once per charge."""

    at = models.DateTimeField(verbose_name=_("at"), default=now)
    kind = models.CharField(verbose_name=_("kind"), max_length=16, choices=EntryKind.choices)
    memo = models.CharField(verbose_name=_("memo"), max_length=200, blank=True)
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    payout = models.ForeignKey(
        Payout, verbose_name=_("payout"), null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    purpose = models.CharField(verbose_name=_("purpose"), max_length=40, blank=True)
    subject = models.CharField(verbose_name=_("subject"), max_length=64, blank=True)
    cause = models.CharField(verbose_name=_("cause"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("journal entry")
        ordering = ["at", "id"]
        verbose_name_plural = _("journal entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="entry_kind_known"),
            models.CheckConstraint(condition=Q(subject="") | ~Q(purpose=""), name="entry_subject_has_purpose"),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.RELEASE) | (~Q(subject="") & ~Q(cause="")), name="entry_release_named"
            ),
            models.UniqueConstraint(
                fields=["purpose", "subject", "cause"],
                condition=Q(kind=EntryKind.RELEASE),
                name="entry_one_release_per_cause",
            ),
        ]
        indexes = [
            models.Index(fields=["purpose", "subject"], condition=~Q(purpose=""), name="entry_purpose_subject_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class JournalLine(models.Model):
    """Debits are positive, credits negative."""

    entry = models.ForeignKey(JournalEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        LedgerAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines"
    )
    amount = models.DecimalField(verbose_name=_("amount"), **MONEY)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["entry_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="journal_line_not_zero")]
        indexes = [models.Index(fields=["account", "entry"], name="journal_line_account_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.account_id} {self.amount}"


# --- Commission and settlements ---------------------------------------------------------------------------------


class CommissionRate(models.Model):
    """The platform's share of what a store earns, when it is not the platform default (PAYMENT_COMMISSION_RATE)."""

    store = models.OneToOneField(
        "stores.Store", verbose_name=_("store"), primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    rate = models.DecimalField(verbose_name=_("rate"), max_digits=5, decimal_places=4)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=1), name="commission_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.rate}"


class StatementStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")


class Statement(models.Model):
    """What a store earned over a period and what it is paid for it: ``net = gross - commission - refunds - rework``.

    Written once (``payments.settlements.statements_issue``) with the SETTLEMENT entry that pays ``net``; the
    database refuses any later change or deletion (migration 0004)."""

    store = models.ForeignKey(
        "stores.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    gross = models.DecimalField(verbose_name=_("gross"), **MONEY)
    commission = models.DecimalField(verbose_name=_("commission"), **MONEY)
    refunds = models.DecimalField(verbose_name=_("refunds"), **MONEY)
    # Free reworks after upheld complaints: charged to the store at fault (positive), credited to the store that
    # does the work when it is another one (negative): the REWORK entries of the period (services.rework_charge).
    rework = models.DecimalField(verbose_name=_("rework"), **MONEY, default=0)
    net = models.DecimalField(verbose_name=_("net"), **MONEY)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.ISSUED
    )
    issued_at = models.DateTimeField(verbose_name=_("issued at"), default=now)
    # The SETTLEMENT entry that paid ``net`` (None when there was nothing to move).
    entry = models.OneToOneField(
        JournalEntry, verbose_name=_("entry"), null=True, blank=True, on_delete=models.PROTECT, related_name="statement"
    )

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_start", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "period_start", "period_end"], name="statement_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="statement_period_order"),
            models.CheckConstraint(
                condition=Q(gross__gte=0) & Q(commission__gte=0) & Q(refunds__gte=0), name="statement_amounts_positive"
            ),
            models.CheckConstraint(
                condition=Q(net=F("gross") - F("commission") - F("refunds") - F("rework")), name="statement_net_sum"
            ),
            models.CheckConstraint(condition=Q(status__in=StatementStatus.values), name="statement_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.period_start}..{self.period_end} net {self.net}"


# --- Coupons ------------------------------------------------------------------------------------------------------


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off (满减)")
    PERCENT = "percent", _("Percentage off")


class Coupon(models.Model):
    """A platform-funded offer owners apply when they pay: ``value`` yuan off, or ``value`` % off (at most
    ``max_discount``), on a payment of at least ``min_spend``, between ``valid_from`` and ``valid_until``, at most
    ``per_user_limit`` bookings per owner, until ``budget`` is spent.

    ``spent`` is what the coupon has committed: the discounts of its live redemptions less what cancellations
    returned. The database refuses ``spent > budget`` (constraint) and more than ``per_user_limit`` live redemptions
    per owner (trigger in migration 0007, under a lock on this row)."""

    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("What owners type at checkout, e.g. NEWCAR30.")
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=CouponKind.choices)
    value = models.DecimalField(
        _("value"), **MONEY, help_text=_("Yuan off for an amount coupon; percent off (e.g. 15 for 15 %) otherwise.")
    )
    max_discount = models.DecimalField(
        _("maximum discount"), **MONEY, null=True, blank=True, help_text=_("Caps a percentage coupon's discount.")
    )
    min_spend = models.DecimalField(_("minimum spend"), **MONEY, default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    per_user_limit = models.PositiveSmallIntegerField(_("uses per owner"), default=1)
    budget = models.DecimalField(_("budget"), **MONEY, help_text=_("The most the platform pays for this coupon."))
    spent = models.DecimalField(_("committed"), **MONEY, default=0, editable=False)
    listed = models.BooleanField(
        _("offered at checkout"), default=True, help_text=_("Unlisted coupons work only for owners who know the code.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CouponKind.values), name="coupon_kind_known"),
            models.CheckConstraint(condition=Q(value__gt=0), name="coupon_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind=CouponKind.PERCENT) | Q(value__lt=100), name="coupon_percent_below_100"
            ),
            models.CheckConstraint(
                condition=Q(max_discount__isnull=True) | Q(max_discount__gt=0), name="coupon_max_discount_positive"
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="coupon_min_spend_positive"),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="coupon_window_order"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="coupon_per_user_limit_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0) & Q(spent__lte=F("budget")), name="coupon_within_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.code = (self.code or "").strip().upper()
        errors = {}
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The end must come after the start.")
        if self.kind == CouponKind.PERCENT and self.value is not None and not 0 < self.value < 100:
            errors["value"] = _("A percentage must be between 0 and 100.")
        if self.kind == CouponKind.AMOUNT and self.max_discount is not None:
            errors["max_discount"] = _("Only a percentage coupon has a maximum discount.")
        if self.budget is not None and self.budget < self.spent:
            errors["budget"] = _("The budget cannot be less than what is already committed (¥%(spent)s).") % {
                "spent": self.spent
            }
        if errors:
            raise ValidationError(errors)


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved by a payment not yet made")
    USED = "used", _("Used")
    RELEASED = "released", _("Released")


class CouponRedemption(models.Model):
    """One coupon on one booking, from the first payment that asked for it. ``reserved`` counts against the budget
    and the owner's limit while the booking is unpaid; ``used`` once a payment with it is applied; ``released``
    (budget and the owner's use given back) when the booking ends without using it, or is called off with a full
    refund. ``returned`` is the part of ``discount`` a cancellation gave back to the budget."""

    coupon = models.ForeignKey(Coupon, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="redemptions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    booking = models.ForeignKey(
        "bookings.Booking", verbose_name=_("booking"), on_delete=models.PROTECT, related_name="coupon_redemptions"
    )
    discount = models.DecimalField(verbose_name=_("discount"), **MONEY)
    returned = models.DecimalField(verbose_name=_("returned"), **MONEY, default=0)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.RESERVED
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=now)
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True)
    released_at = models.DateTimeField(verbose_name=_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RedemptionStatus.values), name="redemption_status_known"),
            models.CheckConstraint(condition=Q(discount__gt=0), name="redemption_discount_positive"),
            models.CheckConstraint(
                condition=Q(returned__gte=0) & Q(returned__lte=F("discount")), name="redemption_returned_range"
            ),
            # One coupon per booking: a second offer cannot be stacked on the first.
            models.UniqueConstraint(
                fields=["booking"],
                condition=~Q(status=RedemptionStatus.RELEASED),
                name="redemption_one_coupon_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["coupon", "owner", "status"], name="redemption_owner_idx")]

    def __str__(self) -> str:
        return f"{self.coupon_id} on {self.booking_id}: {self.discount} ({self.status})"
