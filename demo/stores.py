"""What the demo shops are: chains, categories, bays, opening hours, phones, statuses and closures.

Everything a store is made of is drawn from one ``random.Random(seed)`` (:func:`demo_store_plans`), so the same
count and seed give the same stores on every machine. Closures are placed a few days after "today" in Asia/Shanghai;
only their dates move. Shop chains are invented.

The stores are written by a fast path (:func:`stores_bulk_create`, a dozen statements for any number of them) rather
than one partner application approved per store: tests/demo/test_fast_paths.py checks that it writes what
``stores.services.application_approve`` and ``store_status_transition`` would. Closures go through
``stores.services.closure_create``, entered by the demo admin (:func:`closures_create`).
"""

import datetime as dt
import random
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point

from accounts.models import User
from bookings.engine import policy_for
from demo.places import AREAS, CITY, MANAGER_AREA, nearest_place, sample_point, street_address
from stores.hours import parse_ranges
from stores.models import DEFAULT_TIMEZONE, Bay, OpeningHours, Store, StoreStatus, StoreStatusEvent
from stores.services import closure_create

STATUS_REASON = "Demo data"
MAINTENANCE, WASHING, PARTS, CONSIGNMENT = "maintenance", "washing", "parts_install", "consignment"
# Catalogue order; categories are kept as ordered tuples, never sets, so draws do not depend on hashing.
CATEGORY_ORDER = (MAINTENANCE, WASHING, PARTS, CONSIGNMENT)
BATCH = 2000


@dataclass(frozen=True)
class Chain:
    name: str
    kind: str  # full, maintenance, washing, parts, consignment
    weight: float


CHAINS = (
    Chain("安驰养车", "full", 6),
    Chain("申途汽车服务", "full", 5),
    Chain("佳途汽车服务中心", "full", 4),
    Chain("车安达汽车服务", "full", 3),
    Chain("蓝湾汽车保养", "maintenance", 4),
    Chain("诚修汽车维修", "maintenance", 4),
    Chain("沪安汽修", "maintenance", 3),
    Chain("速捷养车", "maintenance", 3),
    Chain("老周汽修", "maintenance", 1.5),
    Chain("好车坊洗车美容", "washing", 5),
    Chain("洁途洗车", "washing", 4),
    Chain("亮车屋汽车美容", "washing", 3),
    Chain("净享洗车", "washing", 3),
    Chain("星亮汽车美容", "washing", 2),
    Chain("轮安轮胎服务", "parts", 4),
    Chain("驰轮轮胎快修", "parts", 3),
    Chain("精配汽车用品", "parts", 2),
    Chain("申城二手车检测中心", "consignment", 1.8),
    Chain("车鉴通二手车寄售", "consignment", 1.3),
)
_CHAIN_WEIGHTS = [c.weight for c in CHAINS]

# (bay counts, their weights) per kind of shop.
_BAY_COUNTS = {
    "full": ((2, 3, 4, 5, 6), (1, 3, 3, 2, 1)),
    "maintenance": ((1, 2, 3, 4), (2, 3, 3, 1)),
    "washing": ((1, 2, 3, 4), (3, 4, 2, 1)),
    "parts": ((1, 2, 3), (4, 3, 1)),
    "consignment": ((1, 2, 3), (2, 2, 1)),
}
_CN_ORDINALS = "二三四五六七八九十"
_MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "158", "159", "177", "186", "189")
# (reason, shortest, longest in days) for the whole store; reasons for one bay, by what the bay does.
_STORE_CLOSURE_REASONS = (("店休", 1, 1), ("员工培训", 1, 1), ("园区停电检修", 1, 1), ("门店升级改造", 3, 6))
_BAY_CLOSURE_REASONS = {
    MAINTENANCE: ("举升机年检", "设备维修"),
    WASHING: ("洗车机保养", "地面翻新"),
    PARTS: ("扒胎机维修", "设备维修"),
    CONSIGNMENT: ("检测设备校准",),
}


