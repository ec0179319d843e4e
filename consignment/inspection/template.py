"""The standard inspection template: what an inspector checks on a consignment car, in groups, as code.

A report records the :data:`VERSION` it was written against; a new version of the template is a new constant here
(items are never renumbered under an existing version). Texts are translatable (zh-hans on the site, English
available). ``unit`` says an item takes a measurement (``reading``) in that unit; the exterior panels take the paint
thickness in µm, which :mod:`consignment.inspection.grading` reads. The accident, flood and fire checks are
``critical``: they cap the grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VERSION = "2026.1"

MICROMETRES = "µm"
MILLIMETRES = "mm"
VOLTS = "V"

# The largest reading an item in a unit may take: a gauge on a panel full of filler reads a few thousand µm, a new
# tyre has about 10 mm of tread, a car battery under charge about 14.5 V.
READING_MAX = {MICROMETRES: Decimal("5000"), MILLIMETRES: Decimal("20"), VOLTS: Decimal("30")}


@dataclass(frozen=True)
class Group:
    code: str
    name: str | Promise


@dataclass(frozen=True)
class Item:
    """One check. ``paint``: a steel panel whose paint thickness (``unit`` µm) must be read unless not applicable."""

    code: str
    group: str
    text: str | Promise
    unit: str | None = None
    critical: bool = False
    paint: bool = False

    @property
    def reading_required(self) -> bool:
        return self.paint


GROUPS = (
    Group("exterior", _("Exterior panels and paint")),
    Group("glass_lights", _("Glass and lights")),
    Group("interior", _("Interior")),
    Group("engine_bay", _("Engine bay")),
    Group("chassis", _("Chassis and underbody")),
    Group("electrics", _("Electrics and diagnostics")),
    Group("road_test", _("Road test")),
    Group("history", _("Accident, flood and fire checks")),
)


def _panel(code: str, text) -> Item:
    return Item(code, "exterior", text, unit=MICROMETRES, paint=True)


ITEMS: tuple[Item, ...] = (
    # Exterior: every steel panel gets a paint-thickness reading; plastic bumpers are judged by eye.
    _panel("hood", _("Bonnet")),
    _panel("roof", _("Roof")),
    _panel("trunk_lid", _("Boot lid")),
    _panel("fender_front_left", _("Front left wing")),
    _panel("fender_front_right", _("Front right wing")),
    _panel("door_front_left", _("Front left door")),
    _panel("door_front_right", _("Front right door")),
    _panel("door_rear_left", _("Rear left door")),
    _panel("door_rear_right", _("Rear right door")),
    _panel("quarter_rear_left", _("Rear left quarter panel")),
    _panel("quarter_rear_right", _("Rear right quarter panel")),
    _panel("sill_left", _("Left sill")),
    _panel("sill_right", _("Right sill")),
    Item("bumper_front", "exterior", _("Front bumper")),
    Item("bumper_rear", "exterior", _("Rear bumper")),
    Item("panel_gaps", "exterior", _("Panel gaps even on both sides")),
    # Glass and lights.
    Item("windscreen", "glass_lights", _("Windscreen: no cracks or chips in the driver's view")),
    Item("rear_window", "glass_lights", _("Rear window and its heater")),
    Item("side_windows", "glass_lights", _("Side windows")),
    Item("mirrors", "glass_lights", _("Door mirrors: glass, folding and adjustment")),
    Item("headlights", "glass_lights", _("Headlights, dipped and main beam")),
    Item("tail_lights", "glass_lights", _("Tail and brake lights")),
    Item("indicators", "glass_lights", _("Indicators and hazard lights")),
    Item("fog_lights", "glass_lights", _("Fog lights")),
    # Interior.
    Item("seats", "interior", _("Seats: upholstery and adjustment")),
    Item("seat_belts", "interior", _("Seat belts: webbing, buckles, retraction")),
    Item("steering_wheel", "interior", _("Steering wheel and gear knob wear (matches the mileage)")),
    Item("dashboard", "interior", _("Dashboard and centre console")),
    Item("headliner", "interior", _("Headliner and pillar trims")),
    Item("carpets", "interior", _("Carpets and floor")),
    Item("air_conditioning", "interior", _("Air conditioning: cooling and heating")),
    Item("infotainment", "interior", _("Screen, audio and navigation")),
    Item("interior_odour", "interior", _("No damp, mould or smoke smell")),
    # Engine bay.
    Item("engine_oil", "engine_bay", _("Engine oil level and condition")),
    Item("oil_leaks", "engine_bay", _("No oil leaks from the engine or gearbox")),
    Item("coolant", "engine_bay", _("Coolant level, no leaks")),
    Item("belts_hoses", "engine_bay", _("Belts and hoses")),
    Item("battery", "engine_bay", _("Battery: terminals and mounting")),
    Item("radiator", "engine_bay", _("Radiator and cooling fan")),
    Item("engine_mounts", "engine_bay", _("Engine mounts")),
    Item("cold_start", "engine_bay", _("Cold start and steady idle")),
    Item("exhaust_smoke", "engine_bay", _("Exhaust smoke colour")),
    # Chassis and underbody.
    Item("suspension_front", "chassis", _("Front suspension: arms, joints, bushes")),
    Item("suspension_rear", "chassis", _("Rear suspension")),
    Item("shock_absorbers", "chassis", _("Shock absorbers: no leaks")),
    Item("brakes", "chassis", _("Brake discs and pads")),
    Item("tyre_tread", "chassis", _("Tyre tread depth (the shallowest tyre)"), unit=MILLIMETRES),
    Item("tyre_condition", "chassis", _("Tyres: age, cracks, bulges")),
    Item("spare_tyre", "chassis", _("Spare wheel and tools")),
    Item("exhaust_system", "chassis", _("Exhaust system")),
    Item("underbody_rust", "chassis", _("Underbody: no corrosion or scrapes")),
    # Electrics and diagnostics.
    Item("obd_codes", "electrics", _("Diagnostic scan (OBD): no stored fault codes")),
    Item("battery_voltage", "electrics", _("Battery voltage, engine off"), unit=VOLTS),
    Item("warning_lights", "electrics", _("No warning lights on the instrument cluster")),
    Item("windows_locks", "electrics", _("Power windows and central locking")),
    Item("wipers", "electrics", _("Wipers and washers")),
    Item("horn", "electrics", _("Horn")),
    Item("parking_aids", "electrics", _("Parking sensors and camera")),
    # Road test.
    Item("acceleration", "road_test", _("Acceleration, no hesitation")),
    Item("gearbox", "road_test", _("Gear changes smooth")),
    Item("braking", "road_test", _("Braking: straight, no judder")),
    Item("steering", "road_test", _("Steering: centred, does not pull")),
    Item("noise_vibration", "road_test", _("No unusual noise or vibration")),
    Item("suspension_bumps", "road_test", _("Over bumps: no knocks")),
    Item("abs_esp", "road_test", _("ABS and stability control work")),
    # Accident, flood and fire: critical, they cap the grade.
    Item(
        "accident",
        "history",
        _("Accident check: pillars, chassis rails, firewall and strut towers not cut, welded or straightened"),
        critical=True,
    ),
    Item(
        "flood",
        "history",
        _("Flood check: no silt, rust or mould under the seats, at the belt anchors or on the wiring"),
        critical=True,
    ),
    Item(
        "fire",
        "history",
        _("Fire check: no soot, melting or scorching on the engine-bay wiring and insulation"),
        critical=True,
    ),
)

BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}
GROUP_NAMES: dict[str, str | Promise] = {group.code: group.name for group in GROUPS}
CODES: tuple[str, ...] = tuple(BY_CODE)


def items_of(version: str) -> dict[str, Item] | None:
    """The items of template ``version`` by code, or None for a version this code does not know."""
    return BY_CODE if version == VERSION else None


def grouped() -> list[tuple[Group, list[Item]]]:
    """The groups in order, each with its items in order."""
    return [(group, [item for item in ITEMS if item.group == group.code]) for group in GROUPS]
