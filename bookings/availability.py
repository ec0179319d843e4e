"""Which start times a store can offer for a job on one local day, and which bays can take a given start.

Pure Python: no database, no Django settings. Everything is in the store's own zone ``tz`` for wall-clock
rules (opening hours, the step grid, "which day") and in UTC for arithmetic, so durations are real elapsed
time on days when the zone changes its clocks.

Decisions, so that the list and the booking check cannot disagree:

- A day's list holds the starts whose *local date* is ``day``. An overnight range (22:00-02:00) opened on
  ``day`` offers its starts up to midnight here and its tail (00:00-01:xx) in the next day's list; the
  grid of that tail is still counted from the range's opening time.
- The grid is wall-clock: ``opens + k * step``. A wall time that does not exist (skipped by a spring-forward
  change) is not a start; an ambiguous one (repeated by a fall-back change) is its first occurrence
  (``fold=0``), so the repeated hour offers no second set of starts, though jobs may run through it.
  Range boundaries use ``fold=0`` too.
- The whole job ``[start, start + duration)`` must lie inside opening hours without a gap. Ranges that touch
  (12:00-14:00 and 14:00-18:00, or all-day ranges on consecutive days) count as one; a lunch break does not.
- ``buffer`` is cleaning time after every job. Existing bookings are passed raw and extended by the buffer
  here; the candidate job needs its bay for ``[start, start + duration + buffer)``. The candidate's cleaning
  may run past closing time and into a closure (like cleaning after close); only the job itself must end
  before a closure starts. Closures are never extended by the buffer.
- A start is offered when it is on the grid, ``now + min_notice <= start < now + horizon``, the job fits the
  hours and misses every whole-store closure (those are part of the store's hours, not of a bay's time), and at
  least one bay serving ``category`` is free. :func:`bay_can_take` applies exactly these rules through the same
  code, so booking accepts exactly what the list offers. :func:`start_check` tells the two refusals apart.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from stores.hours import Range

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
DEFAULT_STEP = dt.timedelta(minutes=15)
DEFAULT_MIN_NOTICE = dt.timedelta(minutes=60)
DEFAULT_HORIZON = dt.timedelta(days=30)

_Interval = tuple[dt.datetime, dt.datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class BayInput:
    """An active bay, the category codes it serves, and its name (for an answer: availability does not read it)."""

    id: int
    categories: frozenset[str]
    name: str = ""


@dataclass(frozen=True)
class Busy:
    """Time a bay (or, with ``bay_id`` None, the whole store) cannot take a job. Aware datetimes.

    ``closure`` False is a live booking's raw ``[start, end)``; the cleaning buffer is added here.
    ``closure`` True is a bay closure (repairs) and is not buffered. ``bay_id`` None is always a closure.
    """

    bay_id: int | None
    start: dt.datetime
    end: dt.datetime
    closure: bool = False


@dataclass(frozen=True)
class Slot:
    """A start the store can offer; ``start``/``end`` (end of the job, without cleaning) are in the store's zone."""

    start: dt.datetime
    end: dt.datetime
    free_bay_ids: tuple[int, ...]


def available_slots(
    *,
    day: dt.date,
    tz: ZoneInfo,
    hours: Sequence[Range],
    bays: Sequence[BayInput],
    category: str,
    duration: dt.timedelta,
    busy: Sequence[Busy],
    now: dt.datetime,
    step: dt.timedelta = DEFAULT_STEP,
    min_notice: dt.timedelta = DEFAULT_MIN_NOTICE,
    horizon: dt.timedelta = DEFAULT_HORIZON,
    buffer: dt.timedelta = dt.timedelta(0),
) -> list[Slot]:
    """The starts on local date ``day`` a bay serving ``category`` can take, in time order.

    Raises ``ValueError`` for naive datetimes or a non-positive ``duration``/``step``.
    """
    plan = _Plan.build(
        day=day, tz=tz, hours=hours, bays=bays, category=category, duration=duration, busy=busy,
        now=now, step=step, min_notice=min_notice, horizon=horizon, buffer=buffer,
    )  # fmt: skip
    return list(plan.slots())


