from django.contrib.postgres.expressions import ArraySubquery
from django.db import router
from django.db.models import Max, Min, OuterRef, QuerySet
from django.db.models.functions import JSONObject

from catalog.models import Category, Offering, OfferingVersion, Part, Service, ServiceChecklistItem, VehicleSpec
from chefu.errors import NotFound
from chefu.prefetch import relation_given
from chefu.prepared import PreparedQuery
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
    return Service.from_db(router.db_for_read(Service), _SERVICE_FIELDS, [rows[0][name] for name in _SERVICE_FIELDS])


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


def offering_get_current(*, store: Store, service_code: str, with_checklist: bool = False) -> Offering | None:
    """The store's active offering of the active service ``service_code``, with ``service`` and ``current`` (the
    version in force) loaded, in one query; None when the service is unknown, retired, or not offered there.
    ``with_checklist``: the service's own checklist items too, read in the same query (as an array of rows) and
    given to ``service.checklist_items`` as a prefetch would."""
    queryset = Offering.objects.filter(
        store=store, service_id=service_code, service__is_active=True, is_active=True, current__isnull=False
    ).select_related("service", "current")
    if with_checklist:
        fields = [f.attname for f in ServiceChecklistItem._meta.concrete_fields]
        items = (
            ServiceChecklistItem.objects.filter(service=OuterRef("service_id"))
            .order_by("position", "code")  # the model's order, kept by the array
            .values(row=JSONObject(**{name: name for name in fields}))
        )
        queryset = queryset.annotate(checklist_rows=ArraySubquery(items))
    offering = queryset.first()
    if offering is not None and with_checklist:
        db = offering._state.db
        rows = [ServiceChecklistItem.from_db(db, fields, [r[name] for name in fields]) for r in offering.checklist_rows]
        relation_given(offering.service, "checklist_items", rows)
    return offering


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
