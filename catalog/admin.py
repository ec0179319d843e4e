"""Django admin for the catalog (/django-admin/), and the form rules the Wagtail back office shares with it."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_tyre_size
from catalog import kinds
from catalog.models import (
    Category,
    Part,
    PartFitment,
    PartType,
    ReferencePrice,
    Service,
    ServiceChecklistItem,
    VehicleSpec,
)
from chefu.admin import ReadOnlyAdminMixin

# --- Form rules shared with catalog/wagtail_hooks.py ---------------------------------------------------------


class ServiceFormMixin:
    """``kind`` is chosen from the registry (the model field is a plain CharField, so the form is the gate);
    the code is the primary key, so it is fixed once the service exists (changing it would add a second row)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            old = self.fields["kind"]
            self.fields["kind"] = kinds.KindChoiceField(label=old.label, help_text=old.help_text)
        if "code" in self.fields and not self.instance._state.adding:
            self.fields["code"].disabled = True


class TyreSizeFormMixin:
    """Tyre sizes are stored in their canonical form (``205/55R16``); a part has one if and only if it is a tyre."""

    def clean_tyre_size(self):
        raw = self.cleaned_data.get("tyre_size") or ""
        if not raw.strip():
            return ""
        try:
            return normalize_tyre_size(raw)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid_tyre_size") from exc

    def clean(self):
        cleaned = super().clean()
        if "part_type" in self.fields and "tyre_size" not in self.errors:
            is_tyre = cleaned.get("part_type") == PartType.TYRE
            if is_tyre and not cleaned.get("tyre_size"):
                self.add_error("tyre_size", _("A tyre needs its size, such as 205/55R16."))
            elif not is_tyre and cleaned.get("tyre_size"):
                self.add_error("tyre_size", _("Only tyres have a tyre size."))
        return cleaned


class ServiceAdminForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "code",
            "category",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "duration_min",
            "kind",
            "needs_engine",
            "is_active",
            "sort_order",
        ]


class PartAdminForm(TyreSizeFormMixin, forms.ModelForm):
    class Meta:
        model = Part
        fields = [
            "sku",
            "brand",
            "name",
            "spec",
            "unit",
            "list_price",
            "category",
            "part_type",
            "tyre_size",
            "is_active",
        ]


class VehicleSpecAdminForm(TyreSizeFormMixin, forms.ModelForm):
    class Meta:
        model = VehicleSpec
        fields = ["make", "model", "year_from", "year_to", "engine_oil_l", "tyre_size"]


# --- Django admin ---------------------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "parent", "sort_order"]


class KindListFilter(admin.SimpleListFilter):
    """By the registry's kinds, under their labels (``kind`` is a plain CharField: the default filter would list
    the stored codes)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kinds.choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ServiceChecklistItemInline(admin.TabularInline):
    model = ServiceChecklistItem
    fields = ["position", "code", "label_zh", "label_en", "required"]
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    inlines = [ServiceChecklistItemInline]
    list_display = ["code", "name_zh", "category", "duration_min", "kind_label", "needs_engine", "is_active"]
    list_filter = ["category", KindListFilter, "is_active"]
    list_select_related = ["category"]
    search_fields = ["code", "name_zh", "name_en"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return dict(kinds.choices()).get(obj.kind, obj.kind)

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []


class PartFitmentInline(admin.TabularInline):
    model = PartFitment
    extra = 0


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    form = PartAdminForm
    inlines = [PartFitmentInline]
    list_display = ["sku", "brand", "name", "part_type", "tyre_size", "list_price", "category", "is_active"]
    list_filter = ["part_type", "category", "is_active"]
    list_select_related = ["category"]
    search_fields = ["sku", "brand", "name", "spec", "tyre_size"]


@admin.register(VehicleSpec)
class VehicleSpecAdmin(admin.ModelAdmin):
    form = VehicleSpecAdminForm
    list_display = ["make", "model", "year_from", "year_to", "engine_oil_l", "tyre_size"]
    list_filter = ["make"]
    search_fields = ["make", "model", "tyre_size"]


@admin.register(ReferencePrice)
class ReferencePriceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Computed by catalog.reference (a Celery task after price changes, and nightly): never edited by hand."""

    list_display = ["service", "city", "p25", "median", "p75", "sample_size", "computed_at"]
    list_filter = ["city", "service"]
    list_select_related = ["service"]
    search_fields = ["service__code", "service__name_zh", "city"]
