"""The seed catalogue (catalog.catalogue) and its loader, as the data migration 0004 left them."""

import re
from decimal import Decimal

import pytest

from accounts.validators import TYRE_SIZE_RE, normalize_tyre_size
from catalog.catalogue import PARTS, VEHICLE_SPECS, CatalogueLoad, load_catalogue
from catalog.models import Category, Part, PartFitment, PartType, VehicleSpec

pytestmark = pytest.mark.django_db

SERVICE_CATEGORY = {
    PartType.TYRE: "parts_install",
    PartType.BATTERY: "parts_install",
    PartType.WIPER: "parts_install",
    PartType.BRAKE_PAD: "parts_install",
    PartType.ENGINE_OIL: "maintenance",
    PartType.OIL_FILTER: "maintenance",
    PartType.AIR_FILTER: "maintenance",
    PartType.CABIN_FILTER: "maintenance",
    PartType.BRAKE_FLUID: "maintenance",
    PartType.REFRIGERANT: "maintenance",
    PartType.CARE: "washing",
}


def _load() -> CatalogueLoad:
    return load_catalogue(Category, Part, PartFitment, VehicleSpec)


def test_the_migration_loaded_every_seed_part_and_spec():
    assert set(Part.objects.values_list("sku", flat=True)) >= {p.sku for p in PARTS}
    assert VehicleSpec.objects.count() >= len(VEHICLE_SPECS)
    seeded_rows = sum(len(p.fits) for p in PARTS)
    assert PartFitment.objects.filter(part__sku__in=[p.sku for p in PARTS]).count() == seeded_rows


def test_loading_again_creates_nothing():
    parts, fitments, specs = Part.objects.count(), PartFitment.objects.count(), VehicleSpec.objects.count()

    assert _load() == CatalogueLoad(parts=0, fitments=0, specs=0)

    assert (Part.objects.count(), PartFitment.objects.count(), VehicleSpec.objects.count()) == (parts, fitments, specs)


def test_loading_again_keeps_admin_edits_and_restores_only_what_is_missing():
    # given: an admin reprices a tyre, renames a filter and drops one of its fitment rows, deactivates
    # an oil, corrects a spec; a wiper SKU was deleted
    Part.objects.filter(sku="TYR-MICH-PRIM4-2055516").update(list_price=Decimal("729.00"))
    oil_filter = Part.objects.get(sku="OFL-MANN-EA888")
    Part.objects.filter(pk=oil_filter.pk).update(name="曼牌 机油滤清器 HU 6020 z")
    oil_filter.fitments.filter(model="A4L").delete()
    Part.objects.filter(sku="OIL-GWJJ-5W40").update(is_active=False)
    VehicleSpec.objects.filter(make="大众", model="帕萨特").update(engine_oil_l=Decimal("5.5"))
    Part.objects.filter(sku="WIP-VALE-LAVIDA").delete()

    # when
    result = _load()

    # then
    assert result == CatalogueLoad(parts=1, fitments=1, specs=0)
    assert Part.objects.get(sku="TYR-MICH-PRIM4-2055516").list_price == Decimal("729.00")
    oil_filter.refresh_from_db()
    assert oil_filter.name == "曼牌 机油滤清器 HU 6020 z"
    assert sorted(oil_filter.fitments.values_list("model", flat=True)) == ["帕萨特", "途观L"]
    assert not Part.objects.get(sku="OIL-GWJJ-5W40").is_active
    assert VehicleSpec.objects.get(make="大众", model="帕萨特").engine_oil_l == Decimal("5.5")
    wiper = Part.objects.get(sku="WIP-VALE-LAVIDA")
    assert list(wiper.fitments.values_list("make", "model")) == [("大众", "朗逸")]


def test_an_empty_database_gets_everything_in_a_few_queries(django_assert_max_num_queries):
    PartFitment.objects.all().delete()
    Part.objects.all().delete()
    VehicleSpec.objects.all().delete()

    with django_assert_max_num_queries(8):
        result = _load()

    assert result == CatalogueLoad(parts=len(PARTS), fitments=sum(len(p.fits) for p in PARTS), specs=len(VEHICLE_SPECS))


def test_every_seeded_part_passes_model_validation():
    for part in Part.objects.filter(sku__in=[p.sku for p in PARTS]):
        part.full_clean()


