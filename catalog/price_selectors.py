"""Reads of store price lists: the prices in force with their reference bands, and the version history."""

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
