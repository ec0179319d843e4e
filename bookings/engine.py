"""The booking engine's reads: a store's calendar (policy, hours, bays, closures, live bookings) loaded in a fixed
number of queries, and the questions asked of it: the day's slots, whether a start can be booked, the next free
slot. The pure rules live in :mod:`bookings.availability`; this module only feeds them, so the availability list,
``POST /bookings``, rescheduling and ``/stores/nearby?sort=soonest`` all answer from the same code.

The lists that pages and searches show (``StoreCalendar.day_slots``, :func:`first_slots`) come from a cache: a day's
every start, whatever the time, keyed by a digest of everything in the calendar that can change that day's list (the
rules, hours, bays, and the closures and live bookings near the day), then cut to ``now``'s notice and horizon. A
booking, a cancellation, a closure or a change of hours changes the digest, so nothing needs to be invalidated and no
write path can forget to: a stale list is never read, it only ages out (``SLOTS_CACHE_TTL_S``). Booking itself
(``check``) never reads the cache.
"""

import bisect
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from bookings import availability
from bookings.availability import BayInput, Busy, Slot
from bookings.models import LIVE_STATUSES, Booking, BookingPolicy
from chefu.prepared import execute_prepared
from stores.hours import Range
from stores.models import Bay, Closure, OpeningHours, Store

ONE_DAY = dt.timedelta(days=1)
logger = logging.getLogger(__name__)
# What the cache raises when Redis cannot be reached or answer: django-redis's own error, redis-py's beneath it.
RedisUnavailable = (ConnectionInterrupted, RedisError, OSError)


@dataclass(frozen=True)
class Rules:
    """A store's booking policy as the engine and a new booking use it."""

    step: dt.timedelta
    min_notice: dt.timedelta
    horizon: dt.timedelta
    buffer: dt.timedelta
    pay_window: dt.timedelta
    free_cancel: dt.timedelta
    cancel_fee_pct: Decimal


@dataclass(frozen=True)
class Job:
    """What is being booked: the category of bay it needs and how long it takes."""

    category: str
    duration: dt.timedelta


# A day's slots as the cache keeps them: (start, end) in Unix seconds and the free bays' ids, in time order. Every
# key names the code that made the list (the format, and a digest of the slot rules and of this module), so a
# release that changes either never reads what an older one wrote.
DayList = tuple[tuple[int, int, tuple[int, ...]], ...]
DAY_LIST_FORMAT = 2
_CODE = hashlib.blake2b(
    Path(availability.__file__).read_bytes() + Path(__file__).read_bytes(), digest_size=4
).hexdigest()


def _start(row: tuple[int, int, tuple[int, ...]]) -> int:
    return row[0]


