"""Reads of store price lists: the prices in force with their reference bands, and the version history."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import F, FilteredRelation, Prefetch, Q, QuerySet

from catalog.models import Offering, OfferingPartLine, OfferingVersion, Service
from chefu.errors import NotFound
from stores.models import Store


def _lines(lookup: str = "lines") -> Prefetch:
    return Prefetch(lookup, queryset=OfferingPartLine.objects.select_related("part").order_by("position"))


def offering_price_list(*, store: Store) -> QuerySet[Offering]:
    """The store's active offerings in catalogue order, each with its service, its version in force (lines
    and their parts prefetched, in position order) and its reference band in the store's city as
    ``ref_p25``/``ref_median``/``ref_p75`` (None when there is no band).

    Two queries however many offerings: the offerings (service, band and version joined), then the lines
    (parts joined).
    """
    return (
        Offering.objects.filter(store=store, is_active=True, current__isnull=False)
        .annotate(
            # A join on (service, city), not a subquery per offering; the city is the store's, a constant here.
            band=FilteredRelation("service__reference_prices", condition=Q(service__reference_prices__city=store.city)),
            ref_p25=F("band__p25"),
            ref_median=F("band__median"),
            ref_p75=F("band__p75"),
        )
        .select_related("service", "current")
        .prefetch_related(_lines("current__lines"))
        .order_by("service__category__sort_order", "service__sort_order", "service_id")
    )


def offering_price_get(*, store: Store, service: Service) -> Offering:
    """One row of ``offering_price_list``: the store's active offering of ``service``; NotFound otherwise."""
    offering = offering_price_list(store=store).filter(service=service).first()
    if offering is None:
        raise NotFound()
    return offering


def offering_get_for_store(*, store: Store, offering_id: int) -> Offering:
    """The store's offering ``offering_id``, active or not (its versions stay readable); NotFound when it is
    another store's or does not exist."""
    offering = Offering.objects.filter(pk=offering_id, store=store).select_related("service").first()
    if offering is None:
        raise NotFound()
    return offering


def offering_version_list(*, offering: Offering) -> QuerySet[OfferingVersion]:
    """Every version of ``offering``, oldest first, with its author and its lines (parts loaded)."""
    return (
        OfferingVersion.objects.filter(offering=offering)
        .select_related("created_by")
        .prefetch_related(_lines())
        .order_by("number")
    )


def offering_version_get(*, offering: Offering, number: int) -> OfferingVersion:
    """Version ``number`` of ``offering`` (what a booking priced at it shows); NotFound when there is none."""
    version = offering_version_list(offering=offering).filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


@dataclass(frozen=True)
class PriceFloor:
    """What a store's price of a service says before the car is known (as ``GET /stores/{id}/prices`` has it)."""

    total: Decimal  # for the store's own reference car
    varies_by_vehicle: bool  # it has part lines: parts and quantities are chosen for each car
    price_from: Decimal  # what no car is charged less than: total, or the labour alone when it varies


def active_offerings_sql(columns: str) -> str:
    """A statement selecting ``columns`` from the stores' active prices of one service that have a current version
    (``o``: the offering, ``v``: its current version), for ``%(ids)s`` (a list of store ids) and ``%(service)s``. For
    the statements every search with a service runs, written out: the ORM's versions cost more to build than to run.
    """
    return (
        f"SELECT {columns} FROM {Offering._meta.db_table} o "
        f"JOIN {OfferingVersion._meta.db_table} v ON v.id = o.current_id "
        "WHERE o.store_id = ANY(%(ids)s) AND o.service_id = %(service)s AND o.is_active"
    )


def offering_price_floors(*, store_ids: list[int], service_code: str) -> dict[int, PriceFloor]:
    """For each of ``store_ids`` with an active price of the service ``service_code``, its :class:`PriceFloor`.
    One statement (:func:`active_offerings_sql`)."""
    line = OfferingPartLine._meta.db_table
    sql = active_offerings_sql(
        f"o.store_id, v.labour, v.total, EXISTS (SELECT 1 FROM {line} l WHERE l.version_id = o.current_id)"
    )
    with connections[router.db_for_read(Offering) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, {"ids": list(store_ids), "service": service_code})
        rows = cursor.fetchall()
    return {
        store_id: PriceFloor(total=total, varies_by_vehicle=varies, price_from=labour if varies else total)
        for store_id, labour, total, varies in rows
    }
