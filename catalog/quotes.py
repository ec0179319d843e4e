"""Quotes: a store's current price of a service, itemized for one vehicle.

The quote starts from the current version of the store's offering: its labour, then its part lines,
fitted to the vehicle by part type:

- Stores list variants side by side in one offering (several tyre sizes, filters for several engines).
  Of the lines of one part type, the quote keeps the first that fits the vehicle, at the store's price.
  Care products are used together (shampoo and wax), so every one of them is kept. A store line counts
  even when an admin has since retired the catalogue part: the store priced what it stocks.
- When none of a type fits, the quote offers a fitting catalogue part of that type at its list price,
  same brand as the store's line if there is one, else the cheapest; the description says so.
- When nothing in the catalogue fits either (an EV has no engine oil, the tyre size is unknown), the line
  is dropped and ``notes`` says why.
- Engine oil is charged by the vehicle's capacity, rounded up to whole litres (shops open bottles and
  charge whole litres); without a known capacity the store's listed quantity stands. Other quantities
  stay as listed (tyre fitting is priced per tyre).
- A service that does not apply to the vehicle (``Service.needs_engine`` for a car known to be electric) is
  not quoted at all: :class:`~catalog.exceptions.ServiceNotApplicable`.

``total`` is the sum of the line amounts, each rounded half-up to the cent, exactly.

What the owner sees (:meth:`Quote.as_dict`) is the lines, the total and ``notes`` written for the owner. How a
line was priced (``price_source``) and ``internal_notes`` (a catalogue substitute for the shop's own part) are for
staff and QA: they are kept in the booking's record (:meth:`Quote.as_record`), shown to the store and QA, never to
owners (:func:`quote_record_for_owner`).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import router
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Vehicle
from catalog.exceptions import ServiceNotApplicable
from catalog.fitment import (
    VehicleFacts,
    fits_q_of,
    fits_shape,
    fits_values,
    oil_litres_charged,
    vehicle_facts,
)
from catalog.models import Offering, OfferingPartLine, OfferingVersion, Part, PartType, Service
from catalog.selectors import offering_version_current
from chefu.money import format_money, format_quantity, money
from chefu.prepared import PreparedQuery, any_of, instance_from_row
from stores.models import Store

LABOUR = "labour"
PART = "part"
STORE_PRICE = "store"
CATALOGUE_PRICE = "catalogue"
# ServiceNotApplicable reasons.
NEEDS_ENGINE = "needs_engine"

# Part types used together rather than as alternatives: every fitting line is kept.
_COMPLEMENTARY = {PartType.CARE}
# What an electric vehicle does not have, for the note explaining a dropped line.
_ENGINE_PARTS = {PartType.ENGINE_OIL, PartType.OIL_FILTER, PartType.AIR_FILTER}


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # LABOUR or PART
    description: str
    sku: str | None
    qty: Decimal
    unit_price: Decimal
    amount: Decimal
    price_source: str = STORE_PRICE  # STORE_PRICE, or CATALOGUE_PRICE for a list-price substitute


@dataclass(frozen=True)
class Quote:
    service: Service
    version: OfferingVersion
    lines: list[QuoteLine]
    total: Decimal
    notes: list[str] = field(default_factory=list)  # for the owner
    tyre_size: str = ""  # the size tyres were chosen by ("" when unknown)
    oil_litres: Decimal | None = None  # the engine's capacity, when known
    internal_notes: list[str] = field(default_factory=list)  # for staff and QA, never for the owner

    def as_dict(self) -> dict:
        """The owner's shape (the quote endpoint): money and quantities as decimal strings, no internal notes."""
        return {
            "service": self.service.code,
            "version": self.version.number,
            "lines": [
                {
                    "kind": line.kind,
                    "description": line.description,
                    "sku": line.sku,
                    "qty": format_quantity(line.qty),
                    "unit_price": format_money(line.unit_price),
                    "amount": format_money(line.amount),
                }
                for line in self.lines
            ],
            "total": format_money(self.total),
            "notes": self.notes,
            "tyre_size": self.tyre_size or None,
            "engine_oil_l": format_quantity(self.oil_litres) if self.oil_litres is not None else None,
        }

    def as_record(self) -> dict:
        """:meth:`as_dict` with what staff and QA may need: each line's ``price_source`` and ``internal_notes``.
        Owner-facing schemas must list their fields (so these two never reach an owner)."""
        record = self.as_dict()
        for out, line in zip(record["lines"], self.lines, strict=True):
            out["price_source"] = line.price_source
        record["internal_notes"] = self.internal_notes
        return record


