"""seed_demo: deterministic, on land in Shanghai, complete enough to demo, and safe to run twice."""

import datetime as dt
import random
import zoneinfo
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import token_issue
from catalog.models import Offering, OfferingPartLine, OfferingVersion, ReferencePrice, Service
from catalog.reference_selectors import offerings_flagged_for_qa
from chefu.money import money
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from demo.places import AREAS
from demo.prices import RECIPES, PartChoice, demo_price_plans
from demo.stores import demo_store_plans
from stores.hours import parse_ranges
from stores.models import (
    VISIBLE_STATUSES,
    ApplicationStatus,
    Closure,
    PartnerApplication,
    StaffRole,
    Store,
    StoreMembership,
    StoreStatus,
)
from stores.selectors import store_nearby, store_nearby_page

pytestmark = pytest.mark.django_db

# Shanghai's extent (WGS-84, lng/lat), a little generous.
SHANGHAI_BBOX = Polygon.from_bbox((120.85, 30.67, 122.20, 31.88))

# The Huangpu's course from Minpu Bridge No. 2 to Wusongkou, through the bridges' published coordinates
# (Fengpu, Minpu, Xupu, Lupu, Nanpu, Yangpu) and the Bund. The river is ~400 m wide and the line only
# roughly on its axis, so the corridor is ~600 m either side: no demo polygon may come that close.
HUANGPU = LineString(
    [
        (121.424, 30.999),  # Minpu Bridge No. 2
        (121.442, 31.006),  # Fengpu Bridge
        (121.460, 31.020),
        (121.477, 31.053),  # Minpu Bridge
        (121.470, 31.090),
        (121.464, 31.129),  # Xupu Bridge
        (121.464, 31.155),
        (121.463, 31.175),  # West Bund
        (121.476, 31.191),  # Lupu Bridge
        (121.488, 31.197),
        (121.501, 31.208),  # Nanpu Bridge
        (121.503, 31.220),
        (121.499, 31.228),
        (121.492, 31.235),  # the Bund
        (121.4905, 31.2455),  # Waibaidu Bridge
        (121.499, 31.250),
        (121.515, 31.254),
        (121.530, 31.259),  # Yangpu Bridge
        (121.550, 31.268),
        (121.562, 31.280),  # Fuxing Island
        (121.565, 31.298),
        (121.552, 31.325),
        (121.535, 31.355),
        (121.515, 31.3925),  # Wusongkou
    ],
    srid=4326,
)
HUANGPU_CORRIDOR = HUANGPU.buffer(0.006)

# Water off the mainland: the Yangtze estuary (Chongming included: no demo shops there), the East China
# Sea and Hangzhou Bay, bounded by a line a little seaward of the real shore.
SEA = Polygon(
    [
        (121.15, 31.65),
        (121.38, 31.50),
        (121.48, 31.42),
        (121.52, 31.40),
        (121.62, 31.365),
        (121.72, 31.30),
        (121.82, 31.20),
        (121.87, 31.10),
        (121.93, 30.98),
        (121.95, 30.88),
        (121.85, 30.85),
        (121.60, 30.845),
        (121.45, 30.835),
        (121.42, 30.76),
        (121.33, 30.70),
        (121.20, 30.68),
        (121.00, 30.69),
        (121.00, 30.30),
        (122.60, 30.30),
        (122.60, 32.00),
        (121.15, 32.00),
        (121.15, 31.65),
    ],
    srid=4326,
)

LAND = [(area.district, Polygon([*area.ring, area.ring[0]], srid=4326)) for area in AREAS]


def seed(**options) -> str:
    """``seed_demo`` without the quality history unless asked (it costs seconds; tests/demo/test_quality.py)."""
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"quality": False, **options})
    return out.getvalue()


def snapshot() -> list[tuple]:
    """Everything about the stores that the seed decides (closure dates follow today, so lengths only)."""
    stores = Store.objects.order_by("id").prefetch_related("bays__categories", "opening_hours", "closures")
    return [
        (
            s.name,
            s.address,
            round(s.location.y, 6),
            round(s.location.x, 6),
            s.phone,
            s.status,
            [(b.name, sorted(c.code for c in b.categories.all())) for b in s.bays.all()],
            [(h.weekday, h.opens, h.closes) for h in s.opening_hours.all()],
            [(c.ends_at - c.starts_at, c.reason, c.bay.name if c.bay else None) for c in s.closures.all()],
        )
        for s in stores
    ]


