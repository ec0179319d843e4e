"""Which parts fit a vehicle (catalog.fitment), on the seed catalogue and on parts made for the test."""

from decimal import Decimal

import pytest

from accounts.models import Vehicle
from catalog.catalogue import VEHICLE_SPECS
from catalog.fitment import (
    oil_litres_charged,
    parts_fitting,
    vehicle_facts_get,
    vehicle_oil_litres,
    vehicle_spec_for,
    vehicle_tyre_size,
)
from catalog.models import Category, PartType, VehicleSpec
from chefu.errors import NotFound
from demo.accounts import OWNER_VEHICLES
from tests.catalog.factories import PartFactory, PartFitmentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A make no seed row mentions, so only the test's own parts carry its fitment.
MAKE = "测试汽车"


def _fitting_test_skus(vehicle, category=None) -> set[str]:
    return set(
        parts_fitting(vehicle=vehicle, category=category).filter(sku__startswith="TEST-").values_list("sku", flat=True)
    )


def _types(vehicle, category=None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sku, part_type in parts_fitting(vehicle=vehicle, category=category).values_list("sku", "part_type"):
        out.setdefault(part_type, set()).add(sku)
    return out


def _vehicle(make=MAKE, model="X1", year=2020, tyre_size="") -> Vehicle:
    # Fitment reads the vehicle's attributes only: an unsaved vehicle is enough.
    return Vehicle(make=make, model=model, year=year, tyre_size=tyre_size)


def _parts_install():
    return Category.objects.get(code="parts_install")


# --- fitment rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "fits"), [(2014, False), (2015, True), (2017, True), (2018, True), (2019, False)])
def test_year_range_is_inclusive_at_both_ends(year, fits):
    pad = PartFitmentFactory(
        part=PartFactory(part_type="brake_pad", category=_parts_install(), unit="套"),
        make=MAKE,
        model="X1",
        year_from=2015,
        year_to=2018,
    ).part

    assert (pad.sku in _fitting_test_skus(_vehicle(year=year))) is fits


def test_a_blank_model_matches_every_model_of_the_make_and_no_other_make():
    battery = PartFitmentFactory(
        part=PartFactory(part_type="battery", category=_parts_install(), unit="块"), make=MAKE, model=""
    ).part

    assert battery.sku in _fitting_test_skus(_vehicle(model="X1"))
    assert battery.sku in _fitting_test_skus(_vehicle(model="X9 Pro"))
    assert battery.sku not in _fitting_test_skus(_vehicle(make="另一品牌", model="X1"))


def test_a_model_row_matches_that_model_only():
    wiper = PartFitmentFactory(
        part=PartFactory(part_type="wiper", category=_parts_install(), unit="对"), make=MAKE, model="X1"
    ).part

    assert wiper.sku in _fitting_test_skus(_vehicle(model="X1"))
    assert wiper.sku not in _fitting_test_skus(_vehicle(model="X2"))


def test_any_matching_row_is_enough():
    filt = PartFactory(part_type="oil_filter", unit="个")
    PartFitmentFactory(part=filt, make=MAKE, model="X1", year_from=2010, year_to=2014)
    PartFitmentFactory(part=filt, make=MAKE, model="X2", year_from=2018, year_to=2022)

    assert filt.sku in _fitting_test_skus(_vehicle(model="X2", year=2020))
    assert filt.sku not in _fitting_test_skus(_vehicle(model="X1", year=2020))


def test_a_part_without_rows_fits_everyone_but_inactive_parts_fit_no_one():
    fluid = PartFactory(part_type="brake_fluid", unit="瓶")
    retired = PartFactory(part_type="brake_fluid", unit="瓶", is_active=False)

    skus = _fitting_test_skus(_vehicle(make="任意品牌"))

    assert fluid.sku in skus
    assert retired.sku not in skus


def test_category_filter():
    oil = PartFactory()
    pad = PartFactory(part_type="brake_pad", category=_parts_install(), unit="套")
    vehicle = _vehicle()

    assert _fitting_test_skus(vehicle, "maintenance") == {oil.sku}
    assert _fitting_test_skus(vehicle, "parts_install") == {pad.sku}


# --- tyres -------------------------------------------------------------------------------------------


def _tyre(size: str):
    return PartFactory(part_type="tyre", tyre_size=size, category=_parts_install(), unit="条")


def test_tyres_fit_by_the_vehicles_own_size():
    small, large = _tyre("195/65R15"), _tyre("225/45R17")

    assert _fitting_test_skus(_vehicle(tyre_size="225/45R17")) == {large.sku}
    assert small.sku in _fitting_test_skus(_vehicle(tyre_size="195/65R15"))


def test_a_zr_size_is_the_same_size():
    tyre = _tyre("225/45R17")

    assert tyre.sku in _fitting_test_skus(_vehicle(tyre_size="225/45ZR17"))


def test_without_a_tyre_size_or_a_spec_no_tyre_fits():
    _tyre("205/55R16")

    assert PartType.TYRE not in _types(_vehicle())


def test_tyre_size_comes_from_the_spec_when_the_vehicle_has_none():
    VehicleSpec.objects.create(make=MAKE, model="X1", year_from=2018, year_to=2022, tyre_size="215/55R17")
    tyre = _tyre("215/55R17")
    vehicle = _vehicle(year=2020)

    assert vehicle_tyre_size(vehicle) == "215/55R17"
    assert _fitting_test_skus(vehicle) == {tyre.sku}
    # the vehicle's own size wins over the spec's
    assert vehicle_tyre_size(_vehicle(year=2020, tyre_size="225/45R17")) == "225/45R17"
    assert vehicle_tyre_size(_vehicle(year=2023)) == ""


# --- specs, oil ----------------------------------------------------------------------------------------


def test_vehicle_spec_for_matches_make_model_and_year_range():
    spec = VehicleSpec.objects.create(make=MAKE, model="X1", year_from=2018, year_to=2022, engine_oil_l=Decimal("4.5"))

    assert vehicle_spec_for(_vehicle(year=2018)) == spec
    assert vehicle_spec_for(_vehicle(year=2022)) == spec
    assert vehicle_spec_for(_vehicle(year=2023)) is None
    assert vehicle_spec_for(_vehicle(model="X2", year=2020)) is None
    assert vehicle_oil_litres(_vehicle(year=2020)) == Decimal("4.5")
    assert vehicle_oil_litres(_vehicle(year=2023)) is None


def test_vehicle_facts_get_reads_the_owners_vehicle_and_the_same_spec_in_one_query(django_assert_num_queries):
    owner = UserFactory()
    older = VehicleSpec.objects.create(make=MAKE, model="X1", year_from=2015, year_to=2022, engine_oil_l=Decimal("4"))
    newer = VehicleSpec.objects.create(  # overlapping rows: the one starting latest applies
        make=MAKE, model="X1", year_from=2018, year_to=2022, engine_oil_l=Decimal("4.5"), tyre_size="215/55R17"
    )
    ev = VehicleSpec.objects.create(make=MAKE, model="EV1", year_from=2020, year_to=2026, engine_oil_l=None)
    cases = [("X1", 2020, newer), ("X1", 2016, older), ("X1", 2023, None), ("EV1", 2021, ev), ("X9", 2020, None)]
    for n, (model, year, expected) in enumerate(cases):
        vehicle = Vehicle.objects.create(owner=owner, plate=f"沪A1234{n}", make=MAKE, model=model, year=year)
        with django_assert_num_queries(1):
            facts = vehicle_facts_get(owner=owner, vehicle_id=vehicle.pk)
        assert facts.vehicle == vehicle
        assert facts.spec == vehicle_spec_for(vehicle)
        if expected is newer:
            assert (facts.spec.pk, facts.spec.engine_oil_l, facts.tyre_size) == (newer.pk, Decimal("4.5"), "215/55R17")
        elif expected is ev:
            assert facts.is_electric and facts.oil_litres is None
        else:
            assert facts.spec == expected
    with pytest.raises(NotFound):  # someone else's vehicle is not found, alike a missing one
        vehicle_facts_get(owner=UserFactory(), vehicle_id=vehicle.pk)
    for absurd in (2**63, -(2**63) - 1, 10**5000):  # beyond any id (the last beyond Python's int-to-text limit)
        with pytest.raises(NotFound):
            vehicle_facts_get(owner=owner, vehicle_id=absurd)


def test_an_electric_vehicle_gets_no_engine_oil_but_a_vehicle_without_spec_does():
    VehicleSpec.objects.create(make=MAKE, model="EV1", year_from=2020, year_to=2026, engine_oil_l=None)
    oil = PartFactory()

    assert oil.sku not in _fitting_test_skus(_vehicle(model="EV1", year=2022))
    assert vehicle_oil_litres(_vehicle(model="EV1", year=2022)) is None
    assert oil.sku in _fitting_test_skus(_vehicle(model="Unknown", year=2022))


@pytest.mark.parametrize(("litres", "charged"), [("4.0", "4"), ("4.2", "5"), ("5.7", "6"), ("3.5", "4")])
def test_oil_is_charged_in_whole_litres(litres, charged):
    assert oil_litres_charged(Decimal(litres)) == Decimal(charged)


def test_fitting_costs_two_queries_however_many_parts(django_assert_num_queries):
    vehicle = _vehicle(make="大众", model="帕萨特", year=2018)

    with django_assert_num_queries(2):
        parts = list(parts_fitting(vehicle=vehicle))

    assert len(parts) > 30


# --- the seed catalogue, for the demo owner's cars and every spec -------------------------------------


def _demo(plate: str) -> Vehicle:
    row = next(v for v in OWNER_VEHICLES if v["plate"] == plate)
    return Vehicle(**row)


def test_the_demo_passat_gets_its_oil_filters_tyres_and_oils():
    passat = _demo("沪A5K321")

    fitting = _types(passat)

    assert vehicle_oil_litres(passat) == Decimal("5.7")
    assert fitting[PartType.OIL_FILTER] == {"OFL-BOSC-EA888", "OFL-MANN-EA888"}
    assert fitting[PartType.AIR_FILTER] == {"AFL-BOSC-PASSAT", "AFL-MANN-PASSAT"}
    assert fitting[PartType.CABIN_FILTER] == {"CFL-BOSC-PASSAT", "CFL-MANN-PASSAT"}
    assert fitting[PartType.BATTERY] == {"BAT-CAML-EFBH6", "BAT-VART-EFBH6"}
    assert fitting[PartType.REFRIGERANT] == {"REF-JUHU-R134A-500G"}
    assert "OIL-MOB1-0W20" in fitting[PartType.ENGINE_OIL]
    assert len(fitting[PartType.TYRE]) >= 5
    assert all(sku.endswith("-2354518") for sku in fitting[PartType.TYRE])


def test_the_demo_han_ev_gets_no_engine_parts_but_tyres_of_its_spec_size():
    han = _demo("沪AD12345")

    fitting = _types(han)

    assert vehicle_oil_litres(han) is None
    assert vehicle_tyre_size(han) == "245/45R19"
    for engine_part in (PartType.ENGINE_OIL, PartType.OIL_FILTER, PartType.AIR_FILTER, PartType.BATTERY):
        assert engine_part not in fitting
    assert fitting[PartType.CABIN_FILTER] == {"CFL-BOSC-HANEV", "CFL-MANN-HANEV"}
    assert fitting[PartType.BRAKE_PAD] == {"BPD-BOSC-HANEV", "BPD-BREM-HANEV"}
    assert all(sku.endswith("-2454519") for sku in fitting[PartType.TYRE])
    assert len(fitting[PartType.TYRE]) >= 5


def test_bmw_gets_r1234yf_and_no_r134a():
    fitting = _types(_vehicle(make="宝马", model="3系", year=2021))

    assert fitting[PartType.REFRIGERANT] == {"REF-HONE-R1234YF-500G", "REF-CHEM-R1234YF-500G"}


@pytest.mark.parametrize("spec", VEHICLE_SPECS, ids=lambda s: f"{s.make}-{s.model}")
def test_every_spec_model_gets_the_parts_its_services_need(spec):
    vehicle = _vehicle(make=spec.make, model=spec.model, year=spec.year_from)

    fitting = _types(vehicle)

    assert fitting.get(PartType.TYRE), "tyres"
    assert fitting.get(PartType.CABIN_FILTER), "cabin filter"
    assert fitting.get(PartType.WIPER), "wipers"
    assert fitting.get(PartType.BRAKE_PAD), "brake pads"
    assert fitting.get(PartType.REFRIGERANT), "refrigerant"
    engine = (PartType.ENGINE_OIL, PartType.OIL_FILTER, PartType.AIR_FILTER)
    if spec.engine_oil_l is None:
        assert not any(fitting.get(t) for t in engine)
    else:
        assert all(fitting.get(t) for t in engine)
