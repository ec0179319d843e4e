"""The catalog in the Wagtail back office (/admin/catalog/…): platform admins edit standard services and their
checklist items, parts, fitments and vehicle specs; reference prices are computed, so they are listed read-only.

Access follows Django model permissions through Wagtail's permission policy: superusers (platform admins) have
them all; anyone else needs ``wagtailadmin.access_admin`` and the model's permissions, granted to a group.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_permission_codename
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from catalog.admin import ServiceFormMixin, TyreSizeFormMixin
from catalog.models import Part, PartFitment, ReferencePrice, Service, ServiceChecklistItem, VehicleSpec


class ServiceForm(ServiceFormMixin, WagtailAdminModelForm):
    pass


class PartForm(TyreSizeFormMixin, WagtailAdminModelForm):
    pass


class VehicleSpecForm(TyreSizeFormMixin, WagtailAdminModelForm):
    pass


class ProtectedDeleteView(generic.DeleteView):
    """Rows other rows protect (a service with offerings, a part on a price line) are refused with a message,
    not a server error: Wagtail's reference index does not see those references. Deactivate them instead."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            messages.error(
                self.request,
                _("“%(object)s” is in use (price lists or bookings refer to it): deactivate it instead.")
                % {"object": self.object},
            )
            return redirect(reverse(self.edit_url_name, args=(quote(self.object.pk),)))


class CatalogViewSet(ModelViewSet):
    delete_view_class = ProtectedDeleteView
    list_per_page = 50


class ServiceIndexView(generic.IndexView):
    queryset = Service.objects.select_related("category")


class ServiceViewSet(CatalogViewSet):
    model = Service
    name = "catalog_services"
    url_prefix = "catalog/services"
    icon = "list-ul"
    index_view_class = ServiceIndexView
    # The code is the primary key: a copy would have to change it, which the edit form does not allow.
    copy_view_enabled = False
    list_display = ["code", "name_zh", "category", "duration_min", "kind", "needs_engine", "is_active"]
    list_filter = {"category": ["exact"], "kind": ["exact"], "is_active": ["exact"]}
    search_fields = ["code", "name_zh", "name_en"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("category")]),
            FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
            FieldRowPanel([FieldPanel("duration_min"), FieldPanel("kind")]),
            FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
            FieldPanel("needs_engine"),
            FieldPanel("description_zh"),
            FieldPanel("description_en"),
        ],
        base_form_class=ServiceForm,
    )


class ChecklistItemIndexView(generic.IndexView):
    queryset = ServiceChecklistItem.objects.select_related("service")


class ChecklistItemViewSet(CatalogViewSet):
    """Checklist items get their own screen, like fitments: an inline under the service would need Service to be
    a ClusterableModel. The Django admin edits them inline on the service."""

    model = ServiceChecklistItem
    name = "catalog_checklist_items"
    url_prefix = "catalog/checklist-items"
    icon = "tasks"
    menu_label = _("Service checklists")
    index_view_class = ChecklistItemIndexView
    list_display = ["service", "position", "code", "label_zh", "required"]
    list_filter = {"service": ["exact"], "required": ["exact"]}
    search_fields = ["code", "label_zh", "label_en", "service__code"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("service"), FieldPanel("code")]),
            FieldRowPanel([FieldPanel("label_zh"), FieldPanel("label_en")]),
            FieldRowPanel([FieldPanel("required"), FieldPanel("position")]),
        ]
    )


class PartIndexView(generic.IndexView):
    queryset = Part.objects.select_related("category")


class PartViewSet(CatalogViewSet):
    model = Part
    name = "catalog_parts"
    url_prefix = "catalog/parts"
    icon = "cogs"
    index_view_class = PartIndexView
    list_display = ["sku", "brand", "name", "part_type", "tyre_size", "list_price", "category", "is_active"]
    list_filter = {"part_type": ["exact"], "category": ["exact"], "is_active": ["exact"]}
    search_fields = ["sku", "brand", "name", "spec", "tyre_size"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("sku"), FieldPanel("brand")]),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("spec"), FieldPanel("unit")]),
            FieldRowPanel([FieldPanel("category"), FieldPanel("part_type"), FieldPanel("tyre_size")]),
            FieldRowPanel([FieldPanel("list_price"), FieldPanel("is_active")]),
        ],
        base_form_class=PartForm,
    )


class PartFitmentIndexView(generic.IndexView):
    queryset = PartFitment.objects.select_related("part")


class PartFitmentViewSet(CatalogViewSet):
    """Fitments get their own screen: an inline under the part would need Part to be a ClusterableModel."""

    model = PartFitment
    name = "catalog_fitments"
    url_prefix = "catalog/fitments"
    icon = "link"
    menu_label = _("Part fitments")
    index_view_class = PartFitmentIndexView
    list_display = ["part", "make", "model", "year_from", "year_to"]
    list_filter = {"make": ["exact"]}
    search_fields = ["part__sku", "part__name", "make", "model"]
    form_fields = ["part", "make", "model", "year_from", "year_to"]


class VehicleSpecViewSet(CatalogViewSet):
    model = VehicleSpec
    name = "catalog_vehicle_specs"
    url_prefix = "catalog/vehicle-specs"
    icon = "info-circle"
    list_display = ["make", "model", "year_from", "year_to", "engine_oil_l", "tyre_size"]
    list_filter = {"make": ["exact"]}
    search_fields = ["make", "model", "tyre_size"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("make"), FieldPanel("model")]),
            FieldRowPanel([FieldPanel("year_from"), FieldPanel("year_to")]),
            FieldRowPanel([FieldPanel("engine_oil_l"), FieldPanel("tyre_size")]),
        ],
        base_form_class=VehicleSpecForm,
    )


class ReferencePriceIndexView(generic.IndexView):
    queryset = ReferencePrice.objects.select_related("service")


class ReferencePriceViewSet(ModelViewSet):
    """Listing and inspect only: reference prices are written by catalog.reference (Celery), never by hand.
    Seeing them needs the model's ``view`` permission."""

    model = ReferencePrice
    name = "catalog_reference_prices"
    url_prefix = "catalog/reference-prices"
    icon = "table"
    index_view_class = ReferencePriceIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    list_per_page = 50
    list_display = ["service", "city", "p25", "median", "p75", "sample_size", "computed_at"]
    list_filter = {"city": ["exact"], "service": ["exact"]}
    search_fields = ["service__code", "service__name_zh", "city"]

    def get_common_view_kwargs(self, **kwargs):
        no_writes = {name: None for name in ("add_url_name", "edit_url_name", "delete_url_name", "copy_url_name")}
        return super().get_common_view_kwargs(**no_writes, history_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def register_admin_url_finder(self):
        # There is no edit view to point at.
        pass

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().filter(codename=get_permission_codename("view", self.model_opts))


class CatalogViewSetGroup(ModelViewSetGroup):
    menu_label = _("Catalog")
    menu_icon = "list-ul"
    menu_order = 300
    items = (
        ServiceViewSet,
        ChecklistItemViewSet,
        PartViewSet,
        PartFitmentViewSet,
        VehicleSpecViewSet,
        ReferencePriceViewSet,
    )


@hooks.register("register_admin_viewset")
def register_catalog_viewsets():
    return CatalogViewSetGroup()
