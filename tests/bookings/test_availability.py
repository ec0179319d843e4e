"""bookings.availability: the slots a store offers and the bays booking accepts, pure Python (no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.availability import BayInput, Busy, Slot, available_slots, bay_can_take
from stores.hours import Range, is_open

T = dt.time
M = dt.timedelta
SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
MON = dt.date(2026, 6, 1)  # a Monday
SPRING_FORWARD = dt.date(2026, 3, 29)  # Sunday, London 01:00 GMT -> 02:00 BST
FALL_BACK = dt.date(2026, 10, 25)  # Sunday, London 02:00 BST -> 01:00 GMT
MAINT = frozenset({"maintenance"})
ONE_BAY = (BayInput(1, MAINT),)
MINUTES = dt.timedelta(minutes=1)


def at(day: dt.date, hour: int, minute: int = 0, tz: ZoneInfo = SHANGHAI, fold: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold)


def slots(**kw) -> list[Slot]:
    args = {
        "day": MON,
        "tz": SHANGHAI,
        "hours": [Range(MON.weekday(), T(9), T(18))],
        "bays": ONE_BAY,
        "category": "maintenance",
        "duration": M(minutes=60),
        "busy": (),
        "now": at(MON - dt.timedelta(days=1), 8),
    }
    return available_slots(**(args | kw))


def starts(result: list[Slot]) -> list[str]:
    return [f"{s.start:%H:%M}" for s in result]


def can_take(**kw) -> list[int]:
    args = {
        "tz": SHANGHAI,
        "hours": [Range(MON.weekday(), T(9), T(18))],
        "bays": ONE_BAY,
        "category": "maintenance",
        "duration": M(minutes=60),
        "busy": (),
        "now": at(MON - dt.timedelta(days=1), 8),
    }
    return bay_can_take(**(args | kw))


# --- opening hours -------------------------------------------------------------------------------------


def test_lunch_break_a_job_must_end_before_the_break_and_restarts_after_it():
    hours = [Range(0, T(9), T(12)), Range(0, T(13, 30), T(18))]

    got = starts(slots(hours=hours))

    assert got[:9] == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    assert "11:15" not in got and "11:30" not in got
    assert got[9] == "13:30"


def test_end_of_day_last_start_leaves_room_for_the_whole_job():
    got = slots(duration=M(minutes=90))

    assert starts(got)[-1] == "16:30"
    assert got[-1].end == at(MON, 18)


def test_touching_ranges_count_as_one_but_a_gap_does_not():
    touching = [Range(0, T(9), T(12)), Range(0, T(12), T(18))]

    assert "11:30" in starts(slots(hours=touching))


def test_closed_day_offers_nothing():
    assert slots(hours=[Range(1, T(9), T(18))]) == []


def test_a_job_longer_than_the_range_is_never_offered():
    assert slots(hours=[Range(0, T(9), T(10))], duration=M(minutes=61)) == []


def test_step_grid_counts_from_the_range_start():
    got = starts(slots(hours=[Range(0, T(9, 10), T(11))], step=M(minutes=20)))

    assert got == ["09:10", "09:30", "09:50"]


# --- existing bookings and buffer ---------------------------------------------------------------------


def test_job_longer_than_the_step_next_to_an_existing_booking():
    # given a 10:00-10:30 booking on the only bay
    busy = [Busy(1, at(MON, 10), at(MON, 10, 30))]

    # when a 45-minute job is asked for
    got = starts(slots(busy=busy, duration=M(minutes=45), hours=[Range(0, T(9), T(12))]))

    # then it may end exactly at 10:00 and start exactly at 10:30, nothing in between
    assert got == ["09:00", "09:15", "10:30", "10:45", "11:00", "11:15"]


def test_buffer_follows_every_job_but_the_new_job_may_be_cleaned_after_closing():
    busy = [Busy(1, at(MON, 10), at(MON, 10, 30))]

    got = starts(slots(busy=busy, duration=M(minutes=45), buffer=M(minutes=15), hours=[Range(0, T(9), T(12))]))

    # 09:00-09:45 + 15 cleaning ends at 10:00; the booking's cleaning runs to 10:45; 11:15 + 45 ends at closing
    assert got == ["09:00", "10:45", "11:00", "11:15"]


def test_a_booking_on_another_bay_or_a_cancelled_one_not_passed_does_not_block():
    bays = (BayInput(1, MAINT), BayInput(2, MAINT))
    busy = [Busy(2, at(MON, 9), at(MON, 18))]

    got = slots(bays=bays, busy=busy)

    assert len(got) == 33 and all(s.free_bay_ids == (1,) for s in got)


# --- closures -----------------------------------------------------------------------------------------


def test_store_closure_blocks_every_bay():
    bays = (BayInput(1, MAINT), BayInput(2, MAINT))
    busy = [Busy(None, at(MON, 12), at(MON, 15))]

    got = starts(slots(bays=bays, busy=busy))

    assert "11:00" in got and "11:15" not in got and "14:45" not in got and "15:00" in got


def test_closures_are_not_buffered_and_the_new_job_may_be_cleaned_into_them():
    busy = [Busy(None, at(MON, 12), at(MON, 15)), Busy(1, at(MON, 16), at(MON, 17), closure=True)]

    got = starts(slots(busy=busy, buffer=M(minutes=30)))

    assert "11:00" in got and "15:00" in got and "15:15" not in got and "17:00" in got


def test_bay_closure_blocks_only_that_bay():
    bays = (BayInput(1, MAINT), BayInput(2, MAINT))
    busy = [Busy(1, at(MON, 9), at(MON, 13), closure=True)]

    got = {s.start.strftime("%H:%M"): s.free_bay_ids for s in slots(bays=bays, busy=busy)}

    assert got["09:00"] == (2,) and got["12:00"] == (2,) and got["13:00"] == (1, 2)


def test_closure_spanning_several_days_blocks_the_whole_day():
    busy = [Busy(None, at(MON - dt.timedelta(days=3), 0), at(MON + dt.timedelta(days=3), 0))]

    assert slots(busy=busy) == []


# --- bays and categories ------------------------------------------------------------------------------


def test_bays_that_do_not_serve_the_category_are_ignored():
    bays = (BayInput(1, MAINT), BayInput(2, frozenset({"washing"})))
    busy = [Busy(1, at(MON, 9), at(MON, 12))]

    got = slots(bays=bays, busy=busy)

    assert starts(got)[0] == "12:00"
    assert all(s.free_bay_ids == (1,) for s in got)


def test_free_bay_ids_lists_every_free_bay_sorted():
    bays = (BayInput(7, MAINT | {"washing"}), BayInput(3, MAINT))
    busy = [Busy(3, at(MON, 10), at(MON, 11))]

    got = {s.start.strftime("%H:%M"): s.free_bay_ids for s in slots(bays=bays, busy=busy)}

    assert got["09:00"] == (3, 7)
    assert got["09:15"] == (7,) and got["10:45"] == (7,)
    assert got["11:00"] == (3, 7)


def test_no_bays_no_slots():
    assert slots(bays=()) == []


# --- notice and horizon, at midnight in the store's zone ----------------------------------------------


def test_min_notice_across_midnight_in_the_store_zone():
    # given 23:20 on Sunday in Shanghai, which is still Sunday 15:20 in UTC, and a shop open all day Monday
    now = at(MON - dt.timedelta(days=1), 23, 20).astimezone(UTC)
    hours = [Range(0, T(0), T(0))]

    got = starts(slots(now=now, hours=hours))

    # then the first start is the first grid point at least 60 minutes away: 00:20 -> 00:30
    assert got[0] == "00:30"
    assert got[-1] == "23:00"  # Tuesday is closed, so the job must end by midnight


def test_min_notice_on_the_same_day():
    got = starts(slots(now=at(MON, 9, 50)))

    assert got[0] == "11:00"


def test_horizon_ends_at_the_same_local_time_thirty_days_later():
    day = MON + dt.timedelta(days=28)  # also a Monday
    now = at(MON, 0).astimezone(UTC)  # Monday 00:00 Shanghai is Sunday 16:00 UTC

    got = starts(slots(day=day, now=now, horizon=dt.timedelta(days=28, hours=10), hours=[Range(0, T(9), T(18))]))

    assert got[-1] == "09:45" and len(got) == 4  # 10:00 is exactly at the horizon, excluded
    assert slots(day=day, now=now, horizon=dt.timedelta(days=28)) == []


def test_past_days_offer_nothing():
    assert slots(now=at(MON + dt.timedelta(days=1), 8)) == []


# --- overnight ranges ---------------------------------------------------------------------------------


def test_overnight_range_lists_starts_on_each_local_day_once():
    # Sunday 20:00 - Monday 02:00 and Monday 22:00 - Tuesday 02:00
    hours = [Range(6, T(20), T(2)), Range(0, T(22), T(2))]

    monday = slots(hours=hours)

    assert starts(monday) == [
        "00:00", "00:15", "00:30", "00:45", "01:00",  # the tail of Sunday's range
        "22:00", "22:15", "22:30", "22:45", "23:00", "23:15", "23:30", "23:45",  # Monday's range, up to midnight
    ]  # fmt: skip
    assert monday[-1].end == at(MON + dt.timedelta(days=1), 0, 45)
    tuesday = slots(day=MON + dt.timedelta(days=1), hours=hours)
    assert starts(tuesday) == ["00:00", "00:15", "00:30", "00:45", "01:00"]


def test_overnight_tail_keeps_the_grid_of_its_opening_time():
    hours = [Range(6, T(22, 10), T(1))]

    # grid 22:10, 22:35, ... 23:50, 00:15, 00:40; a 30-minute job must end by 01:00
    assert starts(slots(hours=hours, step=M(minutes=25), duration=M(minutes=30))) == ["00:15"]


def test_all_day_every_day_store_takes_jobs_across_midnight():
    hours = [Range(d, T(0), T(0)) for d in range(7)]

    got = starts(slots(hours=hours, duration=M(minutes=120)))

    assert len(got) == 96 and got[-1] == "23:45"


# --- clock changes ------------------------------------------------------------------------------------


def test_spring_forward_skips_missing_starts_and_measures_real_time():
    hours = [Range(6, T(0), T(4))]  # Sunday 00:00-04:00, three real hours on this day

    got = slots(day=SPRING_FORWARD, tz=LONDON, hours=hours, now=at(dt.date(2026, 3, 1), 0, tz=LONDON))

    # 01:00-01:59 do not exist; the last start is 03:00 BST, an hour before closing
    assert starts(got) == ["00:00", "00:15", "00:30", "00:45", "02:00", "02:15", "02:30", "02:45", "03:00"]
    assert got[0].end == at(SPRING_FORWARD, 2, tz=LONDON)  # 60 real minutes after 00:00 GMT is 02:00 BST
    assert got[4].start.utcoffset() == dt.timedelta(hours=1)


def test_spring_forward_missing_wall_times_do_not_turn_into_off_grid_starts():
    hours = [Range(6, T(0), T(4))]

    got = slots(
        day=SPRING_FORWARD,
        tz=LONDON,
        hours=hours,
        step=M(minutes=25),
        duration=M(minutes=30),
        now=at(dt.date(2026, 3, 1), 0),
    )

    # 01:15 and 01:40 do not exist; read as GMT they would be 02:15 and 02:40 BST, which are not on the grid
    assert starts(got) == ["00:00", "00:25", "00:50", "02:05", "02:30", "02:55", "03:20"]


def test_spring_forward_job_across_the_change():
    hours = [Range(6, T(0), T(4))]

    got = slots(day=SPRING_FORWARD, tz=LONDON, hours=hours, duration=M(minutes=30), now=at(dt.date(2026, 3, 1), 0))

    assert starts(got)[:4] == ["00:00", "00:15", "00:30", "00:45"]
    assert got[3].end == at(SPRING_FORWARD, 2, 15, tz=LONDON)


def test_fall_back_offers_the_repeated_hour_once_and_jobs_run_through_it():
    hours = [Range(6, T(0), T(4))]  # five real hours on this day

    got = slots(day=FALL_BACK, tz=LONDON, hours=hours, now=at(dt.date(2026, 10, 1), 0, tz=LONDON))

    labels = starts(got)
    assert labels.count("01:00") == 1 and labels[-1] == "03:00" and len(labels) == 13
    by_label = {s.start.strftime("%H:%M"): s for s in got}
    # 01:30 BST + 60 real minutes is 01:30 GMT, the second 01:30 of the day
    end = by_label["01:30"].end
    assert (end.hour, end.minute, end.fold, end.utcoffset()) == (1, 30, 1, dt.timedelta(0))


def test_fall_back_booking_in_the_repeated_hour_is_compared_in_real_time():
    hours = [Range(6, T(0), T(4))]
    busy = [Busy(1, at(FALL_BACK, 1, tz=LONDON, fold=1), at(FALL_BACK, 2, tz=LONDON))]  # 01:00-02:00 GMT

    got = starts(slots(day=FALL_BACK, tz=LONDON, hours=hours, busy=busy, now=at(dt.date(2026, 10, 1), 0)))

    # 01:00 BST + 60 = 01:00 GMT: ends as the booking starts; 01:15 BST overlaps; 02:00 GMT starts as it ends
    assert "00:45" in got and "01:00" in got and "01:15" not in got and "01:45" not in got and "02:00" in got


def test_ordinary_day_in_a_dst_zone_is_unchanged():
    day = FALL_BACK + dt.timedelta(days=1)  # Monday
    got = slots(day=day, tz=LONDON, now=at(dt.date(2026, 10, 1), 0, tz=LONDON))

    assert len(got) == 33 and got[0].start == at(day, 9, tz=LONDON)


def test_hours_on_a_dst_day_without_a_change_in_opening_hours():
    hours = [Range(6, T(9), T(18))]

    for day in (SPRING_FORWARD, FALL_BACK):
        got = slots(day=day, tz=LONDON, hours=hours, now=at(day - dt.timedelta(days=1), 0, tz=LONDON))
        assert len(got) == 33 and starts(got)[0] == "09:00"


# --- bay_can_take -------------------------------------------------------------------------------------


def test_bay_can_take_agrees_with_the_list():
    bays = (BayInput(1, MAINT), BayInput(2, MAINT))
    busy = [Busy(1, at(MON, 10), at(MON, 11))]

    assert can_take(bays=bays, busy=busy, start=at(MON, 9, 15)) == [2]
    assert can_take(bays=bays, busy=busy, start=at(MON, 9)) == [1, 2]
    assert can_take(bays=bays, busy=busy, start=at(MON, 9).astimezone(UTC)) == [1, 2]


@pytest.mark.parametrize(
    "start",
    [
        at(MON, 9, 5),  # off the grid
        at(MON, 17, 30),  # runs past closing
        at(MON, 8, 45),  # before opening
        at(MON + dt.timedelta(days=1), 9),  # a closed day
    ],
)
def test_bay_can_take_refuses_what_the_list_does_not_offer(start):
    assert can_take(start=start) == []


def test_bay_can_take_refuses_too_soon_and_too_far():
    assert can_take(start=at(MON, 10), now=at(MON, 9, 30)) == []
    assert can_take(start=at(MON, 10), now=at(MON, 9)) == [1]
    assert can_take(start=at(MON, 10), now=at(MON - dt.timedelta(days=30), 10)) == []


def test_bay_can_take_refuses_the_second_occurrence_of_a_repeated_hour():
    args = {"tz": LONDON, "hours": [Range(6, T(0), T(4))], "now": at(dt.date(2026, 10, 1), 0)}

    assert can_take(start=at(FALL_BACK, 1, 15, tz=LONDON), **args) == [1]
    assert can_take(start=at(FALL_BACK, 1, 15, tz=LONDON, fold=1), **args) == []


def test_bay_can_take_refuses_another_day():
    assert can_take(start=at(MON, 9), day=MON + dt.timedelta(days=1)) == []
    assert can_take(start=at(MON, 9), day=MON) == [1]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        can_take(start=dt.datetime(2026, 6, 1, 9))
    with pytest.raises(ValueError, match="aware"):
        slots(now=dt.datetime(2026, 6, 1, 9))
    with pytest.raises(ValueError, match="aware"):
        slots(busy=[Busy(1, dt.datetime(2026, 6, 1, 9), dt.datetime(2026, 6, 1, 10))])


@pytest.mark.parametrize("kw", [{"duration": M(0)}, {"step": M(0)}, {"buffer": M(minutes=-5)}])
def test_nonsense_inputs_are_refused(kw):
    with pytest.raises(ValueError):
        slots(**kw)


# --- property: the list offers exactly what booking accepts ------------------------------------------

ZONES = [SHANGHAI, LONDON, ZoneInfo("America/New_York")]
DAYS = [MON, SPRING_FORWARD, FALL_BACK, dt.date(2026, 3, 8), dt.date(2026, 11, 1), dt.date(2026, 3, 28)]
# Minutes 60-179 of a day hold every clock change of these zones on these days; the oracle below reads
# hours wall-clock (is_open) while the engine uses fold=0 instants, so boundaries stay out of that window.
BOUNDARY_MINUTES = [m for m in range(0, 2 * 24 * 60, 5) if not 60 <= m % (24 * 60) < 180]


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    base = day - dt.timedelta(days=1)
    # Non-overlapping ranges over day-1 and day, by construction: consecutive pairs of sorted boundaries,
    # sometimes touching the previous pair (12:00-14:00 then 14:00-18:00).
    points = sorted(draw(st.sets(st.sampled_from(BOUNDARY_MINUTES), min_size=2, max_size=8)))
    hours, previous_hi = [], None
    for lo, hi in zip(points[::2], points[1::2], strict=False):
        if previous_hi is not None and draw(st.booleans()):
            lo = previous_hi
        previous_hi = hi
        if hi - lo > 24 * 60:
            continue
        opened = base + dt.timedelta(minutes=lo)
        hours.append(Range(opened.weekday(), T(lo // 60 % 24, lo % 60), T(hi // 60 % 24, hi % 60)))
    others = [
        BayInput(i, frozenset(draw(st.sets(st.sampled_from(["a", "b"]), max_size=2))))
        for i in draw(st.sets(st.integers(2, 4), max_size=2))
    ]
    bays = (BayInput(1, frozenset({"a"})), *others)
    midnight = dt.datetime.combine(day, T(0), tzinfo=tz).astimezone(UTC)
    busy = []
    for _ in range(draw(st.integers(0, 10))):
        start = midnight + M(minutes=5 * draw(st.integers(-6 * 12, 30 * 12)))
        busy.append(
            Busy(
                draw(st.sampled_from([None, 1, 1, 2, 3])),
                start,
                start + M(minutes=5 * draw(st.integers(1, 36))),
                closure=draw(st.booleans()),
            )
        )
    far = st.just(24 * 60 * 30)
    return {
        "tz": tz,
        "day": day,
        "hours": hours,
        "bays": bays,
        "category": "a",
        "duration": M(minutes=5 * draw(st.integers(1, 48))),
        "busy": busy,
        "now": midnight + M(minutes=5 * draw(st.integers(-2 * 288, 144))),
        "step": M(minutes=draw(st.sampled_from([5, 10, 15, 25, 30, 60]))),
        "min_notice": M(minutes=draw(st.sampled_from([0, 60, 90]))),
        "horizon": M(minutes=draw(far | st.integers(0, 3 * 288).map(lambda n: 5 * n))),
        "buffer": M(minutes=draw(st.sampled_from([0, 10, 15, 30]))),
    }


def _oracle(s: dict) -> dict[dt.datetime, list[int]]:
    """Brute force from the rules as written: every wall minute of the day, every bay, every busy interval."""
    tz, day, step, dur, buf = s["tz"], s["day"], s["step"], s["duration"], s["buffer"]
    out = {}
    for minute in range(24 * 60):
        wall = dt.datetime.combine(day, T(0)) + M(minutes=minute)
        on_grid = False
        for r in s["hours"]:
            for opened_on in (day - dt.timedelta(days=1), day):
                if r.weekday != opened_on.weekday():
                    continue
                opens = dt.datetime.combine(opened_on, r.opens)
                closes = dt.datetime.combine(opened_on + dt.timedelta(days=r.overnight), r.closes)
                on_grid |= opens <= wall < closes and (wall - opens) % step == dt.timedelta(0)
        start = wall.replace(tzinfo=tz).astimezone(UTC)
        if not on_grid or start.astimezone(tz).replace(tzinfo=None) != wall:
            continue
        if not s["now"] + s["min_notice"] <= start < s["now"] + s["horizon"]:
            continue
        if not all(is_open(s["hours"], (start + k * 5 * MINUTES).astimezone(tz)) for k in range(dur // (5 * MINUTES))):
            continue
        free = []
        for bay in sorted(s["bays"], key=lambda b: b.id):
            if s["category"] not in bay.categories:
                continue
            clash = False
            for b in s["busy"]:
                if b.bay_id not in (None, bay.id):
                    continue
                if b.bay_id is None or b.closure:
                    clash |= b.start < start + dur and start < b.end
                else:
                    clash |= b.start < start + dur + buf and start < b.end + buf
            if not clash:
                free.append(bay.id)
        if free:
            out[start] = free
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_list_offers_exactly_what_booking_accepts(s):
    # when
    offered = available_slots(**s)

    # then the list matches a brute-force reading of the rules
    # (keys in UTC: an aware time in a repeated hour never equals one in another zone, PEP 495)
    assert {slot.start.astimezone(UTC): list(slot.free_bay_ids) for slot in offered} == _oracle(s)
    assert [slot.start for slot in offered] == sorted(slot.start for slot in offered)
    check = {k: v for k, v in s.items() if k != "day"}
    for slot in offered:
        assert slot.start.tzinfo is s["tz"] and slot.start.date() == s["day"]
        assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == s["duration"]
        # and booking accepts every offered start with exactly the offered bays
        assert bay_can_take(**check, start=slot.start) == list(slot.free_bay_ids)
    # and refuses every start of the day that is not offered, on the grid or not, either fold of a wall time
    offered_starts = {slot.start.astimezone(UTC) for slot in offered}
    midnight = dt.datetime.combine(s["day"], T(0))
    tried = set()
    for minute in range(0, 24 * 60, 5):
        for fold in (0, 1):
            start = (midnight + M(minutes=minute)).replace(tzinfo=s["tz"], fold=fold).astimezone(UTC)
            if start in tried or start in offered_starts:
                continue
            tried.add(start)
            assert bay_can_take(**check, start=start) == []