# --- The polygons themselves -----------------------------------------------------------------------------


@pytest.mark.parametrize(("district", "polygon"), LAND, ids=[f"{i}-{d}" for i, (d, _) in enumerate(LAND)])
def test_land_polygon_is_in_shanghai_and_clear_of_the_river_and_the_sea(district, polygon):
    assert polygon.valid
    assert SHANGHAI_BBOX.contains(polygon)
    assert not polygon.intersects(HUANGPU_CORRIDOR)
    assert not polygon.intersects(SEA)


def test_land_polygons_of_different_districts_do_not_overlap():
    for i, (district_a, a) in enumerate(LAND):
        for district_b, b in LAND[i + 1 :]:
            if district_a != district_b:
                assert not a.intersects(b), (district_a, district_b)


def test_puxi_and_pudong_polygons_are_on_their_side_of_the_river():
    # A point of each polygon and a point well inside Puxi (People's Square) are on the same side
    # of the river exactly when the segment between them does not cross it. Fengxian and Jinshan lie
    # beyond the upper reaches, which HUANGPU does not follow.
    peoples_square = (121.4737, 31.2304)
    for district, polygon in LAND:
        if district in ("奉贤区", "金山区"):
            continue
        crosses = LineString([peoples_square, polygon.point_on_surface.coords], srid=4326).intersects(HUANGPU)
        assert crosses == (district == "浦东新区"), district


# --- The command ----------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_stores_and_another_seed_other_stores():
    # given
    seed(stores=40, seed=7)
    first = snapshot()

    # when
    seed(stores=40, seed=7, reset=True)
    again = snapshot()
    seed(stores=40, seed=8, reset=True)
    other = snapshot()

    # then
    assert len(first) == 40
    assert again == first
    assert [row[:4] for row in other] != [row[:4] for row in first]


def test_plans_do_not_depend_on_the_global_random_state():
    today = dt.date(2026, 3, 2)
    random.seed(1)
    a = demo_store_plans(count=25, seed=3, today=today)
    random.seed(2)
    b = demo_store_plans(count=25, seed=3, today=today)
    assert a == b


def test_300_stores_load_and_every_one_is_on_land_in_its_district():
    out = seed(stores=300)

    assert Store.objects.count() == 300
    assert "Stores by status" in out
    for store in Store.objects.all():
        point = Point(store.location.x, store.location.y, srid=4326)
        assert SHANGHAI_BBOX.contains(point), store.name
        assert not HUANGPU_CORRIDOR.contains(point), store.name
        assert not SEA.contains(point), store.name
        districts = {district for district, polygon in LAND if polygon.contains(point)}
        assert len(districts) == 1, store.name
        assert store.address.startswith(f"上海市{districts.pop()}"), store.address
        assert store.city == "上海"


def test_every_store_has_bays_for_all_its_categories_and_valid_hours():
    seed(stores=40)

    stores = Store.objects.prefetch_related("categories", "bays__categories", "opening_hours")
    for store in stores:
        categories = {c.code for c in store.categories.all()}
        bays = list(store.bays.all())
        assert 1 <= len(bays) <= 6, store.name
        served = {c.code for bay in bays for c in bay.categories.all()}
        assert categories and served == categories, store.name
        assert all(bay.categories.all() for bay in bays), store.name
        rows = [
            {"weekday": h.weekday, "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"}
            for h in store.opening_hours.all()
        ]
        assert rows, store.name
        parse_ranges(rows)
    assert len({s.name for s in stores}) == 40


def test_consignment_is_rare_and_closures_are_ahead():
    seed(stores=300)

    consignment = Store.objects.filter(categories="consignment").count()
    assert 1 <= consignment <= 30
    closures = Closure.objects.all()
    assert closures.exists()
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Shanghai"))
    for closure in closures:
        assert closure.starts_at.date() >= today
        assert closure.ends_at > closure.starts_at
        assert closure.bay is None or closure.bay.store_id == closure.store_id