def test_every_seeded_tyre_size_is_valid_and_canonical():
    tyres = [p for p in PARTS if p.part_type == PartType.TYRE]
    assert len(tyres) > 60
    for tyre in tyres:
        assert re.match(TYRE_SIZE_RE, tyre.tyre_size), tyre.sku
        assert normalize_tyre_size(tyre.tyre_size) == tyre.tyre_size
        assert tyre.tyre_size in tyre.name
        assert tyre.sku.endswith("-" + re.sub(r"\D", "", tyre.tyre_size))
    for spec in VEHICLE_SPECS:
        assert re.match(TYRE_SIZE_RE, spec.tyre_size), spec


def test_common_sizes_come_from_several_brands():
    brands_by_size: dict[str, set[str]] = {}
    for part in PARTS:
        if part.part_type == PartType.TYRE:
            brands_by_size.setdefault(part.tyre_size, set()).add(part.brand)
    for size in ("205/55R16", "195/65R15", "215/55R17", "225/45R17", "225/55R18", "235/55R19", "185/65R15"):
        assert len(brands_by_size[size]) >= 4, size


def test_every_spec_original_tyre_size_is_stocked():
    stocked = {p.tyre_size for p in PARTS if p.part_type == PartType.TYRE}
    assert {s.tyre_size for s in VEHICLE_SPECS} <= stocked


def test_skus_follow_the_house_pattern():
    for part in PARTS:
        assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", part.sku), part.sku
    assert "TYR-MICH-PRIM4-2055516" in {p.sku for p in PARTS}


def test_each_part_belongs_to_the_category_of_the_services_that_use_it():
    for part in PARTS:
        assert part.category == SERVICE_CATEGORY[part.part_type], part.sku


def test_the_catalogue_covers_every_kind_of_part_with_real_brands():
    brands = {p.brand for p in PARTS}
    for brand in ("米其林", "普利司通", "马牌", "固特异", "倍耐力", "韩泰", "玲珑", "美孚", "壳牌", "嘉实多", "长城"):
        assert any(b.startswith(brand) for b in brands), brand
    for brand in ("博世", "曼牌", "瓦尔塔", "骆驼", "法雷奥", "布雷博"):
        assert any(b.startswith(brand) for b in brands), brand
    assert {p.part_type for p in PARTS} == set(PartType.values)
    assert {p.spec.split(" ")[0] for p in PARTS if p.part_type == PartType.ENGINE_OIL} == {"0W-20", "5W-30", "5W-40"}
    assert all(p.unit == "升" for p in PARTS if p.part_type == PartType.ENGINE_OIL)


def test_list_prices_are_whole_cents_and_plausible():
    for part in PARTS:
        assert part.list_price == part.list_price.quantize(Decimal("0.01"))
        assert Decimal("10") <= part.list_price <= Decimal("2000"), part.sku


def test_specs_cover_the_popular_models_with_oil_only_for_engines():
    specs = {(s.make, s.model): s for s in VEHICLE_SPECS}
    assert len(specs) >= 25
    for make, model in [
        ("大众", "朗逸"), ("大众", "速腾"), ("大众", "帕萨特"), ("大众", "途观L"), ("丰田", "卡罗拉"),
        ("丰田", "凯美瑞"), ("丰田", "RAV4荣放"), ("本田", "思域"), ("本田", "雅阁"), ("本田", "CR-V"),
        ("日产", "轩逸"), ("别克", "英朗"), ("比亚迪", "汉EV"), ("比亚迪", "秦PLUS DM-i"), ("特斯拉", "Model 3"),
        ("特斯拉", "Model Y"), ("宝马", "3系"), ("奔驰", "C级"), ("奥迪", "A4L"), ("吉利", "星瑞"), ("哈弗", "H6"),
    ]:  # fmt: skip
        assert (make, model) in specs, model
    for electric in [("比亚迪", "汉EV"), ("特斯拉", "Model 3"), ("特斯拉", "Model Y")]:
        assert specs[electric].engine_oil_l is None
    assert specs[("大众", "帕萨特")].engine_oil_l == Decimal("5.7")
    for spec in VEHICLE_SPECS:
        assert spec.year_from <= spec.year_to
        assert spec.engine_oil_l is None or Decimal("3") <= spec.engine_oil_l <= Decimal("8")
