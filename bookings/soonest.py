"""The soonest free start of many stores at once, and the store search that shows and sorts by it.

``next_slot`` in ``GET /stores/nearby`` and ``sort=soonest`` come from :mod:`bookings.engine`, the code that answers
the availability list and checks ``POST /bookings``: a store's ``next_slot`` is the first start of its availability
list on the first day that has one, and booking it succeeds unless someone else takes the bay first.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine import Job, calendars_load
from bookings.models import BookingPolicy
from catalog.models import Offering, Service
from catalog.selectors import service_get_active
from chefu.errors import ValidationFailed
from stores import selectors as store_selectors
from stores.models import Store
from stores.selectors import NearbyPage

# sort=soonest ranks the nearest this many matching stores by their next slot; any farther ones follow them by
# distance. Each candidate costs its calendar and a day-by-day search (1-2 ms of Python a store on the 2-core
# reference machine, see bench/bookings.py). 500 still ranks every store of a default 5 km search in a dense city
# (at most ~350 in the benchmark's), and past that a farther shop is no answer to "who can take my car soonest".
SOONEST_CANDIDATES = 500

# Days searched with the first, short calendar.
NEAR_DAYS = 2
ONE_DAY = dt.timedelta(days=1)
_DEFAULT_HORIZON_DAYS = BookingPolicy._meta.get_field("horizon_days").default


def next_slots(*, stores: Sequence[Store], service: Service, now: dt.datetime) -> dict[int, dt.datetime | None]:
    """Each store's soonest bookable start for ``service`` (aware, in the store's zone), or None when the store
    does not price the service or has no free start within its horizon. Keys: every store's id.

    Two or three queries whatever the number of stores: the current versions' durations with the stores' horizons,
    one :func:`bookings.engine.calendars_load` over the next days, and one over the whole horizon for the stores with
    no free start in those days. ``stores`` need only
    ``id`` and ``timezone``. Each store is then searched day by day and stops at its first day with a slot.
    """
    out: dict[int, dt.datetime | None] = {s.pk: None for s in stores}
    if not stores:
        return out
    horizon = Subquery(BookingPolicy.objects.filter(store_id=OuterRef("store_id")).values("horizon_days")[:1])
    rows = (
        Offering.objects.filter(store_id__in=list(out), service=service, is_active=True, current__isnull=False)
        .annotate(horizon_days=Coalesce(horizon, Value(_DEFAULT_HORIZON_DAYS), output_field=IntegerField()))
        .values_list("store_id", "current__duration_min", "horizon_days")
    )
    durations, longest = {}, 0
    for store_id, duration_min, horizon_days in rows:
        durations[store_id] = dt.timedelta(minutes=duration_min)
        longest = max(longest, horizon_days)
    priced = [s for s in stores if s.pk in durations]
    if not priced:
        return out
    # Most stores have a free start within a day or two: search those days with a short calendar first, and load
    # the whole horizon only for the stores that have none there.
    near = dt.timedelta(days=NEAR_DAYS)
    remaining = priced
    for end, near_only in ((now + near + ONE_DAY, True), (now + dt.timedelta(days=longest), False)):
        calendars = calendars_load(stores=remaining, start=now, end=end)
        missed = []
        for store in remaining:
            calendar = calendars[store.pk]
            last_day = (now + near).astimezone(calendar.tz).date() if near_only else None
            slot = calendar.next_slot(job=Job(service.category_id, durations[store.pk]), now=now, last_day=last_day)
            if slot:
                out[store.pk] = slot.start
            else:
                missed.append(store)
        remaining = missed
        if not remaining or longest <= NEAR_DAYS:
            break
    return out


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
    limit: int = 20,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> NearbyPage:
    """:func:`stores.selectors.store_nearby_page` with ``next_slot`` on every item (see :func:`next_slots`; None
    without ``service``), and ``sort="soonest"``.

    ``soonest`` needs ``service`` (``ValidationFailed`` on ``sort`` otherwise, on ``service`` for an unknown code).
    It ranks the :data:`SOONEST_CANDIDATES` nearest matching stores by next slot (none last), then distance, then
    id; matching stores beyond them follow by distance. ``count`` is every matching store. About ten queries
    whatever the number of stores; for the other sorts, the page's two plus eight for the page's slots.
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
    if sort != "soonest":
        page = store_selectors.store_nearby_page(**filters, sort=sort, limit=limit, offset=offset)
        found = service_get_active(code=service) if service and page.items else None
        return replace(page, items=_with_slots(page.items, service=found, now=now))
    if not service:
        raise ValidationFailed({"sort": _("Sorting by the soonest free slot needs a service.")})
    found = _service(service)
    candidates = store_selectors.store_nearby_candidates(**filters, limit=SOONEST_CANDIDATES)
    capped = len(candidates) == SOONEST_CANDIDATES
    count = store_selectors.store_nearby_count(**filters) if capped else len(candidates)
    slots = next_slots(stores=candidates, service=found, now=now)
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    ranked = sorted(candidates, key=lambda s: (slots[s.pk] is None, slots[s.pk] or never, s.distance_m, s.pk))
    ids = [s.pk for s in ranked[offset : offset + limit]]
    rows = store_selectors.store_nearby_rows(ids=ids, lat=lat, lng=lng, radius_m=radius_m, service=service)
    items = [{**row, "next_slot": slots[row["id"]]} for row in rows]
    end = offset + limit
    if capped and end > SOONEST_CANDIDATES and offset < count:
        # Past the candidates the order is the search's own (nearest first), so the page query can serve it.
        start = max(offset, SOONEST_CANDIDATES)
        tail = store_selectors.store_nearby_page(**filters, sort="distance", limit=end - start, offset=start)
        items += _with_slots(tail.items, service=found, now=now)
    return NearbyPage(items=items, count=count)