@dataclass(frozen=True)
class BayPlan:
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ClosurePlan:
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    bay: int | None  # index into the store's bays; None closes the whole store


@dataclass(frozen=True)
class StorePlan:
    name: str
    address: str
    district: str
    lat: float
    lng: float
    phone: str
    status: str
    categories: tuple[str, ...]
    bays: tuple[BayPlan, ...]
    hours: tuple[dict, ...]
    closures: tuple[ClosurePlan, ...] = field(default=())


# What each kind of shop always does, and a sideline it takes on with some probability.
_KIND_CATEGORIES = {
    "full": ((MAINTENANCE, PARTS), WASHING, 0.7),
    "maintenance": ((MAINTENANCE,), PARTS, 0.6),
    "washing": ((WASHING,), PARTS, 0.15),
    "parts": ((PARTS,), MAINTENANCE, 0.5),
    "consignment": ((CONSIGNMENT,), MAINTENANCE, 0.5),
}


def _categories(rng: random.Random, kind: str) -> tuple[str, ...]:
    """The shop's categories, main trade first (bays are named after it)."""
    always, sideline, chance = _KIND_CATEGORIES[kind]
    return always + ((sideline,) if rng.random() < chance else ())


def _bays(rng: random.Random, kind: str, categories: tuple[str, ...]) -> tuple[BayPlan, ...]:
    """1-6 bays; every category of the store is served by at least one of them."""
    counts, weights = _BAY_COUNTS[kind]
    n = rng.choices(counts, weights)[0]
    served: list[list[str]] = [[] for _ in range(n)]
    for i, category in enumerate(categories):
        served[i % n].append(category)
    # Extra bays mostly do the shop's main trade (the first category).
    for bay in served[len(categories) :]:
        bay.append(categories[0] if rng.random() < 0.7 else rng.choice(categories))
    # Lifts that do servicing often change tyres too, and the other way round.
    if MAINTENANCE in categories and PARTS in categories:
        for bay in served:
            if bay[0] in (MAINTENANCE, PARTS) and rng.random() < 0.5:
                bay.append(PARTS if bay[0] == MAINTENANCE else MAINTENANCE)
    return _named(served)


def _named(served: Sequence[Sequence[str]]) -> tuple[BayPlan, ...]:
    """Bays named after their main trade, numbered within it: 1号工位, 洗车位A, 快修位1, 检测位1."""
    numbers: Counter[str] = Counter()
    plans = []
    for bay in served:
        main = bay[0]
        numbers[main] += 1
        k = numbers[main]
        name = {
            MAINTENANCE: f"{k}号工位",
            WASHING: f"洗车位{'ABCDEF'[k - 1]}",
            PARTS: f"快修位{k}",
            CONSIGNMENT: f"检测位{k}",
        }[main]
        plans.append(BayPlan(name, _in_catalogue_order(bay)))
    return tuple(plans)


def _in_catalogue_order(categories: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in CATEGORY_ORDER if c in categories)


def _week(opens: str, closes: str, days: Sequence[int] = range(7)) -> list[dict]:
    return [{"weekday": d, "opens": opens, "closes": closes} for d in days]