@dataclass(frozen=True)
class StoreCalendar:
    store_id: int
    tz: ZoneInfo
    rules: Rules
    hours: tuple[Range, ...]
    bays: tuple[BayInput, ...]
    busy: tuple[Busy, ...]

    def _common(self, job: Job, now: dt.datetime) -> dict:
        return {
            "tz": self.tz,
            "hours": self.hours,
            "bays": self.bays,
            "category": job.category,
            "duration": job.duration,
            "busy": self.busy,
            "now": now,
            "step": self.rules.step,
            "min_notice": self.rules.min_notice,
            "horizon": self.rules.horizon,
            "buffer": self.rules.buffer,
        }

    def bay(self, bay_id: int) -> Bay:
        """One of the store's active bays as a model instance with its id and name loaded (other columns deferred):
        what an answer shows of the bay a booking was just put on, without reading it again."""
        name = next(b.name for b in self.bays if b.id == bay_id)
        db = router.db_for_read(Bay) or DEFAULT_DB_ALIAS
        return Bay.from_db(db, ["id", "store_id", "name"], [bay_id, self.store_id, name])

    def slots(self, *, day: dt.date, job: Job, now: dt.datetime) -> list[Slot]:
        return availability.available_slots(day=day, **self._common(job, now))

    def day_slots(self, *, day: dt.date, job: Job, now: dt.datetime) -> list[Slot]:
        """:meth:`slots`, from the cache when the day's list is there (see the module's docstring)."""
        key = self._day_key(day, job)
        cached = _cached([key])
        every = (cached or {}).get(key)
        if every is None:
            every = self._every_slot(day, job)
            if cached is not None:
                _cache({key: every})
        return self._due(every, now)

    def _every_slot(self, day: dt.date, job: Job) -> DayList:
        """The day's slots at any time of asking: no notice, and a horizon past the day (cut later by :meth:`_due`:
        notice and horizon only ever drop starts, see ``availability._Plan.starts``)."""
        before = dt.datetime.combine(day - ONE_DAY, dt.time(0), tzinfo=self.tz)
        common = {**self._common(job, before), "min_notice": dt.timedelta(0), "horizon": 4 * ONE_DAY}
        slots = availability.available_slots(day=day, **common)
        return tuple((int(s.start.timestamp()), int(s.end.timestamp()), s.free_bay_ids) for s in slots)

    def _due(self, every: DayList, now: dt.datetime, *, first: bool = False) -> list[Slot]:
        """The slots of ``every`` a request at ``now`` may offer (within notice and horizon), or only the first."""
        lo = bisect.bisect_left(every, (now + self.rules.min_notice).timestamp(), key=_start)
        hi = bisect.bisect_left(every, (now + self.rules.horizon).timestamp(), key=_start)
        if first:
            hi = min(hi, lo + 1)
        at = dt.datetime.fromtimestamp
        return [Slot(at(start, self.tz), at(end, self.tz), free) for start, end, free in every[lo:hi]]

    def _day_key(self, day: dt.date, job: Job) -> str:
        """A digest of what decides ``day``'s list for ``job``: the rules, hours and bays, and the closures and
        bookings that can touch a job starting that day. Those are the ones ``availability._Plan.build`` keeps
        (its window, widened by the buffer it adds to bookings and to closures' starts), which every calendar
        covering the day holds: the availability list's and the soonest search's give the same key."""
        lo = dt.datetime.combine(day - ONE_DAY, dt.time(0), tzinfo=self.tz) - self.rules.buffer
        hi = dt.datetime.combine(day + 2 * ONE_DAY, dt.time(0), tzinfo=self.tz) + job.duration + self.rules.buffer
        near = sorted((b for b in self.busy if b.start < hi and lo < b.end), key=repr)
        digest = hashlib.blake2b(self._fixed_facts, digest_size=16)
        digest.update(repr((near, day, job)).encode())
        return f"slots:{DAY_LIST_FORMAT}.{_CODE}:{self.store_id}:{digest.hexdigest()}"

    @functools.cached_property
    def _fixed_facts(self) -> bytes:
        """What every day's key holds the same (the store, its zone, rules, hours and bays), written out once per
        calendar: a search asks the keys of up to the horizon's days for each of its stores."""
        bays = [(b.id, sorted(b.categories)) for b in self.bays]  # a frozenset's order differs between processes
        return repr((self.store_id, self.tz.key, self.rules, self.hours, bays)).encode()

    def check(self, *, start: dt.datetime, job: Job, now: dt.datetime) -> tuple[bool, list[int]]:
        """``(offered, free bay ids)`` for a start: see :func:`bookings.availability.start_check`."""
        return availability.start_check(start=start, **self._common(job, now))

    def next_slot(self, *, job: Job, now: dt.datetime, last_day: dt.date | None = None) -> Slot | None:
        """The soonest start with a free bay within the horizon (and up to local ``last_day``), or None. The
        calendar must have been loaded for every day searched (see :func:`calendars_load`)."""
        day = (now + self.rules.min_notice).astimezone(self.tz).date()
        last = (now + self.rules.horizon).astimezone(self.tz).date()
        if last_day is not None:
            last = min(last, last_day)
        while day <= last:
            if slot := availability.first_slot(day=day, **self._common(job, now)):
                return slot
            day += ONE_DAY
        return None


