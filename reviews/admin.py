"""Django admin for reviews (/django-admin/): the blocklist is QA's to edit; reviews and their trail are read-only
here (moderation goes through the QA API, which records who did what and why)."""

from django.contrib import admin

from chefu.admin import ReadOnlyAdminMixin
from reviews.models import BlockedWord, ModerationAction, QaFollowUp, Review, ReviewRevision


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class ModerationInline(ReadOnlyInline):
    model = ModerationAction
    fields = ["at", "kind", "follow_up", "from_status", "to_status", "by", "reason", "details"]


class RevisionInline(ReadOnlyInline):
    model = ReviewRevision
    fields = ["written_at", "replaced_at", "ratings", "text", "tags"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "store", "overall", "status", "created_at", "edited_at"]
    list_filter = ["status"]
    search_fields = ["store__name", "owner__phone", "text"]
    list_select_related = ["store"]
    inlines = [RevisionInline, ModerationInline]


@admin.register(QaFollowUp)
class QaFollowUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "store", "review", "reason", "status", "created_at", "closed_at"]
    list_filter = ["status", "reason"]


@admin.register(BlockedWord)
class BlockedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "is_active", "note"]
    list_filter = ["is_active"]
    search_fields = ["word"]