def first_slot(**arguments) -> Slot | None:
    """The first of :func:`available_slots` (same arguments), without working out the rest of the day."""
    plan = _Plan.build(**arguments)
    return next(plan.slots(), None)


def bay_can_take(**check) -> list[int]:
    """Ids (ascending) of the bays that can take a job at ``start``; empty when the start is not offered at all.

    Takes :func:`start_check`'s arguments. This is the check booking makes: a start off the grid, outside the hours,
    too soon, beyond the horizon or with every serving bay busy gets ``[]``. ``day`` defaults to ``start``'s local
    date; a different ``day`` gets ``[]``, because that day's list never shows this start.
    """
    offered, free = start_check(**check)
    return free if offered else []


def start_check(
    *,
    tz: ZoneInfo,
    hours: Sequence[Range],
    bays: Sequence[BayInput],
    category: str,
    duration: dt.timedelta,
    busy: Sequence[Busy],
    now: dt.datetime,
    start: dt.datetime,
    step: dt.timedelta = DEFAULT_STEP,
    min_notice: dt.timedelta = DEFAULT_MIN_NOTICE,
    horizon: dt.timedelta = DEFAULT_HORIZON,
    buffer: dt.timedelta = dt.timedelta(0),
    day: dt.date | None = None,
) -> tuple[bool, list[int]]:
    """``(offered, free bay ids)``. ``offered`` says whether ``start`` is a start the store offers at all (on the
    grid, in the hours, within notice and horizon) whether or not a bay is free; booking answers 422 when it is
    not and 409 when it is but no bay is free. The free bays are those :func:`bay_can_take` returns."""
    start_utc = _utc(start, "start")
    local_day = start_utc.astimezone(tz).date()
    if day is not None and day != local_day:
        return False, []
    plan = _Plan.build(
        day=local_day, tz=tz, hours=hours, bays=bays, category=category, duration=duration, busy=busy,
        now=now, step=step, min_notice=min_notice, horizon=horizon, buffer=buffer,
    )  # fmt: skip
    if start_utc not in set(plan.starts()):
        return False, []
    return True, plan.free_bays(start_utc)


