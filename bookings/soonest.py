"""The soonest free start of many stores at once (the store search, :mod:`search.selectors`, shows and sorts by it).

``next_slot`` in ``GET /stores/nearby`` and ``sort=soonest`` come from :mod:`bookings.engine`, the code that answers
the availability list and checks ``POST /bookings``: a store's ``next_slot`` is the first start of its availability
list on the first day that has one, and booking it succeeds unless someone else takes the bay first.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, router

from bookings.engine import Job, calendars_load, first_slots
from bookings.models import BookingPolicy
from catalog.models import Offering, Service
from catalog.price_selectors import active_offerings_sql
from stores.models import Store

# Days searched with the first, short calendar.
NEAR_DAYS = 2
ONE_DAY = dt.timedelta(days=1)
_DEFAULT_HORIZON_DAYS = BookingPolicy._meta.get_field("horizon_days").default


def _durations_sql() -> str:
    """The stores' current durations of a service and their booking horizons, in one statement."""
    policy = BookingPolicy._meta.db_table
    return active_offerings_sql(
        "o.store_id, v.duration_min, "
        f"COALESCE((SELECT p.horizon_days FROM {policy} p WHERE p.store_id = o.store_id), %(default_horizon)s)"
    )


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
    params = {"ids": list(out), "service": service.code, "default_horizon": _DEFAULT_HORIZON_DAYS}
    with connections[router.db_for_read(Offering) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_durations_sql(), params)
        rows = cursor.fetchall()
    durations, longest = {}, 0
    for store_id, duration_min, horizon_days in rows:
        durations[store_id] = dt.timedelta(minutes=duration_min)
        longest = max(longest, horizon_days)
    priced = [s for s in stores if s.pk in durations]
    if not priced:
        return out
    # Most stores have a free start within a day or two: search those days with a short calendar first, from the
    # cached day lists, and load the whole horizon only for the stores that have none there.
    jobs = {store.pk: Job(service.category_id, durations[store.pk]) for store in priced}
    near_end = now + dt.timedelta(days=NEAR_DAYS)
    calendars = calendars_load(stores=priced, start=now, end=near_end + ONE_DAY)
    remaining = []
    for store_id, slot in first_slots(calendars.values(), jobs, now=now, until=near_end).items():
        if slot:
            out[store_id] = slot.start
        else:
            remaining.append(Store(pk=store_id))
    if remaining and longest > NEAR_DAYS:
        calendars = calendars_load(stores=remaining, start=now, end=now + dt.timedelta(days=longest))
        for store_id, calendar in calendars.items():
            slot = calendar.next_slot(job=jobs[store_id], now=now)
            out[store_id] = slot.start if slot else None
    return out
