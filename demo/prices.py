"""The demo shops' price lists: labour and catalogue parts for the reference car, a few shops deliberately dear.

Price lists are drawn after the stores, from ``random.Random(f"prices-{seed}")`` (see :func:`demo_price_plans`), so
they change none of the stores a seed gives.

Two ways to write them, one result. :func:`prices_set_through_service` gives every version to
``catalog.pricing.offering_set_price``, as a shop would. :func:`prices_bulk_create`, the fast path ``seed_demo`` takes
(~1,900 versions for 300 stores: five statements per batch instead of ~15,000), also back-dates the versions, which
the service cannot; tests/demo/test_fast_paths.py checks that both write the same offerings, versions and lines.
"""

import datetime as dt
import random
import statistics
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from accounts.models import Vehicle
from catalog.fitment import VehicleFacts, oil_litres_charged, parts_fitting_facts, vehicle_spec_for
from catalog.models import Offering, OfferingPartLine, OfferingVersion
from catalog.pricing import offering_set_price
from catalog.reference import reference_prices_recompute_all
from catalog.selectors import part_list, service_list
from chefu.money import money
from demo.stores import BATCH, StorePlan
from stores.models import DEFAULT_TIMEZONE, VISIBLE_STATUSES, Store

# A shop's posted price is for the country's best-selling car, a 2020 大众朗逸 (EA211 engine, 4 L of oil,
# 205/55R16): its part lines are the catalogue parts that fit it. Quotes for other cars swap parts and
# quantities (catalog.quotes); search and the reference bands compare these posted totals.
REFERENCE_CAR = {"make": "大众", "model": "朗逸", "year": 2020, "tyre_size": "205/55R16"}
ENGINE_OIL = "engine_oil"


@dataclass(frozen=True)
class Recipe:
    """What a normal shop in Shanghai charges for a service: labour (CNY, cheapest to dearest shop) and
    the part lines, as (part type, text the part's name must contain, quantity). Engine oil's quantity
    is the reference car's capacity in whole litres."""

    labour: tuple[int, int]
    parts: tuple[tuple[str, str, int], ...] = ()


# Totals then land where a Shanghai owner expects them: wash 35-60, interior 200-400, wax 150-300,
# minor service 300-650, major 500-1200, brake fluid 200-350, A/C 200-400, a tyre 30-60 plus the tyre,
# battery 400-900, wipers 80-200, front pads 400-900.
RECIPES: dict[str, Recipe] = {
    "minor_service": Recipe((80, 150), ((ENGINE_OIL, "", 0), ("oil_filter", "", 1))),
    "major_service": Recipe(
        (150, 300), ((ENGINE_OIL, "", 0), ("oil_filter", "", 1), ("air_filter", "", 1), ("cabin_filter", "", 1))
    ),
    "brake_fluid_change": Recipe((140, 260), (("brake_fluid", "", 1),)),
    "ac_service": Recipe((150, 330), (("refrigerant", "", 1),)),
    "standard_wash": Recipe((35, 60)),
    "interior_cleaning": Recipe((160, 330), (("care", "内饰", 1),)),
    "waxing": Recipe((60, 110), (("care", "车蜡", 1),)),
    "tyre_fitting": Recipe((30, 60), (("tyre", "", 1),)),
    "battery_replacement": Recipe((0, 60), (("battery", "", 1),)),
    "wiper_blades": Recipe((0, 20), (("wiper", "", 1),)),
    "brake_pads": Recipe((180, 300), (("brake_pad", "", 1),)),
    "consignment_inspection": Recipe((200, 380)),
    # Free to the seller (the platform books it for a paid deal); the store's price is the value the booking records.
    "consignment_handover": Recipe((80, 150)),
}
# Shops price a part within this factor of its list price; the expensive ones well above it.
_MARKUP = (0.92, 1.15)
_DEAR_MARKUP = (1.3, 1.6)
# The expensive shops: this share of the visible stores, priced at this multiple of the city median.
EXPENSIVE_SHARE = 0.05
EXPENSIVE_FACTOR = (1.9, 2.8)
# An ordinary shop's posted price stays within this multiple of the city median (QA flags above 1.5x):
# one whose parts would put it higher posts the economy part instead, and trims labour if need be.
# Without it, front pads (Bosch 228 or Brembo 468 list) would flag every Brembo shop.
ORDINARY_CEILING = Decimal("1.4")
# Where a tier of shop picks among the fitting parts of a type, cheapest (0) to dearest (1).
_TIERS = {"budget": (0.0, 0.4), "mid": (0.3, 0.8), "premium": (0.65, 1.0)}
_TIER_WEIGHTS = {"budget": 3, "mid": 5, "premium": 2}
# Share of offerings with an older price still on record (version 1 below the current version 2).
_REPRICED_SHARE = 0.15


