"""Django admin for money (/django-admin/): coupons are the platform's to create and edit; payments, refunds, the
journal and statements are read-only history (only the services write them); alerts can be marked resolved. Every
write goes through a service."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from chefu.admin import ReadOnlyAdminMixin
from payments.coupons import coupon_create, coupon_edit
from payments.models import (
    Coupon,
    CouponRedemption,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAlert,
    PaymentEvent,
    Payout,
    PayoutEvent,
    Refund,
    RefundEvent,
    Statement,
)
from payments.services import alerts_resolve


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class RedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fields = ["owner", "booking", "discount", "returned", "status", "created_at", "used_at", "released_at"]


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "value", "min_spend", "valid_from", "valid_until", "budget", "spent"]
    list_filter = ["kind", "is_active", "listed"]
    search_fields = ["code", "name"]
    readonly_fields = ["spent", "created_at"]
    inlines = [RedemptionInline]

    def save_model(self, request, obj, form, change):
        """Write only what the form changed, under the coupon's row lock: ``spent`` belongs to the payments taking
        the coupon meanwhile (the database still refuses a budget below it)."""
        if not change:
            coupon_create(coupon=obj)
            return
        coupon_edit(coupon=obj, fields=form.changed_data)


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["at", "from_status", "to_status", "by", "reason"]


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "status", "reason", "cause", "created_at", "completed_at", "last_error"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "out_trade_no",
        "booking",
        "purpose",
        "subject",
        "provider",
        "amount",
        "discount",
        "status",
        "applied",
        "created_at",
    ]
    list_filter = ["status", "provider", "applied", "purpose"]
    search_fields = ["out_trade_no", "trade_no", "owner__phone", "subject"]
    inlines = [PaymentEventInline, RefundInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class RefundEventInline(ReadOnlyInline):
    model = RefundEvent
    fields = ["at", "from_status", "to_status", "by", "reason"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["out_request_no", "booking", "amount", "reason", "status", "created_at", "completed_at"]
    list_filter = ["status", "reason"]
    search_fields = ["out_request_no", "payment__out_trade_no"]
    inlines = [RefundEventInline]


class PayoutEventInline(ReadOnlyInline):
    model = PayoutEvent
    fields = ["at", "from_status", "to_status", "by", "reason"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["out_biz_no", "purpose", "subject", "user", "amount", "status", "created_at", "completed_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["out_biz_no", "order_id", "subject", "user__phone"]
    inlines = [PayoutEventInline]


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ["account", "amount"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "at", "kind", "memo", "booking", "payment", "refund", "payout", "purpose", "subject"]
    list_filter = ["kind", "purpose"]
    date_hierarchy = "at"
    inlines = [JournalLineInline]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "period_start", "period_end", "gross", "commission", "refunds", "net", "issued_at"]
    search_fields = ["store__name"]


@admin.register(PaymentAlert)
class PaymentAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "code", "payment", "resolved_at"]
    readonly_fields = ["at", "code", "payment", "details", "resolved_at"]
    list_filter = ["code", ("resolved_at", admin.EmptyFieldListFilter)]
    actions = ["mark_resolved"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("payments.change_paymentalert")

    @admin.action(description=_("Mark as resolved"))
    def mark_resolved(self, request, queryset):
        done = alerts_resolve(alert_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d alert(s) resolved.") % {"n": done})
