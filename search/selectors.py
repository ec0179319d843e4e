"""The store search: stores near a point with their price for a service and their soonest free slot.

It reads across three apps, so it stands above them: stores find the stores (geography, filters, the page query),
catalog knows the services, bookings' engine computes the next slots (:func:`bookings.soonest.next_slots`)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Vehicle
from bookings.soonest import next_slots
from catalog.models import Service
from catalog.price_selectors import PriceFloor, offering_price_floors
from catalog.quotes import QuoteOrRefusal, quote_by_store
from catalog.selectors import service_get_active
from chefu.errors import ValidationFailed
from stores import selectors as store_selectors
from stores.models import Store
from stores.selectors import NearbyPage

# sort=soonest (and sort=price for a given car) ranks the nearest this many matching stores by their next slot (or
# the car's quote); any farther ones follow them by distance. For soonest each candidate costs its calendar and a
# day-by-day search (1-2 ms of Python a store on the 2-core reference machine, see bench/bookings.py); a car's quotes
# cost four queries for them all. 500 still ranks every store of a default 5 km search in a dense city (at most ~350
# in the benchmark's), and past that a farther shop is no answer to "who can take my car soonest" (or cheapest).
RANKED_CANDIDATES = 500


def _service(code: str) -> Service:
    service = service_get_active(code=code)
    if service is None:
        raise ValidationFailed({"service": _("Unknown service: %(code)s.") % {"code": code}})
    return service


def _with_slots(rows: list[dict], *, service: Service | None, now: dt.datetime) -> list[dict]:
    if service is None:
        return [{**row, "next_slot": None} for row in rows]
    stores = [Store.from_db(None, ("id", "timezone"), (row["id"], row["timezone"])) for row in rows]
    slots = next_slots(stores=stores, service=service, now=now)
    return [{**row, "next_slot": slots[row["id"]]} for row in rows]


def store_nearby_with_slots(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    category: str | None = None,
    open_now: bool = False,
    min_rating: float | None = None,
    service: str | None = None,
    sort: str = "distance",
    vehicle: Vehicle | None = None,
    limit: int = 20,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> NearbyPage:
    """:func:`stores.selectors.store_nearby_page` with ``next_slot`` on every item (see :func:`next_slots`; None
    without ``service``), and ``sort="soonest"``; with ``vehicle``, ``sort="price"`` ranks by that car's quote.

    ``ValidationFailed`` on ``service`` for a code that is not an active catalogue service's. ``soonest`` needs
    ``service`` (``ValidationFailed`` on ``sort`` otherwise). It ranks the :data:`RANKED_CANDIDATES` nearest
    matching stores by next slot (none last), then distance, then id; matching stores beyond them follow by
    distance. ``sort="price"`` with a ``vehicle`` ranks the same candidates by the total ``POST /bookings`` would
    charge for that car (stores whose quote is refused last), then distance, then id. ``count`` is every matching
    store. About ten queries whatever the number of stores; for the other sorts, the page's one plus a few for the
    page's slots.
    """
    now = now or timezone.now()
    filters = {
        "lat": lat,
        "lng": lng,
        "radius_m": radius_m,
        "category": category,
        "open_now": open_now,
        "min_rating": min_rating,
        "service": service,
        "at": now,
    }
    if sort == "soonest" and not service:
        raise ValidationFailed({"sort": _("Sorting by the soonest free slot needs a service.")})
    if sort == "price" and vehicle is not None and service:
        found = _service(service)
        return _ranked_page(filters, _by_car_price(found, vehicle), found=found, limit=limit, offset=offset, now=now)
    if sort != "soonest":
        page = store_selectors.store_nearby_page(**filters, sort=sort, limit=limit, offset=offset)
        if service and not page.count:
            _service(service)  # an unknown code finds no store: only then is it looked up, to say so
        found = service_get_active(code=service) if service and page.items else None
        return replace(page, items=_with_slots(page.items, service=found, now=now))
    found = _service(service)
    return _ranked_page(filters, _by_next_slot(found, now), found=found, limit=limit, offset=offset, now=now)


# A ranking of candidate stores: given them (nearest first, ``distance_m`` set), a sort key per store id, and the
# next slots it computed on the way (per store id; empty when it needed none).
Ranking = Callable[[list[Store]], tuple[dict[int, tuple], dict[int, dt.datetime | None]]]


def _by_next_slot(service: Service, now: dt.datetime) -> Ranking:
    never = dt.datetime.max.replace(tzinfo=dt.UTC)

    def keys(candidates: list[Store]) -> tuple[dict[int, tuple], dict[int, dt.datetime | None]]:
        slots = next_slots(stores=candidates, service=service, now=now)
        return {s.pk: (slots[s.pk] is None, slots[s.pk] or never) for s in candidates}, slots

    return keys


def _by_car_price(service: Service, vehicle: Vehicle) -> Ranking:
    def keys(candidates: list[Store]) -> tuple[dict[int, tuple], dict[int, dt.datetime | None]]:
        quotes = quote_by_store(store_ids=[s.pk for s in candidates], service=service, vehicle=vehicle)
        totals = {pk: quoted.quote.total for pk, quoted in quotes.items() if quoted.quote is not None}
        return {s.pk: (s.pk not in totals, totals.get(s.pk, 0)) for s in candidates}, {}

    return keys


def _ranked_page(
    filters: dict, ranking: Ranking, *, found: Service, limit: int, offset: int, now: dt.datetime
) -> NearbyPage:
    """The page of the :data:`RANKED_CANDIDATES` nearest matching stores ordered by ``ranking``, then distance, then
    id; matching stores beyond them follow by distance."""
    candidates = store_selectors.store_nearby_candidates(**filters, limit=RANKED_CANDIDATES)
    capped = len(candidates) == RANKED_CANDIDATES
    count = store_selectors.store_nearby_count(**filters) if capped else len(candidates)
    keys, slots = ranking(candidates)
    ranked = sorted(candidates, key=lambda s: (*keys[s.pk], s.distance_m, s.pk))
    page = ranked[offset : offset + limit]
    if not slots:
        slots = next_slots(stores=page, service=found, now=now)
    ids = [s.pk for s in page]
    rows = store_selectors.store_nearby_rows(
        ids=ids, lat=filters["lat"], lng=filters["lng"], radius_m=filters["radius_m"], service=found.code, at=now
    )
    items = [{**row, "next_slot": slots[row["id"]]} for row in rows]
    end = offset + limit
    if capped and end > RANKED_CANDIDATES and offset < count:
        # Past the candidates the order is the search's own (nearest first), so the page query can serve it.
        start = max(offset, RANKED_CANDIDATES)
        tail = store_selectors.store_nearby_page(**filters, sort="distance", limit=end - start, offset=start)
        items += _with_slots(tail.items, service=found, now=now)
    return NearbyPage(items=items, count=count)


@dataclass(frozen=True)
class CarPrice:
    """A store's price of the searched service: what it costs at least, and, for a given car, exactly."""

    floor: PriceFloor
    for_vehicle: QuoteOrRefusal | None  # None without a vehicle


def nearby_car_prices(*, store_ids: list[int], service: str, vehicle: Vehicle | None) -> dict[int, CarPrice]:
    """For each of ``store_ids`` pricing ``service`` (a code :func:`store_nearby_with_slots` accepted): its price
    floor and, with ``vehicle``, the quote ``POST /bookings`` would charge for it (or the refusal of a service that is
    not for the car). One query without a vehicle, six at most with one, whatever the number of stores."""
    floors = offering_price_floors(store_ids=store_ids, service_code=service) if store_ids else {}
    quotes = {}
    if vehicle is not None and floors and (found := service_get_active(code=service)) is not None:
        quotes = quote_by_store(store_ids=list(floors), service=found, vehicle=vehicle)
    return {store_id: CarPrice(floor=floor, for_vehicle=quotes.get(store_id)) for store_id, floor in floors.items()}