@dataclass(frozen=True)
class PartChoice:
    """A catalogue part that fits the reference car, as the price plans see it."""

    sku: str
    category: str
    part_type: str
    name: str
    list_price: Decimal


@dataclass(frozen=True)
class LinePlan:
    sku: str
    qty: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return money(self.qty * self.unit_price)


@dataclass(frozen=True)
class VersionPlan:
    labour: Decimal
    lines: tuple[LinePlan, ...]
    duration_min: int
    days_ago: int

    @property
    def total(self) -> Decimal:
        return self.labour + sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class OfferingPlan:
    store: int  # index into the store plans
    service: str
    versions: tuple[VersionPlan, ...]  # oldest first; the last one is in force


@dataclass(frozen=True)
class PricePlans:
    offerings: tuple[OfferingPlan, ...]
    expensive: frozenset[int]  # store indices priced at 1.9-2.8x the city median


@dataclass(frozen=True)
class _Shop:
    tier: str
    level: float  # where its labour sits in the recipe's range, 0-1
    markup: float


def _shop_price(value: float) -> Decimal:
    """Whole yuan as shops post them: multiples of 5 below 100, then ...8 (128, 198, 268); under 2.5: free."""
    if value < 2.5:
        return Decimal("0.00")
    if value < 100:
        return money(max(5, round(value / 5) * 5))
    return money(round(value / 10) * 10 - 2)


def _pick(rng: random.Random, candidates: Sequence[PartChoice], tier: str) -> PartChoice:
    lo, hi = _TIERS[tier]
    return candidates[min(len(candidates) - 1, int(rng.uniform(lo, hi) * len(candidates)))]


def _version(
    rng: random.Random,
    recipe: Recipe,
    shop: _Shop,
    candidates: Mapping[tuple[str, str, str], Sequence[PartChoice]],
    *,
    category: str,
    oil_litres: Decimal,
    duration_min: int,
    markup: tuple[float, float],
    total_at_least: Decimal | None = None,
    total_at_most: Decimal | None = None,
) -> VersionPlan:
    lines = []
    for part_type, name_has, qty in recipe.parts:
        options = candidates.get((category, part_type, name_has))
        if not options:
            continue  # nothing in the catalogue fits: the shop lists labour only
        part = _pick(rng, options, shop.tier)
        unit_price = money(round(float(part.list_price) * shop.markup * rng.uniform(*markup)))
        lines.append(LinePlan(part.sku, oil_litres if part_type == ENGINE_OIL else Decimal(qty), unit_price))
    lo, hi = recipe.labour
    position = min(1.0, max(0.0, shop.level + rng.uniform(-0.15, 0.15)))
    labour = _shop_price(lo + (hi - lo) * position)
    parts = sum((line.amount for line in lines), Decimal("0.00"))
    if total_at_least is not None:
        labour = max(labour, _shop_price(float(total_at_least - parts)))
    if total_at_most is not None:
        labour = max(Decimal("0.00"), min(labour, _shop_price(float(total_at_most - parts))))
    return VersionPlan(labour, tuple(lines), duration_min, days_ago=rng.randint(1, 30))


