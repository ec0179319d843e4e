"""seed_demo: deterministic, on land in Shanghai, complete enough to demo, and safe to run twice."""

import datetime as dt
import random
import zoneinfo
from io import StringIO

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import token_issue
from stores.demo import AREAS, DEMO_ACCOUNTS, DEMO_PASSWORD, demo_store_plans
from stores.hours import parse_ranges
from stores.models import (
    ApplicationStatus,
    Closure,
    PartnerApplication,
    StaffRole,
    Store,
    StoreMembership,
    StoreStatus,
)
from stores.selectors import store_nearby

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
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
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
    assert sorted(v.is_new_energy for v in owner.vehicles.all()) == [False, True]
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
