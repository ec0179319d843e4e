from django.db.models import QuerySet

from catalog.models import Category, Offering, OfferingVersion, Part, Service, ServiceChecklistItem
from chefu.errors import NotFound
from stores.models import Store


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def category_codes() -> set[str]:
    return set(Category.objects.values_list("code", flat=True))


def category_exists(*, code: str) -> bool:
    return Category.objects.filter(code=code).exists()


def service_list(*, category: str | None = None) -> QuerySet[Service]:
    """Active standard services in catalogue order (category, then the service's own order)."""
    queryset = Service.objects.filter(is_active=True)
    return queryset.filter(category_id=category) if category else queryset


def service_get(*, code: str) -> Service:
    """The standard service with ``code``, retired or not (pricing refuses retired ones with a reason);
    NotFound when no service has that code."""
    service = Service.objects.filter(code=code).select_related("category").first()
    if service is None:
        raise NotFound()
    return service


def service_get_active(*, code: str) -> Service | None:
    return Service.objects.filter(code=code, is_active=True).first()


def service_checklist_item_list(*, service: Service) -> QuerySet[ServiceChecklistItem]:
    """The service's own checklist items in position order (a ``prefetch_related("checklist_items")`` is used)."""
    return service.checklist_items.all()


def part_list(*, category: str | None = None) -> QuerySet[Part]:
    """Active catalogue parts in catalogue order (type, brand, SKU)."""
    queryset = Part.objects.filter(is_active=True)
    return queryset.filter(category_id=category) if category else queryset


def offering_get_current(*, store: Store, service_code: str) -> Offering | None:
    """The store's active offering of the active service ``service_code``, with ``service`` and ``current`` (the
    version in force) loaded, in one query; None when the service is unknown, retired, or not offered there."""
    return (
        Offering.objects.filter(
            store=store, service_id=service_code, service__is_active=True, is_active=True, current__isnull=False
        )
        .select_related("service", "current")
        .first()
    )


def offering_version_current(*, store: Store, service: Service) -> OfferingVersion:
    """The version in force of the store's active offering of ``service``; NotFound when the store does
    not offer it (never priced, or deactivated)."""
    offering = (
        Offering.objects.filter(store=store, service=service, is_active=True, current__isnull=False)
        .select_related("current")
        .first()
    )
    if offering is None:
        raise NotFound()
    return offering.current
