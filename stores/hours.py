"""Weekly opening hours: parsing what shops send and answering "is it open at this local time"."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Range:
    """``weekday`` Mon=0. ``closes <= opens`` runs past midnight (00:00-00:00 is all day)."""

    weekday: int
    opens: dt.time
    closes: dt.time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens

    def week_minutes(self) -> tuple[int, int]:
        """[start, end) in minutes from Monday 00:00; ``end`` may pass the end of the week."""
        start = self.weekday * MINUTES_PER_DAY + self.opens.hour * 60 + self.opens.minute
        length = (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)
        if length <= 0:
            length += MINUTES_PER_DAY
        return start, start + length


def parse_time(value: str, *, closing: bool) -> dt.time:
    """``HH:MM``; a closing time of ``24:00`` means midnight at the end of the day."""
    if closing and value == "24:00":
        return dt.time(0, 0)
    try:
        parsed = dt.datetime.strptime(value, "%H:%M").time()  # noqa: DTZ007 - a wall-clock time, no date
    except (TypeError, ValueError):
        raise ValueError(_("Use HH:MM, e.g. 08:30.")) from None
    return parsed


def parse_ranges(rows: Sequence[dict]) -> list[Range]:
    """Validate ``[{weekday, opens, closes}]``; raise ``ValueError`` with a dict of field errors."""
    errors: dict[str, list[str]] = {}
    ranges: list[Range] = []
    for i, row in enumerate(rows):
        weekday = row.get("weekday")
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            errors.setdefault(f"opening_hours.{i}.weekday", []).append(_("Weekday is 0 (Monday) to 6 (Sunday)."))
            continue
        try:
            opens = parse_time(row.get("opens"), closing=False)
            closes = parse_time(row.get("closes"), closing=True)
        except ValueError as exc:
            errors.setdefault(f"opening_hours.{i}", []).append(str(exc))
            continue
        ranges.append(Range(weekday, opens, closes))
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            if _overlap(a, b):
                errors.setdefault("opening_hours", []).append(
                    _("Opening ranges overlap: %(a)s and %(b)s.") % {"a": _describe(a), "b": _describe(b)}
                )
    if errors:
        raise ValueError(errors)
    return sorted(ranges, key=lambda r: (r.weekday, r.opens))


def _describe(r: Range) -> str:
    return f"{r.weekday} {r.opens:%H:%M}-{r.closes:%H:%M}"


def _overlap(a: Range, b: Range) -> bool:
    a0, a1 = a.week_minutes()
    b0, b1 = b.week_minutes()
    # Compare on the weekly circle: shift one range by a week either way.
    return any(a0 < b1 + shift and b0 + shift < a1 for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK))


def is_open(ranges: Iterable[Range], local: dt.datetime) -> bool:
    """Open at the wall-clock time ``local`` (naive or aware, already in the store's zone)?"""
    now = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute + local.second / 60
    for r in ranges:
        start, end = r.week_minutes()
        if any(start <= now + shift < end for shift in (0, MINUTES_PER_WEEK)):
            return True
    return False