def test_statuses_include_suspended_and_terminated_which_search_hides():
    seed(stores=40)

    statuses = set(Store.objects.values_list("status", flat=True))
    assert {StoreStatus.ACTIVE, StoreStatus.PROBATION, StoreStatus.SUSPENDED, StoreStatus.TERMINATED} <= statuses
    terminated = Store.objects.filter(status=StoreStatus.TERMINATED).first()
    nearby = store_nearby(lat=terminated.location.y, lng=terminated.location.x, radius_m=50)
    assert terminated not in nearby
    for store in Store.objects.all():
        events = list(store.status_events.all())
        assert [(e.from_status, e.to_status, e.reason) for e in events] == [("", store.status, "Demo data")]


def test_demo_accounts_can_sign_in_and_have_their_roles():
    out = seed(stores=40)

    for account in DEMO_ACCOUNTS:
        issued = token_issue(phone=account.phone, password=DEMO_PASSWORD, ip="127.0.0.1")
        assert issued.record.user.name == account.name
        assert account.phone in out
    admin = User.objects.get(phone="13800000000")
    assert admin.is_superuser and admin.is_staff and Role.ADMIN in admin.roles
    owner = User.objects.get(phone="13800000001")
    assert sorted(v.is_new_energy for v in owner.vehicles.all()) == [False, False, True]
    assert owner.vehicles.filter(plate="沪AD12345").exists()
    manager = User.objects.get(phone="13800000002")
    first_store = Store.objects.order_by("id").first()
    assert StoreMembership.objects.filter(store=first_store, user=manager, role=StaffRole.MANAGER).exists()
    assert Role.STORE_STAFF in manager.roles
    assert first_store.status == StoreStatus.ACTIVE
    assert Role.QA in User.objects.get(phone="13800000003").roles
    application = PartnerApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.applicant.phone not in ("13800000000", "13800000001", "13800000002", "13800000003")


def test_if_empty_does_nothing_the_second_time():
    seed(stores=40, if_empty=True)
    before = snapshot()

    out = seed(stores=40, seed=99, if_empty=True)

    assert "already there" in out
    assert snapshot() == before
    assert User.objects.filter(phone="13800000001").count() == 1


def test_refuses_to_load_twice_without_reset():
    seed(stores=40)

    with pytest.raises(CommandError, match="--reset"):
        seed(stores=40)


def test_reset_keeps_other_users():
    other = User.objects.create(phone="13912345678", name="路人", roles=["owner"])
    seed(stores=40)

    seed(stores=40, reset=True)

    assert User.objects.filter(pk=other.pk).exists()
    assert Store.objects.count() == 40
    assert PartnerApplication.objects.count() == 1