def _repriced(rng: random.Random, current: VersionPlan) -> tuple[VersionPlan, ...]:
    """The offering's history: usually just the current price, sometimes an older, lower labour before it."""
    if rng.random() >= _REPRICED_SHARE or current.labour < 20:
        return (current,)
    older = _shop_price(float(current.labour) * rng.uniform(0.85, 0.95))
    if older >= current.labour:
        return (current,)
    first = VersionPlan(older, current.lines, current.duration_min, days_ago=rng.randint(60, 400))
    return (first, current)


@dataclass(frozen=True)
class _Market:
    """What every shop prices from: the fitting parts by (category, part type, name text), and the services."""

    candidates: Mapping[tuple[str, str, str], Sequence[PartChoice]]
    services: Mapping[str, tuple[str, int]]
    oil_litres: Decimal

    def version(self, rng: random.Random, code: str, shop: _Shop, markup: tuple[float, float], **bounds) -> VersionPlan:
        category, duration_min = self.services[code]
        return _version(
            rng,
            RECIPES[code],
            shop,
            self.candidates,
            category=category,
            oil_litres=self.oil_litres,
            duration_min=duration_min,
            markup=markup,
            **bounds,
        )


def _market(
    parts: Sequence[PartChoice], services: Mapping[str, tuple[str, int]], oil_litres: Decimal
) -> tuple[_Market, dict[str, list[str]]]:
    """The market, and the recipe services of each category in catalogue order."""
    candidates: dict[tuple[str, str, str], list[PartChoice]] = {}
    for recipe_parts in (r.parts for r in RECIPES.values()):
        for part_type, name_has, _qty in recipe_parts:
            for category in {c for c, _ in services.values()}:
                candidates[(category, part_type, name_has)] = sorted(
                    (p for p in parts if p.category == category and p.part_type == part_type and name_has in p.name),
                    key=lambda p: (p.list_price, p.sku),
                )
    by_category: dict[str, list[str]] = {}
    for code, (category, _duration) in services.items():
        if code in RECIPES:
            by_category.setdefault(category, []).append(code)
    return _Market(candidates, services, oil_litres), by_category


@dataclass(frozen=True)
class _Normal:
    """Each shop's tier, and what it charges for what it offers before the city's prices are known."""

    shops: list[_Shop]
    offered: list[tuple[int, str]]
    prices: dict[tuple[int, str], VersionPlan]


def _normal_prices(
    rng: random.Random, plans: Sequence[StorePlan], market: _Market, by_category: Mapping[str, Sequence[str]]
) -> _Normal:
    """A store prices the services of its categories: the first of each category always, the others mostly (the
    demo manager's store every one)."""
    normal = _Normal([], [], {})
    for i, plan in enumerate(plans):
        tier = rng.choices(list(_TIER_WEIGHTS), list(_TIER_WEIGHTS.values()))[0]
        shop = _Shop(tier, rng.triangular(0, 1, 0.45), rng.uniform(0.97, 1.05))
        normal.shops.append(shop)
        for category in plan.categories:
            for k, code in enumerate(by_category.get(category, ())):
                if i == 0 or k == 0 or rng.random() < 0.85:
                    normal.offered.append((i, code))
                    normal.prices[(i, code)] = market.version(rng, code, shop, _MARKUP)
    return normal


def _medians(plans: Sequence[StorePlan], normal: _Normal) -> dict[str, Decimal]:
    """Every visible store's normal price, the dear shops' included: the median as it would be without them."""
    samples: dict[str, list[Decimal]] = {}
    for i, code in normal.offered:
        if plans[i].status in VISIBLE_STATUSES:
            samples.setdefault(code, []).append(normal.prices[(i, code)].total)
    return {code: statistics.median(totals) for code, totals in samples.items()}