def _hours(rng: random.Random, kind: str) -> tuple[dict, ...]:
    """A week of opening ranges; ``closes <= opens`` runs past midnight, 00:00-00:00 is all day."""
    if kind == "washing" and rng.random() < 0.18:
        return tuple(_week("00:00", "00:00"))
    patterns = {
        "standard": 40,
        "weekend_short": 10,
        "lunch": 12 if kind != "washing" else 3,
        "late": 10 if kind != "washing" else 25,
        "closed_day": 12,
        "overnight": 2 if kind != "washing" else 8,
        "night_wash": 0 if kind != "washing" else 6,
    }
    if kind == "consignment":
        patterns = {"standard": 5, "closed_day": 5}
    pattern = rng.choices(list(patterns), list(patterns.values()))[0]
    opens = rng.choice(("08:00", "08:30", "08:30", "09:00"))
    closes = rng.choice(("18:00", "18:30", "18:30", "19:00"))
    if pattern == "weekend_short":
        return tuple(_week(opens, closes, range(5)) + _week("09:00", "17:00", (5, 6)))
    if pattern == "lunch":
        days = range(7) if rng.random() < 0.6 else range(6)
        return tuple(sorted(_week("08:30", "12:00", days) + _week("13:30", "18:30", days), key=_row_key))
    if pattern == "late":
        return tuple(_week("09:00", "21:00"))
    if pattern == "closed_day":
        closed = rng.choices(range(7), (5, 2, 2, 1, 0, 0, 1))[0]
        return tuple(_week(opens, closes, [d for d in range(7) if d != closed]))
    if pattern == "overnight":
        return tuple(_week("10:00", "02:00"))
    if pattern == "night_wash":
        return tuple(sorted(_week("08:30", "18:30") + _week("20:00", "02:00", (4, 5)), key=_row_key))
    return tuple(_week(opens, closes))


def _row_key(row: dict) -> tuple[int, str]:
    return row["weekday"], row["opens"]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return f"021-{rng.choice('56')}{rng.randrange(10**7):07d}"


def _unique_name(chain: str, branch: str, taken: set[str]) -> str:
    name = f"{chain}({branch}店)"
    for i in range(1, 1000):
        if name not in taken:
            break
        ordinal = _CN_ORDINALS[i - 1] if i <= len(_CN_ORDINALS) else str(i + 1)
        name = f"{chain}({branch}{ordinal}店)"
    taken.add(name)
    return name


def _closures(rng: random.Random, bays: Sequence[BayPlan], today: dt.date) -> tuple[ClosurePlan, ...]:
    tz = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
    roll = rng.random()
    if roll < 0.04:
        reason, min_days, max_days = rng.choice(_STORE_CLOSURE_REASONS)
        first = today + dt.timedelta(days=rng.randint(2, 28))
        last = first + dt.timedelta(days=rng.randint(min_days, max_days))
        return (
            ClosurePlan(
                dt.datetime.combine(first, dt.time(0, 0), tzinfo=tz),
                dt.datetime.combine(last, dt.time(0, 0), tzinfo=tz),
                reason,
                None,
            ),
        )
    if roll < 0.10 and len(bays) > 1:
        bay = rng.randrange(len(bays))
        day = today + dt.timedelta(days=rng.randint(1, 21))
        starts = dt.datetime.combine(day, dt.time(rng.choice((9, 13))), tzinfo=tz)
        length = dt.timedelta(hours=rng.choice((4, 24, 48, 72)))
        reason = rng.choice(_BAY_CLOSURE_REASONS[bays[bay].categories[0]])
        return (ClosurePlan(starts, starts + length, reason, bay),)
    return ()


def _statuses(rng: random.Random, count: int) -> list[str]:
    """Mostly active; ~6% probation, ~3% suspended, a rare terminated. Store 0 (the demo manager's) is active."""
    statuses = [StoreStatus.ACTIVE.value] * count
    if count < 2:
        return statuses
    others = list(range(1, count))
    rng.shuffle(others)
    wanted = (
        (StoreStatus.TERMINATED, max(1, round(count * 0.005))),
        (StoreStatus.SUSPENDED, max(1, round(count * 0.03))),
        (StoreStatus.PROBATION, max(1, round(count * 0.06))),
    )
    for status, n in wanted:
        for _ in range(min(n, len(others))):
            statuses[others.pop()] = status.value
    return statuses


