from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from chefu.admin import ReadOnlyAdminMixin
from notifications import services
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: messages are written by the services that cause them, and what was sent is history."""

    list_display = ["id", "template", "channel", "recipient", "status", "gave_up", "attempts", "send_after", "sent_at"]
    list_filter = ["status", "gave_up", "channel", "template"]
    search_fields = ["ref", "to", "recipient__phone", "dedupe_key", "provider_message_id"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=_("Retry now (failed messages)"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = services.messages_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued for delivery.", "%(count)d messages queued for delivery.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
