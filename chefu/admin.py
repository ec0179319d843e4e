"""Back-office pieces shared by the apps' Django admins, and the kernel's own rows."""

from django.contrib import admin

from chefu.models import EventDelivery


class ReadOnlyAdminMixin:
    """For history and computed rows (bookings, messages, reference prices): visible in the admin, changed only by
    the services that own them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reactions to domain events still owed, and the dead ones (given up after the last attempt)."""

    list_display = ("event", "subscriber", "attempts", "next_attempt_at", "dead_at", "created_at")
    list_filter = (("dead_at", admin.EmptyFieldListFilter), "event")
    # request_id: find the request (and its other tasks) in the logs.
    search_fields = ("subscriber", "last_error", "request_id")
    ordering = ("-created_at",)
