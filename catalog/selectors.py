from django.db import router
from django.db.models import Max, Min, OuterRef, QuerySet

from catalog.models import Category, Offering, OfferingVersion, Part, Service, ServiceChecklistItem, VehicleSpec
from chefu.errors import NotFound
from chefu.prefetch import relation_given
from chefu.prepared import PreparedQuery, instance_from_json, instance_from_row, json_rows
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


_SERVICE_FIELDS = tuple(field.attname for field in Service._meta.concrete_fields)
# Every search with a service and every availability list asks for it: compiled once (chefu.prepared).
_ACTIVE_SERVICE = PreparedQuery(
    lambda shape, *, code: Service.objects.filter(code=code, is_active=True).order_by().values(*_SERVICE_FIELDS),
    {"code": "~active-service-marker~"},
)


def service_get_active(*, code: str) -> Service | None:
    rows = _ACTIVE_SERVICE.rows("one", {"code": code}, limit=1)
    if not rows:
        return None
    return instance_from_row(Service, router.db_for_read(Service), rows[0])


def service_checklist_item_list(*, service: Service) -> QuerySet[ServiceChecklistItem]:
    """The service's own checklist items in position order (a ``prefetch_related("checklist_items")`` is used)."""
    return service.checklist_items.all()


def vehicle_make_list(*, make: str | None = None) -> list[dict]:
    """The makes the catalogue has vehicle specs for, each with its models and the model years the specs cover
    (``[{"name", "models": [{"name", "year_from", "year_to"}]}]``), in catalogue order (the order they were added);
    with ``make``, only that one (an empty list if the catalogue has none). One query."""
    queryset = VehicleSpec.objects.all()
    if make:
        queryset = queryset.filter(make=make)
    rows = (
        queryset.values("make", "model")
        .annotate(year_from=Min("year_from"), year_to=Max("year_to"), first=Min("id"))
        .order_by("first")
    )
    makes: dict[str, list[dict]] = {}
    for row in rows:
        makes.setdefault(row["make"], []).append(
            {"name": row["model"], "year_from": row["year_from"], "year_to": row["year_to"]}
        )
    return [{"name": name, "models": models} for name, models in makes.items()]


def part_list(*, category: str | None = None) -> QuerySet[Part]:
    """Active catalogue parts in catalogue order (type, brand, SKU)."""
    queryset = Part.objects.filter(is_active=True)
    return queryset.filter(category_id=category) if category else queryset


_OFFERING_FIELDS = tuple(field.attname for field in Offering._meta.concrete_fields)
_VERSION_FIELDS = tuple(field.attname for field in OfferingVersion._meta.concrete_fields)


def _current_offering(with_checklist: bool, *, store_id: int, service_code: str) -> QuerySet:
    queryset = Offering.objects.filter(
        store_id=store_id, service_id=service_code, service__is_active=True, is_active=True, current__isnull=False
    )
    names = [
        *_OFFERING_FIELDS,
        *(f"service__{name}" for name in _SERVICE_FIELDS),
        *(f"current__{name}" for name in _VERSION_FIELDS),
    ]
    if with_checklist:
        items = ServiceChecklistItem.objects.filter(service=OuterRef("service_id")).order_by("position", "code")
        queryset = queryset.annotate(checklist_rows=json_rows(items))  # in the model's order, kept by the array
        names.append("checklist_rows")
    return queryset.order_by().values(*names)


# Every availability list and every booking reads it: compiled once per shape (with or without the checklist).
_CURRENT_OFFERING = PreparedQuery(
    _current_offering, {"store_id": -7_000_011, "service_code": "~current-offering-marker~"}
)


def offering_get_current(*, store: Store, service_code: str, with_checklist: bool = False) -> Offering | None:
    """The store's active offering of the active service ``service_code``, with ``service`` and ``current`` (the
    version in force) loaded, in one query; None when the service is unknown, retired, or not offered there.
    ``with_checklist``: the service's own checklist items too, read in the same query (as an array of rows) and
    given to ``service.checklist_items`` as a prefetch would."""
    rows = _CURRENT_OFFERING.rows(with_checklist, {"store_id": store.pk, "service_code": service_code}, limit=1)
    if not rows:
        return None
    row = rows[0]
    db = router.db_for_read(Offering)
    offering = instance_from_row(Offering, db, row)
    offering.service = instance_from_row(Service, db, row, prefix="service__")
    offering.current = instance_from_row(OfferingVersion, db, row, prefix="current__")
    if with_checklist:
        items = [instance_from_json(ServiceChecklistItem, db, item) for item in row["checklist_rows"] or ()]
        relation_given(offering.service, "checklist_items", items)
    return offering


def offering_version_current(*, store: Store, service: Service) -> OfferingVersion:
    """The version in force of the store's active offering of the active ``service``; NotFound when the store does
    not offer it (never priced, or deactivated) or the service is retired. One statement, compiled once
    (:func:`offering_get_current`'s)."""
    rows = _CURRENT_OFFERING.rows(False, {"store_id": store.pk, "service_code": service.pk}, limit=1)
    if not rows:
        raise NotFound()
    return instance_from_row(OfferingVersion, router.db_for_read(Offering), rows[0], prefix="current__")