def _expensive(dear_rng: random.Random, plans: Sequence[StorePlan]) -> set[int]:
    """~5% of the visible stores, never the demo manager's (store 0)."""
    visible = [i for i, p in enumerate(plans) if p.status in VISIBLE_STATUSES]
    pool = [i for i in visible if i != 0]
    return set(dear_rng.sample(pool, min(len(pool), max(1, round(len(visible) * EXPENSIVE_SHARE)))))


def _posted(
    rngs: tuple[random.Random, random.Random],
    market: _Market,
    normal: _Normal,
    medians: Mapping[str, Decimal],
    expensive: set[int],
    offer: tuple[int, str],
) -> VersionPlan:
    """The price a store posts: its normal one, the economy one where that would stand out, the dear shops' far
    above the median."""
    rng, dear_rng = rngs
    i, code = offer
    current = normal.prices[offer]
    if code not in medians:
        return current
    ceiling = medians[code] * ORDINARY_CEILING
    if i not in expensive and current.total > ceiling:
        economy = _Shop("budget", normal.shops[i].level, normal.shops[i].markup)
        current = market.version(rng, code, economy, _MARKUP, total_at_most=money(ceiling))
    if i in expensive:
        shop = _Shop("premium", 1.0, dear_rng.uniform(0.97, 1.05))
        factor = Decimal(str(round(dear_rng.uniform(*EXPENSIVE_FACTOR), 2)))
        current = market.version(dear_rng, code, shop, _DEAR_MARKUP, total_at_least=money(medians[code] * factor))
    return current


def demo_price_plans(
    *,
    plans: Sequence[StorePlan],
    seed: int,
    parts: Sequence[PartChoice],
    services: Mapping[str, tuple[str, int]],
    oil_litres: Decimal,
) -> PricePlans:
    """Price lists for the stores of :func:`demo.stores.demo_store_plans`; pure, like it.

    ``parts`` are the catalogue parts that fit the reference car, ``services`` maps each active service
    code with a recipe to (category, standard duration), in catalogue order. ~5% of the visible stores
    (never the demo manager's) are expensive: their totals are 1.9-2.8x the city median, so QA has
    something to find.
    """
    rng = random.Random(f"prices-{seed}")
    market, by_category = _market(parts, services, oil_litres)
    normal = _normal_prices(rng, plans, market, by_category)
    medians = _medians(plans, normal)
    dear_rng = random.Random(f"prices-{seed}-expensive")
    expensive = _expensive(dear_rng, plans)
    offerings = []
    for offer in normal.offered:
        current = _posted((rng, dear_rng), market, normal, medians, expensive, offer)
        offerings.append(OfferingPlan(offer[0], offer[1], _repriced(rng, current)))
    return PricePlans(offerings=tuple(offerings), expensive=frozenset(expensive))


def _reference_car_parts() -> tuple[list[PartChoice], Decimal]:
    """The active catalogue parts that fit the reference car, and its engine oil in whole litres."""
    car = Vehicle(**REFERENCE_CAR)
    facts = VehicleFacts(vehicle=car, spec=vehicle_spec_for(car))
    rows = parts_fitting_facts(facts=facts).values_list("sku", "category_id", "part_type", "name", "list_price")
    litres = oil_litres_charged(facts.oil_litres) if facts.oil_litres else Decimal(4)
    return [PartChoice(*row) for row in rows.order_by("sku")], litres


def _demo_services() -> dict[str, tuple[str, int]]:
    services = service_list().filter(code__in=list(RECIPES)).order_by("category__sort_order", "sort_order", "code")
    return {s.code: (s.category_id, s.duration_min) for s in services}


@dataclass(frozen=True)
class PriceResult:
    offerings: int
    versions: int
    lines: int
    expensive_stores: int