def quote_record_for_owner(record: dict) -> dict:
    """A booking's stored quote (:meth:`Quote.as_record`) as its owner may see it: without each line's
    ``price_source`` and without ``internal_notes``. (Bookings made before the notes were kept apart had theirs
    moved out of the descriptions by bookings' migration 0004.)"""
    return {
        **{k: v for k, v in record.items() if k != "internal_notes"},
        "lines": [{k: v for k, v in line.items() if k != "price_source"} for line in record.get("lines", [])],
    }


@dataclass(frozen=True)
class QuoteOrRefusal:
    """One service of a store's price list for one vehicle: its quote, or why the service is not for it."""

    service: Service
    quote: Quote | None
    refusal: ServiceNotApplicable | None

    @property
    def applies(self) -> bool:
        return self.quote is not None

    @property
    def reason(self) -> str | None:
        """The refusal's code (``needs_engine``); None when the service applies."""
        return self.refusal.details["reason"] if self.refusal else None

    @property
    def message(self) -> str | None:
        """The refusal, for people; None when the service applies."""
        return self.refusal.message if self.refusal else None


def quote_build(
    *,
    store: Store,
    service: Service,
    vehicle: Vehicle,
    version: OfferingVersion | None = None,
    facts: VehicleFacts | None = None,
) -> Quote:
    """Itemize the store's current price of ``service`` for ``vehicle``. NotFound when the store does not
    offer the service; ServiceNotApplicable when the service is not for this vehicle (an oil change for an
    electric car). Three queries, four when a part type needs a catalogue substitute; never one per line.
    ``version``: the store's current version of ``service`` when the caller has just read it
    (:func:`catalog.selectors.offering_version_current`), which saves reading it again; ``facts``: the vehicle with
    its spec when the caller has read them (:func:`catalog.fitment.vehicle_facts_get`), which saves another.
    """
    if version is None:
        version = offering_version_current(store=store, service=service)
    facts = facts or vehicle_facts(vehicle)
    service_applicability_check(service=service, facts=facts)
    return _quotes_for(facts=facts, priced=[(service, version)])[0]


def service_applicability_check(*, service: Service, facts: VehicleFacts) -> None:
    """Raise ServiceNotApplicable when ``service`` is not for the vehicle: one needing an engine, for a vehicle
    the catalogue knows to be electric. A vehicle the catalogue does not know gets the benefit of the doubt."""
    if service.needs_engine and facts.is_electric:
        raise ServiceNotApplicable(
            service=service.code,
            reason=NEEDS_ENGINE,
            message=_("%(service)s is not offered for this car: it is electric and has no engine oil or filters.")
            % {"service": service.name},
        )


def service_applies(*, service: Service, vehicle: Vehicle) -> bool:
    """Whether ``service`` is for ``vehicle`` (what :func:`quote_build` would not refuse). One query."""
    try:
        service_applicability_check(service=service, facts=vehicle_facts(vehicle))
    except ServiceNotApplicable:
        return False
    return True


def quote_list_for_vehicle(*, store: Store, vehicle: Vehicle) -> list[QuoteOrRefusal]:
    """For each active offering of the store (catalogue order, as the price list), the quote for ``vehicle`` as
    :func:`quote_build` gives it, or the refusal of a service that does not apply to it. Four queries at most
    whatever the number of offerings: the vehicle's spec, the offerings, the part lines of all their current
    versions, and the catalogue substitutes when a part type needs one."""
    facts = vehicle_facts(vehicle)
    offerings = list(
        Offering.objects.filter(store=store, is_active=True, current__isnull=False, service__is_active=True)
        .select_related("service", "current")
        .order_by("service__category__sort_order", "service__sort_order", "service_id")
    )
    refusals: dict[str, ServiceNotApplicable] = {}
    for offering in offerings:
        try:
            service_applicability_check(service=offering.service, facts=facts)
        except ServiceNotApplicable as refusal:
            refusals[offering.service_id] = refusal
    priced = [(o.service, o.current) for o in offerings if o.service_id not in refusals]
    quotes = {quote.service.code: quote for quote in _quotes_for(facts=facts, priced=priced)}
    return [
        QuoteOrRefusal(service=o.service, quote=quotes.get(o.service_id), refusal=refusals.get(o.service_id))
        for o in offerings
    ]


