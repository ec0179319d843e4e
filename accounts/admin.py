from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuthToken, SmsCode, User, Vehicle
from chefu.admin import ReadOnlyAdminMixin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["phone", "name", "roles", "is_active", "is_staff", "date_joined"]
    search_fields = ["phone", "name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = [
        (None, {"fields": ["phone", "password", "name", "roles"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "name", "password1", "password2"]})]


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["digest", "prefix", "user", "created_at", "last_used_at"]
    search_fields = ["user__phone", "prefix"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate", "make", "model", "year", "owner", "is_new_energy"]
    search_fields = ["plate", "owner__phone", "vin"]


@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was sent codes, when, and how they were tried: the codes themselves are not stored (only a keyed hash)."""

    list_display = ["phone", "purpose", "created_at", "expires_at", "attempts", "other_attempts", "used_at"]
    list_filter = ["purpose"]
    search_fields = ["phone"]
    ordering = ["-created_at", "-id"]
    exclude = ["salt", "code_hash", "requester"]