def first_slots(
    calendars: Iterable[StoreCalendar], jobs: dict[int, Job], *, now: dt.datetime, until: dt.datetime
) -> dict[int, Slot | None]:
    """Each calendar's soonest slot for its store's job in ``jobs``, searched day by day up to the local date of
    ``until`` (and the store's horizon), from the cached day lists (:meth:`StoreCalendar.day_slots`): one
    ``get_many`` per day searched, whatever the number of stores. The calendars must cover every day searched."""
    found: dict[int, Slot | None] = {}
    searching: dict[int, tuple[StoreCalendar, dt.date, dt.date]] = {}
    for calendar in calendars:
        first = (now + calendar.rules.min_notice).astimezone(calendar.tz).date()
        last = min((now + calendar.rules.horizon).astimezone(calendar.tz).date(), until.astimezone(calendar.tz).date())
        searching[calendar.store_id] = (calendar, first, last)
        found[calendar.store_id] = None
    reachable = True
    while searching:
        keys = {}
        for store_id, (calendar, day, last) in list(searching.items()):
            if day > last:
                del searching[store_id]
            else:
                keys[calendar._day_key(day, jobs[store_id])] = store_id
        cached = _cached(list(keys)) if reachable else None
        reachable = cached is not None  # a cache that failed once is not waited for again in this search
        cached = cached or {}
        computed = {}
        for key, store_id in keys.items():
            calendar, day, last = searching[store_id]
            every = cached.get(key)
            if every is None:
                every = computed[key] = calendar._every_slot(day, jobs[store_id])
            due = calendar._due(every, now, first=True)
            if due:
                found[store_id] = due[0]
                del searching[store_id]
            else:
                searching[store_id] = (calendar, day + ONE_DAY, last)
        if computed and reachable:
            _cache(computed)
    return found


def _cached(keys: list[str]) -> dict[str, DayList] | None:
    """The day lists the cache holds for ``keys``; None when the cache cannot be reached (the lists are computed,
    and not offered to it: a Redis that hangs costs one timeout per request, not one per call)."""
    try:
        return cache.get_many(keys)
    except RedisUnavailable as error:
        logger.warning("Slot lists computed without the cache: %s", error)
        return None


def _cache(lists: dict[str, DayList]) -> None:
    try:
        cache.set_many(lists, settings.SLOTS_CACHE_TTL_S)
    except RedisUnavailable as error:
        logger.warning("Slot lists not cached: %s", error)


def policy_for(store: Store) -> BookingPolicy:
    """The store's booking policy; the defaults (unsaved) when it never set one."""
    return BookingPolicy.objects.filter(store=store).first() or BookingPolicy(store=store)


def local_day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of ``day``, local midnight of the next day) as aware datetimes."""
    return (
        dt.datetime.combine(day, dt.time(0), tzinfo=tz),
        dt.datetime.combine(day + ONE_DAY, dt.time(0), tzinfo=tz),
    )


# Everything a calendar needs, for many stores, in one statement: the engine runs for every availability list, every
# booking and every store of a ``sort=soonest`` search, and six ORM round trips cost more than the slot rules.
_CALENDAR_SQL = """
SELECT s.id, s.timezone,
  (SELECT json_build_array(p.slot_step_min, p.min_notice_min, p.horizon_days, p.buffer_min, p.pay_window_min,
                           p.free_cancel_hours, p.cancel_fee_pct::text)
     FROM {policy} p WHERE p.store_id = s.id),
  (SELECT json_agg(json_build_array(h.weekday, h.opens, h.closes) ORDER BY h.weekday, h.opens)
     FROM {hours} h WHERE h.store_id = s.id),
  (SELECT json_agg(json_build_array(b.id, (SELECT array_agg(bc.category_id) FROM {bay_categories} bc
                                            WHERE bc.bay_id = b.id), b.name) ORDER BY b.id)
     FROM {bay} b WHERE b.store_id = s.id AND b.is_active),
  (SELECT json_agg(json_build_array(c.bay_id, c.starts_at, c.ends_at))
     FROM {closure} c WHERE c.store_id = s.id AND c.ends_at > %(lo)s AND c.starts_at < %(hi)s),
  (SELECT json_agg(json_build_array(k.bay_id, k.start, k.blocks_until))
     FROM {booking} k WHERE k.store_id = s.id AND k.status = ANY(%(live)s) AND k.blocks_until > %(lo)s
      AND k.start < %(hi)s AND k.id <> %(exclude)s)