def demo_store_plans(*, count: int, seed: int, today: dt.date) -> list[StorePlan]:
    """The ``count`` demo stores for ``seed``; pure, so the same arguments give the same list.

    ``today`` is the local date in Asia/Shanghai that closures are placed after.
    """
    rng = random.Random(seed)
    area_weights = [a.weight for a in AREAS]
    statuses = _statuses(rng, count)
    taken: set[str] = set()
    plans = []
    for i in range(count):
        # The first store is the demo manager's: a full-service shop in Xuhui, so every screen has something to show.
        area = MANAGER_AREA if i == 0 else rng.choices(AREAS, area_weights)[0]
        chain = CHAINS[0] if i == 0 else rng.choices(CHAINS, _CHAIN_WEIGHTS)[0]
        road = rng.choice(area.roads)
        lat, lng = sample_point(rng, area)
        branch = road if rng.random() < 0.65 else nearest_place(area, lat, lng)
        categories = _categories(rng, chain.kind)
        if i == 0:
            categories = (MAINTENANCE, PARTS, WASHING)
        bays = _bays(rng, chain.kind, categories)
        plans.append(
            StorePlan(
                name=_unique_name(chain.name, branch, taken),
                address=street_address(rng, area, road),
                district=area.district,
                lat=lat,
                lng=lng,
                phone=_phone(rng),
                status=statuses[i],
                categories=categories,
                bays=bays,
                hours=_hours(rng, chain.kind),
                closures=_closures(rng, bays, today),
            )
        )
    return plans


def stores_bulk_create(plans: Sequence[StorePlan]) -> list[Store]:
    """The fast path: the planned stores with their categories, hours, first status event and bays, in one
    statement per table and batch. Their closures go through the service afterwards (:func:`closures_create`)."""
    stores = Store.objects.bulk_create(
        [
            Store(
                name=p.name,
                address=p.address,
                city=CITY,
                location=Point(p.lng, p.lat, srid=4326),
                phone=p.phone,
                timezone=DEFAULT_TIMEZONE,
                status=p.status,
            )
            for p in plans
        ],
        batch_size=BATCH,
    )
    StoreCategory = Store.categories.through
    StoreCategory.objects.bulk_create(
        [StoreCategory(store_id=s.pk, category_id=c) for s, p in zip(stores, plans, strict=True) for c in p.categories],
        batch_size=BATCH,
    )
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(store_id=s.pk, weekday=r.weekday, opens=r.opens, closes=r.closes)
            for s, p in zip(stores, plans, strict=True)
            for r in parse_ranges(p.hours)
        ],
        batch_size=BATCH,
    )
    StoreStatusEvent.objects.bulk_create(
        [StoreStatusEvent(store_id=s.pk, from_status="", to_status=s.status, reason=STATUS_REASON) for s in stores],
        batch_size=BATCH,
    )
    _bays_bulk_create(stores, plans)
    return stores


def _bays_bulk_create(stores: Sequence[Store], plans: Sequence[StorePlan]) -> None:
    bays = Bay.objects.bulk_create(
        [Bay(store_id=s.pk, name=b.name) for s, p in zip(stores, plans, strict=True) for b in p.bays],
        batch_size=BATCH,
    )
    bay_plans = [b for p in plans for b in p.bays]
    BayCategory = Bay.categories.through
    BayCategory.objects.bulk_create(
        [
            BayCategory(bay_id=bay.pk, category_id=c)
            for bay, b in zip(bays, bay_plans, strict=True)
            for c in b.categories
        ],
        batch_size=BATCH,
    )


def closures_create(*, stores: Sequence[Store], plans: Sequence[StorePlan], by: User) -> int:
    """Each planned closure through ``closure_create``, entered by ``by`` (the platform admin). Returns how many."""
    wanted = [(store, plan) for store, plan in zip(stores, plans, strict=True) if plan.closures]
    bays = {(b.store_id, b.name): b.pk for b in Bay.objects.filter(store__in=[store for store, _ in wanted])}
    made = 0
    for store, plan in wanted:
        for c in plan.closures:
            bay_id = None if c.bay is None else bays[(store.pk, plan.bays[c.bay].name)]
            closure_create(
                store=store,
                by=by,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                reason=c.reason,
                bay_id=bay_id,
                horizon_days=policy_for(store).horizon_days,
            )
            made += 1
    return made
