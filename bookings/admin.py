"""Django admin for bookings (/django-admin/): bookings are read-only history (every change goes through the
services and leaves a timeline row); a store's booking policy is editable, saved through the service."""

from django.contrib import admin

from bookings.models import Booking, BookingEvent, BookingPolicy, Supplement
from bookings.services import POLICY_FIELDS, booking_policy_set
from chefu.admin import ReadOnlyAdminMixin


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class BookingEventInline(ReadOnlyInline):
    model = BookingEvent
    fields = ["at", "action", "from_status", "to_status", "by", "by_role", "reason"]


class SupplementInline(ReadOnlyInline):
    model = Supplement
    fields = ["status", "reason", "total", "proposed_at", "decided_at"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "store", "bay", "service", "start", "status", "owner", "quote_total", "amount_paid"]
    list_filter = ["status", "service"]
    search_fields = ["owner__phone", "vehicle__plate", "store__name"]
    date_hierarchy = "start"
    list_select_related = ["store", "bay", "service", "owner"]
    inlines = [BookingEventInline, SupplementInline]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "store",
        "slot_step_min",
        "min_notice_min",
        "horizon_days",
        "buffer_min",
        "pay_window_min",
        "free_cancel_hours",
        "cancel_fee_pct",
    ]
    raw_id_fields = ["store"]
    search_fields = ["store__name"]

    def save_model(self, request, obj, form, change):
        """Under the policy's row lock, like the partner API (``booking_policy_set``): only what the form changed."""
        changed = [name for name in form.changed_data if name in POLICY_FIELDS] if change else POLICY_FIELDS
        booking_policy_set(store=obj.store, **{name: getattr(obj, name) for name in changed})