def quote_by_store(*, store_ids: list[int], service: Service, vehicle: Vehicle) -> dict[int, QuoteOrRefusal]:
    """For each of ``store_ids`` with an active price of ``service``, the quote for ``vehicle`` that
    :func:`quote_build` gives there, or the refusal when the service is not for the vehicle (then for every store:
    whether a service applies depends on the car, not the shop). Stores that do not price the service are left out.
    Four queries at most whatever the number of stores: the vehicle's spec, the offerings, the part lines of their
    current versions, and the catalogue substitutes when a part type needs one."""
    facts = vehicle_facts(vehicle)
    offerings = list(
        Offering.objects.filter(store_id__in=store_ids, service=service, is_active=True, current__isnull=False)
        .select_related("current")
        .order_by("store_id")
    )
    try:
        service_applicability_check(service=service, facts=facts)
    except ServiceNotApplicable as refusal:
        return {o.store_id: QuoteOrRefusal(service=service, quote=None, refusal=refusal) for o in offerings}
    quotes = _quotes_for(facts=facts, priced=[(service, o.current) for o in offerings])
    return {
        o.store_id: QuoteOrRefusal(service=service, quote=quote, refusal=None)
        for o, quote in zip(offerings, quotes, strict=True)
    }


_LINE_FIELDS = tuple(f.attname for f in OfferingPartLine._meta.concrete_fields)
_PART_FIELDS = tuple(f.attname for f in Part._meta.concrete_fields)


def _part_lines(shape: tuple[bool, bool], *, versions: list[int], **fits) -> QuerySet:
    """The part lines of ``versions`` with their parts, and ``fits``: whether the part fits the vehicle."""
    fitting_part = Part.objects.filter(pk=OuterRef("part_id")).filter(fits_q_of(shape, **fits))
    return (
        OfferingPartLine.objects.filter(version_id__in=any_of(versions, "bigint"))
        .annotate(fits=Exists(fitting_part))
        .order_by("version_id", "position")
        .values(*_LINE_FIELDS, *(f"part__{name}" for name in _PART_FIELDS), "fits")
    )


# Every quote reads it (a car's quote, a booking's, a price search's): compiled once per shape of the vehicle's fitment
# filter (chefu.prepared). Built by the ORM, its per-car filter cost more than PostgreSQL's answer.
_PART_LINES_MARKERS = {
    "versions": [-7_000_051],
    "make": "~fitment-make-marker~",
    "model": "~fitment-model-marker~",
    "year": 32_052,  # within the column's range (the ORM drops a comparison no value of it could pass)
    "tyre_a": "~fitment-tyre-a-marker~",
    "tyre_b": "~fitment-tyre-b-marker~",
}
_PART_LINES = PreparedQuery(_part_lines, _PART_LINES_MARKERS)


def _lines_from_rows(rows: list[dict]) -> list[OfferingPartLine]:
    db = router.db_for_read(OfferingPartLine)
    lines = []
    for row in rows:
        line = instance_from_row(OfferingPartLine, db, row)
        line.part = instance_from_row(Part, db, row, prefix="part__")
        line.fits = row["fits"]
        lines.append(line)
    return lines


def _quotes_for(*, facts: VehicleFacts, priced: list[tuple[Service, OfferingVersion]]) -> list[Quote]:
    """The quote of each ``(service, version)`` for the vehicle, in order: one query for the part lines of every
    version, one more for the catalogue substitutes when any part type needs one."""
    if not priced:
        return []
    values = {**fits_values(facts), "versions": [version.pk for _service, version in priced]}
    store_lines = _lines_from_rows(_PART_LINES.rows(fits_shape(facts), values, limit=None))
    groups: dict[int, dict[str, list[OfferingPartLine]]] = {version.pk: {} for _service, version in priced}
    for line in store_lines:
        groups[line.version_id].setdefault(line.part.part_type, []).append(line)
    # For each version, the part types none of whose lines fits: the first line's part (for its brand).
    unfitted = {
        version.pk: {
            part_type: group[0].part
            for part_type, group in groups[version.pk].items()
            if not any(x.fits for x in group)
        }
        for _service, version in priced
    }
    options = _catalogue_options(
        facts=facts,
        wanted={(service.category_id, t) for service, version in priced for t in unfitted[version.pk]},
    )
    return [
        _quote_for(
            service=service,
            version=version,
            facts=facts,
            groups=groups[version.pk],
            substitutes=_substitutes_chosen(
                category=service.category_id, unfitted=unfitted[version.pk], options=options
            ),
        )
        for service, version in priced
    ]