FROM {store} s WHERE s.id = ANY(%(ids)s)
"""


def calendar_sql() -> str:
    return _CALENDAR_SQL.format(
        store=Store._meta.db_table,
        policy=BookingPolicy._meta.db_table,
        hours=OpeningHours._meta.db_table,
        bay=Bay._meta.db_table,
        bay_categories=Bay.categories.through._meta.db_table,
        closure=Closure._meta.db_table,
        booking=Booking._meta.db_table,
    )


_DEFAULT_POLICY = BookingPolicy()


def calendars_load(
    *, stores: Iterable[Store], start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> dict[int, StoreCalendar]:
    """Calendars of ``stores`` with the closures and live bookings that touch [start, end), in one query whatever
    the number of stores. ``stores`` need only their ids. ``exclude_booking_id`` leaves one booking out (a reschedule
    may overlap its own slot). The rows loaded reach two days beyond both ends, enough for any day in [start, end)."""
    ids = [s.pk for s in stores]
    if not ids:
        return {}
    params = {
        "ids": ids,
        "lo": start - 2 * ONE_DAY,
        "hi": end + 2 * ONE_DAY,
        "live": list(LIVE_STATUSES),
        "exclude": exclude_booking_id or 0,
    }
    # The router's choice, as an ORM read would make it: the replica for a page's availability, the primary inside
    # a booking's transaction or for a user who just wrote (chefu/db_router.py).
    connection = connections[router.db_for_read(Booking) or DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        # prepared once per connection: PostgreSQL planned its six subqueries on every call (0.15-0.2 ms, as long as
        # it took to answer one store's)
        execute_prepared(connection, cursor, calendar_sql(), params)
        rows = cursor.fetchall()
    return {row[0]: _calendar(*row) for row in rows}


def _calendar(store_id, tz_name, policy, hours, bays, closures, bookings) -> StoreCalendar:
    d = _DEFAULT_POLICY
    step, notice, horizon, buffer, pay, free_cancel, fee_pct = policy or (
        d.slot_step_min, d.min_notice_min, d.horizon_days, d.buffer_min, d.pay_window_min, d.free_cancel_hours,
        d.cancel_fee_pct,
    )  # fmt: skip
    rules = Rules(
        step=dt.timedelta(minutes=step),
        min_notice=dt.timedelta(minutes=notice),
        horizon=dt.timedelta(days=horizon),
        buffer=dt.timedelta(minutes=buffer),
        pay_window=dt.timedelta(minutes=pay),
        free_cancel=dt.timedelta(hours=free_cancel),
        cancel_fee_pct=Decimal(fee_pct),
    )
    at = dt.datetime.fromisoformat
    busy = [Busy(bay_id, at(lo), at(hi), closure=True) for bay_id, lo, hi in closures or ()]
    # A booking holds its bay until blocks_until (the job plus the buffer when it was made); availability adds the
    # store's current buffer to a raw job, so it is handed the hold minus that buffer: exactly what PostgreSQL's
    # exclusion constraint compares.
    busy += [Busy(bay_id, at(lo), at(hi) - rules.buffer) for bay_id, lo, hi in bookings or ()]
    return StoreCalendar(
        store_id=store_id,
        tz=ZoneInfo(tz_name),
        rules=rules,
        hours=tuple(Range(w, dt.time.fromisoformat(o), dt.time.fromisoformat(c)) for w, o, c in hours or ()),
        bays=tuple(BayInput(bay_id, frozenset(categories or ()), name) for bay_id, categories, name in bays or ()),
        busy=tuple(busy),
    )


def calendar_load(
    *, store: Store, start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> StoreCalendar:
    return calendars_load(stores=[store], start=start, end=end, exclude_booking_id=exclude_booking_id)[store.pk]


def calendar_for_day(*, store: Store, day: dt.date, exclude_booking_id: int | None = None) -> StoreCalendar:
    start, end = local_day_bounds(day, ZoneInfo(store.timezone))
    return calendar_load(store=store, start=start, end=end, exclude_booking_id=exclude_booking_id)
