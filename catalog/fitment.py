"""Which catalogue parts fit a vehicle.

The rules, in SQL (one query for the parts, one for the vehicle's spec):

- Tyres fit by size: the vehicle's own ``tyre_size``, else the OE size of its :class:`VehicleSpec`. A
  vehicle with neither gets no tyre. ``225/45ZR17`` and ``225/45R17`` are the same size (Z is a speed mark).
- A part with fitment rows fits when one row matches: same make, same model or a blank model (every model
  of the make), model year inside ``year_from..year_to`` (both inclusive).
- A part without fitment rows (oils, brake fluid, care products) fits every vehicle, except engine oil for
  a vehicle whose spec says it has no engine (a pure EV: spec found, ``engine_oil_l`` null). Without a spec
  nothing is known, so oil stays in. Oil filters, air filters and batteries carry fitment rows for
  engine models only, so an EV gets none of them either; refrigerant rows are per make (R134a or R1234yf).
- Make and model compare exactly, as stored on the vehicle and in the catalogue.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import router
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import User, Vehicle
from catalog.models import Part, PartFitment, PartType, VehicleSpec
from chefu.errors import NotFound
from chefu.prepared import PreparedQuery, instance_from_row


def _specs_matching(make, model, year) -> QuerySet[VehicleSpec]:
    """The specs of a make, model and year, the one that applies first: overlapping rows (an admin's addition)
    resolve to the one starting latest. The values may be ``OuterRef``s."""
    return VehicleSpec.objects.filter(make=make, model=model, year_from__lte=year, year_to__gte=year).order_by(
        "-year_from", "-id"
    )


def vehicle_spec_for(vehicle: Vehicle) -> VehicleSpec | None:
    """The factory data of the vehicle's make, model and year; None when the catalogue has none."""
    return _specs_matching(vehicle.make, vehicle.model, vehicle.year).first()


@dataclass(frozen=True)
class VehicleFacts:
    """A vehicle with its spec (None: not in the catalogue), looked up once and passed around."""

    vehicle: Vehicle
    spec: VehicleSpec | None

    @property
    def tyre_size(self) -> str:
        """The vehicle's own tyre size, else the spec's OE size, else ``""`` (unknown)."""
        return self.vehicle.tyre_size or (self.spec.tyre_size if self.spec else "")

    @property
    def oil_litres(self) -> Decimal | None:
        """Engine-oil capacity with the filter, in litres; None for an EV or without a spec."""
        return self.spec.engine_oil_l if self.spec else None

    @property
    def is_electric(self) -> bool:
        """Known to have no engine: the spec exists and gives no oil capacity."""
        return self.spec is not None and self.spec.engine_oil_l is None


def vehicle_facts(vehicle: Vehicle) -> VehicleFacts:
    return VehicleFacts(vehicle=vehicle, spec=vehicle_spec_for(vehicle))


_SPEC = "spec__"  # prefix of the spec's columns selected beside a vehicle's by vehicle_facts_get
_VEHICLE_FIELDS = tuple(f.attname for f in Vehicle._meta.concrete_fields)
_SPEC_FIELDS = tuple(f.attname for f in VehicleSpec._meta.concrete_fields)


def _vehicle_with_spec(shape, *, owner_id: int, vehicle_id: int) -> QuerySet:
    spec = _specs_matching(OuterRef("make"), OuterRef("model"), OuterRef("year"))
    return (
        Vehicle.objects.filter(owner_id=owner_id, pk=vehicle_id)
        .annotate(**{_SPEC + name: Subquery(spec.values(name)[:1]) for name in _SPEC_FIELDS})
        .order_by()
        .values(*_VEHICLE_FIELDS, *(_SPEC + name for name in _SPEC_FIELDS))
    )


# Compiled once: every booking and every quote for a car reads it, and Django took longer to write its seven
# subqueries (~3 ms) than PostgreSQL to answer them.
_VEHICLE_WITH_SPEC = PreparedQuery(_vehicle_with_spec, {"owner_id": -7_000_001, "vehicle_id": -7_000_002})


def vehicle_facts_get(*, owner: User, vehicle_id: int) -> VehicleFacts:
    """The owner's vehicle with its spec (:func:`vehicle_spec_for`), in one query; NotFound both when the vehicle
    does not exist and when it is someone else's."""
    if not -(2**63) <= vehicle_id < 2**63:  # no such id (the ORM would have found nothing without asking)
        raise NotFound()
    rows = _VEHICLE_WITH_SPEC.rows("one", {"owner_id": owner.pk, "vehicle_id": vehicle_id}, limit=1)
    if not rows:
        raise NotFound()
    row = rows[0]
    db = router.db_for_read(Vehicle)
    vehicle = instance_from_row(Vehicle, db, row)
    if row[_SPEC + "id"] is None:
        return VehicleFacts(vehicle=vehicle, spec=None)
    return VehicleFacts(vehicle=vehicle, spec=instance_from_row(VehicleSpec, db, row, prefix=_SPEC))


def vehicle_tyre_size(vehicle: Vehicle) -> str:
    """The vehicle's own tyre size, else its spec's OE size, else ``""``."""
    return vehicle.tyre_size or vehicle_facts(vehicle).tyre_size


def vehicle_oil_litres(vehicle: Vehicle) -> Decimal | None:
    """Engine-oil capacity in litres (with the filter); None for an EV or a vehicle without a spec."""
    return vehicle_facts(vehicle).oil_litres


def oil_litres_charged(litres: Decimal) -> Decimal:
    """Shops open bottles and charge whole litres: a 5.7 L engine is charged 6 L."""
    return Decimal(math.ceil(litres))


def _same_tyre_sizes(size: str) -> tuple[str, str]:
    plain = size.replace("ZR", "R")
    return plain, plain.replace("R", "ZR")


def fits_q(facts: VehicleFacts) -> Q:
    """A filter on :class:`Part`: the parts that fit the vehicle, active or not. Works inside a subquery
    (``Part.objects.filter(pk=OuterRef("part_id")).filter(fits_q(facts))``)."""
    return fits_q_of(fits_shape(facts), **fits_values(facts))


def fits_shape(facts: VehicleFacts) -> tuple[bool, bool]:
    """What decides the form of :func:`fits_q`'s filter, as opposed to its values: whether the vehicle's tyre size is
    known, and whether it is electric. The shape of a statement compiled once (``chefu.prepared``)."""
    return bool(facts.tyre_size), facts.is_electric


def fits_values(facts: VehicleFacts) -> dict:
    """The values :func:`fits_q_of` takes for the vehicle (the tyre sizes are blank when its size is not known)."""
    vehicle = facts.vehicle
    tyre_a, tyre_b = _same_tyre_sizes(facts.tyre_size) if facts.tyre_size else ("", "")
    return {"make": vehicle.make, "model": vehicle.model, "year": vehicle.year, "tyre_a": tyre_a, "tyre_b": tyre_b}


def fits_q_of(shape: tuple[bool, bool], *, make, model, year, tyre_a, tyre_b) -> Q:
    """:func:`fits_q` from :func:`fits_shape` and :func:`fits_values`; the values may be a prepared query's markers."""
    has_tyre_size, is_electric = shape
    matching_row = PartFitment.objects.filter(
        Q(model="") | Q(model=model),
        part=OuterRef("pk"),
        make=make,
        year_from__lte=year,
        year_to__gte=year,
    )
    any_row = PartFitment.objects.filter(part=OuterRef("pk"))
    q = Q(Exists(matching_row)) | ~Q(Exists(any_row))
    if has_tyre_size:
        q &= ~Q(part_type=PartType.TYRE) | Q(tyre_size__in=[tyre_a, tyre_b])
    else:
        q &= ~Q(part_type=PartType.TYRE)
    if is_electric:
        q &= ~Q(part_type=PartType.ENGINE_OIL)
    return q


def parts_fitting(*, vehicle: Vehicle, category: str | None = None) -> QuerySet[Part]:
    """Active catalogue parts that fit ``vehicle``, optionally of one service category, in catalogue
    order: one query for the spec now, one for the parts when evaluated."""
    return parts_fitting_facts(facts=vehicle_facts(vehicle), category=category)


def parts_fitting_facts(*, facts: VehicleFacts, category: str | None = None) -> QuerySet[Part]:
    queryset = Part.objects.filter(fits_q(facts), is_active=True)
    return queryset.filter(category_id=category) if category else queryset