def test_demo_admin_opens_the_back_office(client):
    seed(stores=5)

    assert client.login(phone="13800000000", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


# --- Price lists ------------------------------------------------------------------------------------------


def price_snapshot() -> list[tuple]:
    """Every price the seed decides: per store and service, each version's labour, lines and total."""
    offerings = Offering.objects.select_related("store").prefetch_related("versions__lines__part")
    return sorted(
        (
            o.store.name,
            o.service_id,
            o.is_active,
            o.total,
            [
                (
                    v.number,
                    v.labour,
                    v.total,
                    v.duration_min,
                    [(x.part.sku, x.qty, x.unit_price) for x in v.lines.all()],
                )
                for v in o.versions.all()
            ],
        )
        for o in offerings
    )


def test_same_seed_gives_the_same_price_lists_and_another_seed_others():
    seed(stores=40, seed=7)
    first = price_snapshot()

    seed(stores=40, seed=7, reset=True)
    again = price_snapshot()
    seed(stores=40, seed=8, reset=True)
    other = price_snapshot()

    assert len(first) > 40
    assert again == first
    assert other != first


def test_price_plans_do_not_depend_on_the_global_random_state():
    plans = demo_store_plans(count=25, seed=3, today=dt.date(2026, 3, 2))
    parts = [PartChoice("OIL-X", "maintenance", "engine_oil", "机油", Decimal("100.00"))]
    services = {"minor_service": ("maintenance", 60), "standard_wash": ("washing", 30)}
    random.seed(1)
    a = demo_price_plans(plans=plans, seed=3, parts=parts, services=services, oil_litres=Decimal(4))
    random.seed(2)
    b = demo_price_plans(plans=plans, seed=3, parts=parts, services=services, oil_litres=Decimal(4))
    assert a == b


def test_every_store_prices_services_of_each_of_its_categories_and_no_others():
    seed(stores=60)

    manager_store = Store.objects.order_by("id").first()
    for store in Store.objects.prefetch_related("categories", "offerings__service"):
        categories = {c.code for c in store.categories.all()}
        active = [o for o in store.offerings.all() if o.is_active]
        assert {o.service.category_id for o in active} == categories, store.name
    every = set(
        Service.objects.filter(
            category__in=manager_store.categories.all(), is_active=True, code__in=list(RECIPES)
        ).values_list("code", flat=True)
    )
    assert set(manager_store.offerings.values_list("service_id", flat=True)) == every


def test_totals_are_labour_plus_the_exact_line_amounts_and_lines_are_catalogue_parts():
    seed(stores=60)

    versions = OfferingVersion.objects.select_related("offering__service").prefetch_related("lines__part")
    assert versions.count() > Offering.objects.count()  # some offerings were repriced
    skus = set()
    for version in versions:
        lines = list(version.lines.all())
        for line in lines:
            assert line.amount == money(line.qty * line.unit_price)
            assert line.part.is_active and line.part.category_id == version.offering.service.category_id
            skus.add(line.part.sku)
        assert version.total == version.labour + sum((x.amount for x in lines), Decimal("0.00")), version
        assert version.duration_min % 5 == 0
    for offering in Offering.objects.select_related("current"):
        assert offering.is_active
        assert offering.current.number == offering.versions.count()
        assert offering.total == offering.current.total
    # engine oil by the litre for the reference car's 4 L, its filters, a 205/55R16 tyre, its battery
    assert OfferingPartLine.objects.filter(part__part_type="engine_oil", qty=4).exists()
    assert {"OFL-BOSC-EA211", "OFL-MANN-EA211"} & skus
    assert any(sku.startswith("TYR-") and sku.endswith("2055516") for sku in skus)
    assert OfferingPartLine.objects.filter(part__sku__startswith="BAT-").exists()


# Where a Shanghai owner expects the median of each service (CNY).
SHANGHAI_MEDIANS = {
    "standard_wash": (35, 60),
    "interior_cleaning": (200, 400),
    "waxing": (150, 300),
    "minor_service": (300, 700),
    "major_service": (500, 1200),
    "brake_fluid_change": (200, 350),
    "ac_service": (200, 400),
    "tyre_fitting": (300, 800),
    "battery_replacement": (400, 900),
    "wiper_blades": (80, 200),
    "brake_pads": (400, 900),
}


def test_reference_bands_sit_at_shanghai_price_levels():
    seed(stores=300)

    bands = {band.service_id: band for band in ReferencePrice.objects.filter(city="上海")}
    assert set(SHANGHAI_MEDIANS) <= set(bands)
    for code, (low, high) in SHANGHAI_MEDIANS.items():
        assert low <= bands[code].median <= high, (code, bands[code].median)
        assert bands[code].sample_size >= 20, code


def test_some_stores_are_deliberately_expensive_and_qa_finds_exactly_those():
    seed(stores=300)

    flagged = list(offerings_flagged_for_qa())
    stores = {o.store_id for o in flagged}
    visible = Store.objects.filter(status__in=VISIBLE_STATUSES).count()
    # ~5% of the visible stores, each priced 1.8-3x the median for everything it offers
    assert 0.03 * visible <= len(stores) <= 0.07 * visible
    assert all(o.total > Decimal("1.5") * o.median for o in flagged)
    assert all(Decimal("0.8") <= o.deviation <= Decimal("2.0") for o in flagged), [o.deviation for o in flagged]
    offered = Offering.objects.filter(store_id__in=stores, is_active=True).count()
    assert len(flagged) == offered
    assert Store.objects.order_by("id").first().id not in stores  # not the demo manager's shop


def test_demo_prices_are_searchable_cheapest_first():
    seed(stores=300)
    store = Store.objects.order_by("id").first()

    page = store_nearby_page(
        lat=store.location.y, lng=store.location.x, radius_m=5000, service="standard_wash", sort="price", limit=100
    )

    assert page.count >= 3
    totals = [row["price_total"] for row in page.items]
    assert totals == sorted(totals)
    assert all(Decimal(35) <= total <= Decimal(150) for total in totals)