def prices_bulk_create(*, stores: Sequence[Store], prices: PricePlans, today: dt.date) -> PriceResult:
    """The fast path, back-dated: offerings, then their versions, then the part lines, then each offering's current
    version and total; five statements per batch, whatever the number of stores. Versions are immutable (a trigger
    refuses UPDATE), so an offering is written inactive and pointed at its last version at the end. Line amounts are
    the plans' ``money(qty × unit_price)``, as the service computes them (a CHECK recomputes them too).

    Unlike the service it schedules no reference band: the caller recomputes them all once."""
    tz = zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
    noon = dt.datetime.combine(today, dt.time(12, 0), tzinfo=tz)
    offerings = Offering.objects.bulk_create(
        [
            Offering(
                store_id=stores[o.store].pk,
                service_id=o.service,
                is_active=False,
                updated_at=noon - dt.timedelta(days=o.versions[-1].days_ago),
            )
            for o in prices.offerings
        ],
        batch_size=BATCH,
    )
    version_plans = [
        (offering, n, v)
        for offering, o in zip(offerings, prices.offerings, strict=True)
        for n, v in enumerate(o.versions, 1)
    ]
    versions = OfferingVersion.objects.bulk_create(
        [
            OfferingVersion(
                offering_id=offering.pk,
                number=n,
                labour=v.labour,
                total=v.total,
                duration_min=v.duration_min,
                created_at=noon - dt.timedelta(days=v.days_ago),
            )
            for offering, n, v in version_plans
        ],
        batch_size=BATCH,
    )
    part_ids = dict(
        part_list().filter(sku__in={line.sku for _, _, v in version_plans for line in v.lines}).values_list("sku", "id")
    )
    lines = OfferingPartLine.objects.bulk_create(
        [
            OfferingPartLine(
                version_id=version.pk,
                position=position,
                part_id=part_ids[line.sku],
                qty=line.qty,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for version, (_, _, v) in zip(versions, version_plans, strict=True)
            for position, line in enumerate(v.lines, 1)
        ],
        batch_size=BATCH,
    )
    latest = OfferingVersion.objects.filter(offering=OuterRef("pk")).order_by("-number")
    Offering.objects.filter(pk__in=[o.pk for o in offerings]).update(
        current=Subquery(latest.values("pk")[:1]), total=Subquery(latest.values("total")[:1]), is_active=True
    )
    return PriceResult(
        offerings=len(offerings), versions=len(versions), lines=len(lines), expensive_stores=len(prices.expensive)
    )


def prices_set_through_service(*, stores: Sequence[Store], prices: PricePlans) -> PriceResult:
    """Every planned version, oldest first, through ``offering_set_price`` (by no one: the platform), dated now.

    What the fast path is checked against; a few queries per version, so for a handful of stores."""
    services = {s.code: s for s in service_list().filter(code__in={o.service for o in prices.offerings})}
    versions = lines = 0
    for o in prices.offerings:
        for v in o.versions:
            offering_set_price(
                store=stores[o.store],
                service=services[o.service],
                by=None,
                labour=v.labour,
                parts=[{"sku": line.sku, "qty": line.qty, "unit_price": line.unit_price} for line in v.lines],
                duration_min=v.duration_min,
            )
            versions += 1
            lines += len(v.lines)
    return PriceResult(
        offerings=len(prices.offerings), versions=versions, lines=lines, expensive_stores=len(prices.expensive)
    )


def demo_load_prices(
    *, stores: Sequence[Store], plans: Sequence[StorePlan], seed: int, today: dt.date, fast: bool = True
) -> PriceResult:
    """Write the price lists of :func:`demo_price_plans` for the stores just created, by the fast path or through
    the pricing service, then compute every reference band once."""
    parts, litres = _reference_car_parts()
    prices = demo_price_plans(plans=plans, seed=seed, parts=parts, services=_demo_services(), oil_litres=litres)
    if fast:
        result = prices_bulk_create(stores=stores, prices=prices, today=today)
    else:
        result = prices_set_through_service(stores=stores, prices=prices)
    reference_prices_recompute_all()
    return result
