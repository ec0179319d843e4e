"""Reads of reference price bands: the band next to a price, the deviation from its median, and the
offerings QA should look at."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Round

from catalog.models import Offering, ReferencePrice
from stores.models import VISIBLE_STATUSES

DEVIATION_PLACES = Decimal("0.0001")
QA_RATIO = Decimal("1.5")


def reference_band(*, service_code: str, city: str) -> ReferencePrice | None:
    """The band of ``service_code`` in ``city``; None when no visible store there offers the service."""
    return ReferencePrice.objects.filter(service_id=service_code, city=city).first()


def deviation(total: Decimal, median: Decimal | None) -> Decimal | None:
    """``total / median − 1`` to four places, rounded half-up (0.2500 is 25 % above the median, −0.1000 10 %
    below). None when there is no median to compare with (no band, or a median of 0)."""
    if not median:
        return None
    return (total / median - 1).quantize(DEVIATION_PLACES, rounding=ROUND_HALF_UP)


def offerings_flagged_for_qa(*, ratio: Decimal = QA_RATIO, city: str | None = None) -> QuerySet[Offering]:
    """Active offerings of visible stores priced above ``ratio`` × their band's median (strictly: exactly
    1.5 × is not flagged), optionally in one city; most expensive relative to the median first.

    One query: each offering carries ``median`` (its band's, CNY) and ``deviation`` (as ``deviation()``;
    PostgreSQL's round() on numeric is half away from zero, the same as ROUND_HALF_UP), with its store and
    service loaded.
    """
    offerings = Offering.objects.filter(is_active=True, store__status__in=VISIBLE_STATUSES)
    if city is not None:
        offerings = offerings.filter(store__city=city)
    return (
        # A join on (service, store's city): the band is a row of its own, not a subquery per offering.
        offerings.annotate(
            band=FilteredRelation(
                "service__reference_prices", condition=Q(service__reference_prices__city=F("store__city"))
            ),
            median=F("band__median"),
        )
        .filter(median__gt=0, total__gt=F("median") * Value(ratio, output_field=DecimalField()))
        .annotate(
            deviation=Round(
                F("total") / F("median") - Value(1, output_field=DecimalField()),
                4,
                output_field=DecimalField(max_digits=12, decimal_places=4),
            )
        )
        .select_related("store", "service")
        .order_by(F("deviation").desc(), "id")
    )


def reference_band_list(*, service_code: str) -> QuerySet[ReferencePrice]:
    """The bands of ``service_code`` in every city that has one, by city: what the content site's guides show."""
    return ReferencePrice.objects.filter(service_id=service_code).order_by("city")