@dataclass(frozen=True)
class _Plan:
    """The inputs for one local day, normalised to UTC once and shared by both public functions."""

    day: dt.date
    tz: ZoneInfo
    hours: tuple[Range, ...]
    step: dt.timedelta
    duration: dt.timedelta
    buffer: dt.timedelta
    earliest: dt.datetime
    latest: dt.datetime  # exclusive
    open_intervals: tuple[_Interval, ...]
    closed: tuple[_Interval, ...]  # whole-store closures, compared with the job itself
    bay_ids: tuple[int, ...]
    # Per serving bay, intervals compared with the candidate's [start, start + duration + buffer).
    blocks: dict[int, tuple[_Interval, ...]]

    @classmethod
    def build(
        cls,
        *,
        day: dt.date,
        tz: ZoneInfo,
        hours: Sequence[Range],
        bays: Sequence[BayInput],
        category: str,
        duration: dt.timedelta,
        busy: Sequence[Busy],
        now: dt.datetime,
        step: dt.timedelta,
        min_notice: dt.timedelta,
        horizon: dt.timedelta,
        buffer: dt.timedelta,
    ) -> "_Plan":
        if duration <= dt.timedelta(0):
            raise ValueError("duration must be positive")
        if step <= dt.timedelta(0):
            raise ValueError("step must be positive")
        if buffer < dt.timedelta(0):
            raise ValueError("buffer must not be negative")
        now_utc = _utc(now, "now")
        hours = tuple(hours)
        open_intervals = _open_intervals(day, tz, hours)

        # Only what can touch a job starting on this day matters; the rest is dropped once, not per start.
        window_lo = _instant(day - ONE_DAY, dt.time(0), tz)
        window_hi = _instant(day + 2 * ONE_DAY, dt.time(0), tz) + duration + buffer
        bay_ids = tuple(sorted({b.id for b in bays if category in b.categories}))
        per_bay: dict[int, list[_Interval]] = {b: [] for b in bay_ids}
        closed: list[_Interval] = []
        for item in busy:
            lo, hi = _utc(item.start, "busy.start"), _utc(item.end, "busy.end")
            if item.bay_id is None:
                # The whole store is closed: not a start the store offers at all (like the hours), for any bay.
                if lo < window_hi and window_lo < hi:
                    closed.append((lo, hi))
                continue
            if item.closure:
                # Blocks the job but not its cleaning: [lo, hi) meets [s, s + d) iff [lo + buffer, hi)
                # meets [s, s + d + buffer).
                lo = lo + buffer
            else:
                hi = hi + buffer
            if not (lo < window_hi and window_lo < hi):
                continue
            if item.bay_id in per_bay:
                per_bay[item.bay_id].append((lo, hi))
        return cls(
            day=day,
            tz=tz,
            hours=hours,
            step=step,
            duration=duration,
            buffer=buffer,
            earliest=now_utc + min_notice,
            latest=now_utc + horizon,
            open_intervals=open_intervals,
            closed=tuple(closed),
            bay_ids=bay_ids,
            blocks={b: tuple(sorted(v)) for b, v in per_bay.items()},
        )

    def starts(self) -> list[dt.datetime]:
        """Grid starts on ``day`` (UTC) within notice and horizon whose whole job fits the opening hours and misses
        every whole-store closure."""
        out = set()
        for start in _grid(self.day, self.tz, self.hours, self.step):
            if not self.earliest <= start < self.latest:
                continue
            end = start + self.duration
            if not any(lo <= start and end <= hi for lo, hi in self.open_intervals):
                continue
            if not any(lo < end and start < hi for lo, hi in self.closed):
                out.add(start)
        return sorted(out)

    def slots(self) -> Iterator[Slot]:
        for start in self.starts():
            if free := self.free_bays(start):
                yield Slot(start.astimezone(self.tz), (start + self.duration).astimezone(self.tz), tuple(free))

    def free_bays(self, start: dt.datetime) -> list[int]:
        end = start + self.duration + self.buffer
        return [bay_id for bay_id in self.bay_ids if not any(lo < end and start < hi for lo, hi in self.blocks[bay_id])]


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _instant(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The wall-clock ``day time`` in ``tz`` as UTC, ``fold=0`` for ambiguous and skipped times."""
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(UTC)


def _ranges_opened_on(day: dt.date, hours: Sequence[Range]) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Naive wall-clock [opens, closes) of each range opened on ``day``; an overnight one closes the next day."""
    for r in hours:
        if r.weekday == day.weekday():
            closes_on = day + ONE_DAY if r.overnight else day
            yield dt.datetime.combine(day, r.opens), dt.datetime.combine(closes_on, r.closes)


def _open_intervals(day: dt.date, tz: ZoneInfo, hours: Sequence[Range]) -> tuple[_Interval, ...]:
    """Opening hours around ``day`` in UTC, touching ranges merged; enough for jobs that run into ``day + 2``."""
    intervals = []
    for offset in (-1, 0, 1, 2):
        for opens, closes in _ranges_opened_on(day + offset * ONE_DAY, hours):
            lo, hi = opens.replace(tzinfo=tz).astimezone(UTC), closes.replace(tzinfo=tz).astimezone(UTC)
            if lo < hi:  # a range inside a skipped hour is empty
                intervals.append((lo, hi))
    merged: list[_Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _grid(day: dt.date, tz: ZoneInfo, hours: Sequence[Range], step: dt.timedelta) -> Iterator[dt.datetime]:
    """Existing wall-clock grid points on ``day`` (as UTC) of the ranges opened on ``day`` or overnight before."""
    midnight = dt.datetime.combine(day, dt.time(0))
    for opened_on in (day - ONE_DAY, day):
        for opens, closes in _ranges_opened_on(opened_on, hours):
            wall = opens
            if wall < midnight:  # jump to the first grid point of the tail on ``day``
                wall += -((opens - midnight) // step) * step
            while wall < closes and wall.date() == day:
                instant = wall.replace(tzinfo=tz).astimezone(UTC)
                # A skipped wall time comes back as a different wall time; it is not a start.
                if instant.astimezone(tz).replace(tzinfo=None) == wall:
                    yield instant
                wall += step
