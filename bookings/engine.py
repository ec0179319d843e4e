"""The booking engine's reads: a store's calendar (policy, hours, bays, closures, live bookings) loaded in a fixed
number of queries, and the questions asked of it: the day's slots, whether a start can be booked, the next free
slot. The pure rules live in :mod:`bookings.availability`; this module only feeds them, so the availability list,
``POST /bookings``, rescheduling and ``/stores/nearby?sort=soonest`` all answer from the same code.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bookings import availability
from bookings.availability import BayInput, Busy, Slot
from bookings.models import LIVE_STATUSES, Booking, BookingPolicy
from stores.hours import Range
from stores.models import Bay, Closure, OpeningHours, Store

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """A store's booking policy as the engine uses it."""

    step: dt.timedelta
    min_notice: dt.timedelta
    horizon: dt.timedelta
    buffer: dt.timedelta
    pay_window: dt.timedelta

    @classmethod
    def of(cls, policy: BookingPolicy) -> "Rules":
        return cls(
            step=dt.timedelta(minutes=policy.slot_step_min),
            min_notice=dt.timedelta(minutes=policy.min_notice_min),
            horizon=dt.timedelta(days=policy.horizon_days),
            buffer=dt.timedelta(minutes=policy.buffer_min),
            pay_window=dt.timedelta(minutes=policy.pay_window_min),
        )


@dataclass(frozen=True)
class Job:
    """What is being booked: the category of bay it needs and how long it takes."""

    category: str
    duration: dt.timedelta


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

    def slots(self, *, day: dt.date, job: Job, now: dt.datetime) -> list[Slot]:
        return availability.available_slots(day=day, **self._common(job, now))

    def check(self, *, start: dt.datetime, job: Job, now: dt.datetime) -> tuple[bool, list[int]]:
        """``(offered, free bay ids)`` for a start: see :func:`bookings.availability.start_check`."""
        return availability.start_check(start=start, **self._common(job, now))

    def next_slot(self, *, job: Job, now: dt.datetime) -> Slot | None:
        """The soonest start with a free bay within the horizon, or None."""
        day = (now + self.rules.min_notice).astimezone(self.tz).date()
        last = (now + self.rules.horizon).astimezone(self.tz).date()
        while day <= last:
            slots = self.slots(day=day, job=job, now=now)
            if slots:
                return slots[0]
            day += ONE_DAY
        return None


def policy_for(store: Store) -> BookingPolicy:
    """The store's booking policy; the defaults (unsaved) when it never set one."""
    return BookingPolicy.objects.filter(store=store).first() or BookingPolicy(store=store)


def local_day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of ``day``, local midnight of the next day) as aware datetimes."""
    return (
        dt.datetime.combine(day, dt.time(0), tzinfo=tz),
        dt.datetime.combine(day + ONE_DAY, dt.time(0), tzinfo=tz),
    )


def calendars_load(
    *, stores: Iterable[Store], start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> dict[int, StoreCalendar]:
    """Calendars of ``stores`` with the closures and live bookings that touch [start, end). Five queries whatever
    the number of stores. ``exclude_booking_id`` leaves one booking out (a reschedule may overlap its own slot)."""
    stores = list(stores)
    ids = [s.pk for s in stores]
    policies = {p.store_id: p for p in BookingPolicy.objects.filter(store_id__in=ids)}
    hours: dict[int, list[Range]] = defaultdict(list)
    for row in OpeningHours.objects.filter(store_id__in=ids).order_by("store_id", "weekday", "opens"):
        hours[row.store_id].append(Range(row.weekday, row.opens, row.closes))
    bays: dict[int, list[BayInput]] = defaultdict(list)
    for bay in Bay.objects.filter(store_id__in=ids, is_active=True).prefetch_related("categories").order_by("id"):
        bays[bay.store_id].append(BayInput(bay.pk, frozenset(c.pk for c in bay.categories.all())))
    # Whatever ends after the window starts (minus a day for jobs and buffers running in) and starts before its end.
    lo, hi = start - 2 * ONE_DAY, end + 2 * ONE_DAY
    busy: dict[int, list[Busy]] = defaultdict(list)
    closures = Closure.objects.filter(store_id__in=ids, ends_at__gt=lo, starts_at__lt=hi)
    for c in closures.values_list("store_id", "bay_id", "starts_at", "ends_at"):
        busy[c[0]].append(Busy(c[1], c[2], c[3], closure=True))
    bookings = Booking.objects.filter(
        store_id__in=ids, status__in=LIVE_STATUSES, blocks_until__gt=lo, start__lt=hi
    ).exclude(pk=exclude_booking_id or 0)
    buffers = {sid: dt.timedelta(minutes=(policies.get(sid) or BookingPolicy()).buffer_min) for sid in ids}
    for store_id, bay_id, b_start, b_blocks in bookings.values_list("store_id", "bay_id", "start", "blocks_until"):
        # The row holds the bay until blocks_until (job + the buffer at booking time); availability adds the
        # store's current buffer to a raw job, so hand it the hold minus that buffer.
        busy[store_id].append(Busy(bay_id, b_start, b_blocks - buffers[store_id]))
    return {
        s.pk: StoreCalendar(
            store_id=s.pk,
            tz=ZoneInfo(s.timezone),
            rules=Rules.of(policies.get(s.pk) or BookingPolicy(store_id=s.pk)),
            hours=tuple(hours[s.pk]),
            bays=tuple(bays[s.pk]),
            busy=tuple(busy[s.pk]),
        )
        for s in stores
    }


def calendar_load(
    *, store: Store, start: dt.datetime, end: dt.datetime, exclude_booking_id: int | None = None
) -> StoreCalendar:
    return calendars_load(stores=[store], start=start, end=end, exclude_booking_id=exclude_booking_id)[store.pk]


def calendar_for_day(*, store: Store, day: dt.date, exclude_booking_id: int | None = None) -> StoreCalendar:
    start, end = local_day_bounds(day, ZoneInfo(store.timezone))
    return calendar_load(store=store, start=start, end=end, exclude_booking_id=exclude_booking_id)