def _quote_for(
    *,
    service: Service,
    version: OfferingVersion,
    facts: VehicleFacts,
    groups: dict[str, list[OfferingPartLine]],
    substitutes: dict[str, Part],
) -> Quote:
    """The quote of one version from its store lines grouped by part type (``fits`` annotated, in position order)
    and the catalogue substitutes chosen for the part types none of whose lines fits."""
    lines = [
        QuoteLine(
            kind=LABOUR,
            description=_("Labour: %(service)s") % {"service": service.name},
            sku=None,
            qty=Decimal(1),
            unit_price=version.labour,
            amount=money(version.labour),
        )
    ]
    notes: list[str] = []
    internal_notes: list[str] = []
    for part_type, group in groups.items():
        fitting = [line for line in group if line.fits]
        if fitting:
            for line in fitting if part_type in _COMPLEMENTARY else fitting[:1]:
                lines.append(_part_line(line.part, line.qty, line.unit_price, STORE_PRICE, facts, notes))
        elif substitute := substitutes.get(part_type):
            lines.append(_part_line(substitute, group[0].qty, substitute.list_price, CATALOGUE_PRICE, facts, notes))
            internal_notes.append(
                _("%(part)s (catalogue list price: the shop's own part does not fit)") % {"part": substitute.name}
            )
        else:
            notes.append(_dropped_note(part_type, facts))
    return Quote(
        service=service,
        version=version,
        lines=lines,
        total=sum((line.amount for line in lines), Decimal("0.00")),
        notes=notes,
        tyre_size=facts.tyre_size,
        oil_litres=facts.oil_litres,
        internal_notes=internal_notes,
    )


def _catalogue_parts(shape: tuple[bool, bool], *, categories: list[str], part_types: list[str], **fits) -> QuerySet:
    """Active catalogue parts fitting the vehicle, of any of ``categories`` and any of ``part_types``, cheapest first
    (then by SKU)."""
    return (
        Part.objects.filter(
            fits_q_of(shape, **fits),
            is_active=True,
            category_id__in=any_of(categories, "text"),
            part_type__in=any_of(part_types, "text"),
        )
        .order_by("list_price", "sku")
        .values(*_PART_FIELDS)
    )


# Read for a quote whenever one of the shop's parts does not fit the car: compiled once per shape, as _PART_LINES.
_CATALOGUE_PARTS = PreparedQuery(
    _catalogue_parts,
    {
        "categories": ["~catalogue-category-marker~"],
        "part_types": ["~catalogue-part-type-marker~"],
        **{name: marker for name, marker in _PART_LINES_MARKERS.items() if name != "versions"},
    },
)


def _catalogue_options(*, facts: VehicleFacts, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], list[Part]]:
    """The active catalogue parts fitting the vehicle for each wanted ``(service category, part type)``, cheapest
    first (then by SKU). One query, none when nothing is wanted."""
    if not wanted:
        return {}
    values = {
        **fits_values(facts),
        "categories": sorted({category for category, _part_type in wanted}),
        "part_types": sorted({part_type for _category, part_type in wanted}),
    }
    db = router.db_for_read(Part)
    options: dict[tuple[str, str], list[Part]] = {}
    for row in _CATALOGUE_PARTS.rows(fits_shape(facts), values, limit=None):
        key = (row["category_id"], row["part_type"])
        if key in wanted:  # the query asks for every category with every type: a few more rows than wanted
            options.setdefault(key, []).append(instance_from_row(Part, db, row))
    return options


def _substitutes_chosen(
    *, category: str, unfitted: dict[str, Part], options: dict[tuple[str, str], list[Part]]
) -> dict[str, Part]:
    """For each part type whose store lines all miss the vehicle, the fitting catalogue part of the service's
    category to quote instead: the store line's brand if one fits, else the cheapest."""
    chosen = {}
    for part_type, original in unfitted.items():
        parts = options.get((category, part_type), [])
        same_brand = [p for p in parts if p.brand == original.brand]
        if same_brand or parts:
            chosen[part_type] = (same_brand or parts)[0]
    return chosen


def _part_line(
    part: Part, qty: Decimal, unit_price: Decimal, source: str, facts: VehicleFacts, notes: list[str]
) -> QuoteLine:
    if part.part_type == PartType.ENGINE_OIL and facts.oil_litres is not None:
        charged = oil_litres_charged(facts.oil_litres)
        if charged != qty:
            notes.append(
                _("Engine oil: %(capacity)s L for this vehicle, charged as %(charged)s L (whole litres).")
                % {"capacity": format_quantity(facts.oil_litres), "charged": format_quantity(charged)}
            )
        qty = charged
    return QuoteLine(
        kind=PART,
        description=part.name,
        sku=part.sku,
        qty=qty,
        unit_price=unit_price,
        amount=money(qty * unit_price),
        price_source=source,
    )


def _dropped_note(part_type: str, facts: VehicleFacts) -> str:
    label = PartType(part_type).label
    if facts.is_electric and part_type in _ENGINE_PARTS:
        return _("%(part_type)s: not needed for an electric vehicle.") % {"part_type": label}
    if part_type == PartType.TYRE and not facts.tyre_size:
        return _("Tyre: add your vehicle's tyre size to be quoted one.")
    return _("%(part_type)s: nothing in the catalogue fits this vehicle; the shop will advise.") % {"part_type": label}
