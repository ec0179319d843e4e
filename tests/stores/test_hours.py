"""stores.hours: parsing weekly opening ranges and "is it open at this local time", in Python and in SQL."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stores.hours import Range, is_open, parse_ranges, parse_time
from stores.selectors import store_is_open
from tests.factories import StoreFactory

T = dt.time
MON = dt.date(2026, 11, 23)  # a Monday


def _local(day_offset: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """Naive wall-clock time ``day_offset`` days after Monday 2026-11-23."""
    return dt.datetime.combine(MON + dt.timedelta(days=day_offset), T(hour, minute, second))


def _errors(rows) -> dict:
    with pytest.raises(ValueError) as excinfo:
        parse_ranges(rows)
    return excinfo.value.args[0]


# --- parse_time / parse_ranges ----------------------------------------------------------------------


def test_parse_time():
    assert parse_time("08:30", closing=False) == T(8, 30)
    assert parse_time("00:00", closing=True) == T(0, 0)
    assert parse_time("24:00", closing=True) == T(0, 0)


@pytest.mark.parametrize("value", ["24:00", "25:00", "8.30", "", None, "08:60", "noon"])
def test_parse_time_refuses(value):
    with pytest.raises(ValueError):
        parse_time(value, closing=False)


def test_parse_ranges_sorts_and_builds_ranges():
    ranges = parse_ranges(
        [
            {"weekday": 2, "opens": "13:30", "closes": "18:30"},
            {"weekday": 0, "opens": "20:00", "closes": "02:00"},
            {"weekday": 2, "opens": "08:30", "closes": "12:00"},
            {"weekday": 6, "opens": "10:00", "closes": "24:00"},
        ]
    )

    assert ranges == [
        Range(0, T(20, 0), T(2, 0)),
        Range(2, T(8, 30), T(12, 0)),
        Range(2, T(13, 30), T(18, 30)),
        Range(6, T(10, 0), T(0, 0)),
    ]
    assert [r.overnight for r in ranges] == [True, False, False, True]


def test_an_empty_week_is_valid():
    assert parse_ranges([]) == []


def test_touching_ranges_do_not_overlap():
    rows = [
        {"weekday": 0, "opens": "08:00", "closes": "12:00"},
        {"weekday": 0, "opens": "12:00", "closes": "18:00"},
        {"weekday": 0, "opens": "20:00", "closes": "02:00"},
        {"weekday": 1, "opens": "02:00", "closes": "08:00"},
        {"weekday": 6, "opens": "00:00", "closes": "00:00"},
        {"weekday": 5, "opens": "22:00", "closes": "24:00"},
    ]

    assert len(parse_ranges(rows)) == 6


@pytest.mark.parametrize(
    "rows",
    [
        # lunch break written wrong
        [(0, "08:30", "12:30"), (0, "12:00", "18:00")],
        # the same range twice
        [(3, "09:00", "17:00"), (3, "09:00", "17:00")],
        # one inside the other
        [(3, "09:00", "17:00"), (3, "10:00", "11:00")],
        # across midnight into the next day
        [(0, "20:00", "02:00"), (1, "01:00", "05:00")],
        # across Sunday into Monday
        [(6, "22:00", "03:00"), (0, "02:30", "09:00")],
        # an all-day range and anything else that day
        [(4, "00:00", "00:00"), (4, "10:00", "11:00")],
        # an all-day range and the previous night running into it
        [(4, "00:00", "00:00"), (3, "23:00", "01:00")],
        # a 24-hour range from 08:00 to 08:00 and the next morning
        [(2, "08:00", "08:00"), (3, "07:00", "09:00")],
    ],
)
def test_overlaps_are_refused(rows):
    errors = _errors([{"weekday": d, "opens": o, "closes": c} for d, o, c in rows])

    assert list(errors) == ["opening_hours"]
    assert errors["opening_hours"]


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ({"weekday": 7, "opens": "08:00", "closes": "09:00"}, "opening_hours.0.weekday"),
        ({"weekday": -1, "opens": "08:00", "closes": "09:00"}, "opening_hours.0.weekday"),
        ({"weekday": True, "opens": "08:00", "closes": "09:00"}, "opening_hours.0.weekday"),
        ({"weekday": "1", "opens": "08:00", "closes": "09:00"}, "opening_hours.0.weekday"),
        ({"opens": "08:00", "closes": "09:00"}, "opening_hours.0.weekday"),
        ({"weekday": 1, "opens": "25:00", "closes": "09:00"}, "opening_hours.0"),
        ({"weekday": 1, "opens": "24:00", "closes": "09:00"}, "opening_hours.0"),
        ({"weekday": 1, "opens": "08:00"}, "opening_hours.0"),
    ],
)
def test_malformed_rows_are_refused(row, key):
    assert key in _errors([row])


# --- is_open ----------------------------------------------------------------------------------------


LUNCH = [Range(d, T(8, 30), T(12, 0)) for d in range(7)] + [Range(d, T(13, 30), T(18, 30)) for d in range(7)]


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (_local(0, 8, 29, 59), False),
        (_local(0, 8, 30), True),
        (_local(0, 11, 59, 59), True),
        (_local(0, 12, 0), False),
        (_local(0, 12, 30), False),
        (_local(0, 13, 30), True),
        (_local(0, 18, 30), False),
    ],
)
def test_is_open_with_a_lunch_break(local, expected):
    assert is_open(LUNCH, local) is expected


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (_local(0, 19, 59), False),
        (_local(0, 20, 0), True),
        (_local(0, 23, 59, 59), True),
        (_local(1, 0, 0), True),
        (_local(1, 1, 59), True),
        (_local(1, 2, 0), False),
        (_local(0, 1, 0), False),  # Monday early morning: nothing on Sunday night
        (_local(1, 21, 0), False),
    ],
)
def test_is_open_overnight(local, expected):
    assert is_open([Range(0, T(20, 0), T(2, 0))], local) is expected


def test_is_open_overnight_from_sunday_into_monday():
    ranges = [Range(6, T(22, 0), T(3, 0))]

    assert is_open(ranges, _local(6, 23, 0))
    assert is_open(ranges, _local(7, 2, 59))  # the Monday after
    assert is_open(ranges, _local(0, 2, 59))  # any Monday
    assert not is_open(ranges, _local(0, 3, 0))
    assert not is_open(ranges, _local(6, 2, 0))


def test_closing_at_24_00_runs_to_midnight_only():
    (friday,) = parse_ranges([{"weekday": 4, "opens": "10:00", "closes": "24:00"}])

    assert is_open([friday], _local(4, 23, 59, 59))
    assert not is_open([friday], _local(5, 0, 0))
    assert not is_open([friday], _local(4, 9, 59))


def test_all_day():
    (tuesday,) = parse_ranges([{"weekday": 1, "opens": "00:00", "closes": "00:00"}])

    assert not is_open([tuesday], _local(0, 23, 59, 59))
    assert is_open([tuesday], _local(1, 0, 0))
    assert is_open([tuesday], _local(1, 12, 0))
    assert is_open([tuesday], _local(1, 23, 59, 59))
    assert not is_open([tuesday], _local(2, 0, 0))


def test_closed_day_and_no_hours():
    weekdays = [Range(d, T(9, 0), T(17, 0)) for d in range(5)]

    assert is_open(weekdays, _local(4, 10, 0))
    assert not is_open(weekdays, _local(5, 10, 0))
    assert not is_open([], _local(0, 10, 0))


def test_is_open_accepts_aware_local_times():
    zone = ZoneInfo("Asia/Shanghai")

    assert is_open(LUNCH, _local(0, 9, 0).replace(tzinfo=zone))
    assert not is_open(LUNCH, _local(0, 12, 15).replace(tzinfo=zone))


# --- property: Python and SQL agree -----------------------------------------------------------------

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Europe/London", "America/New_York"]


@st.composite
def weeks(draw) -> list[tuple[int, int]]:
    """Non-overlapping ranges by construction: sorted cut points on the weekly circle, paired up
    as (start, end), then the whole week rotated. Each range lasts 1 minute to 24 hours."""
    cuts = draw(st.lists(st.integers(0, MINUTES_PER_WEEK - 1), min_size=0, max_size=16, unique=True))
    cuts.sort()
    rotation = draw(st.integers(0, MINUTES_PER_WEEK - 1))
    spans = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        length = min(end - start, MINUTES_PER_DAY)
        spans.append(((start + rotation) % MINUTES_PER_WEEK, length))
    # Whole days (00:00-00:00) and 24-hour ranges are worth drawing on purpose.
    if draw(st.booleans()) and not spans:
        spans.append((draw(st.integers(0, 6)) * MINUTES_PER_DAY, MINUTES_PER_DAY))
    return spans


def _rows(spans: list[tuple[int, int]]) -> list[tuple[int, dt.time, dt.time]]:
    rows = []
    for start, length in spans:
        end = start + length
        rows.append(
            (
                start // MINUTES_PER_DAY,
                T(start % MINUTES_PER_DAY // 60, start % 60),
                T(end % MINUTES_PER_DAY // 60, end % 60),
            )
        )
    return rows


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spans=weeks(),
    zone_name=st.sampled_from(ZONES),
    instants=st.lists(
        st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(dt.UTC)),
        min_size=10,
        max_size=10,
    ),
)
def test_python_and_sql_agree(spans, zone_name, instants):
    rows = _rows(spans)
    ranges = parse_ranges([{"weekday": d, "opens": f"{o:%H:%M}", "closes": f"{c:%H:%M}"} for d, o, c in rows])
    zone = ZoneInfo(zone_name)
    # Besides random instants, every range edge (and a second either side) in a fixed week of this zone.
    probes = list(instants)
    for weekday, opens, closes in rows[:3]:
        for wall in (opens, closes):
            local = dt.datetime.combine(MON + dt.timedelta(days=weekday), wall, tzinfo=zone)
            probes += [local, local - dt.timedelta(seconds=1), local + dt.timedelta(days=1)]

    # Each example writes its own store inside a savepoint and rolls it back, so examples don't see each other.
    with transaction.atomic():
        store = StoreFactory(timezone=zone_name, hours=rows)
        for at in probes:
            local = at.astimezone(zone)
            assert store_is_open(store_id=store.id, at=at) is is_open(ranges, local), (rows, zone_name, local)
        transaction.set_rollback(True)
