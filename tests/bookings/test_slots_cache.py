"""The cached day lists (bookings/engine.py): the availability list and the soonest-slot search read a store's day
from the cache, keyed by what decides it, so every change to the calendar shows at once, and the cut to ``now``'s
notice and horizon is the same as the engine's own."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from bookings import services
from bookings.engine import Job, StoreCalendar, calendar_for_day, calendars_load, first_slots
from bookings.models import BookingPolicy
from bookings.soonest import next_slots
from catalog.models import Service
from stores import services as store_services
from stores.models import Closure
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow

pytestmark = pytest.mark.django_db

JOB = Job(category="maintenance", duration=dt.timedelta(minutes=60))


def _starts(api, store, day=None) -> list[str]:
    day = day or tomorrow()
    response = api.get(f"stores/{store.pk}/availability", {"service": "minor_service", "date": day.isoformat()})
    assert response.status_code == 200
    return [s["start"] for s in response.json()["slots"]]


def _free(api, store, start: dt.datetime) -> int | None:
    day = start.date()
    response = api.get(f"stores/{store.pk}/availability", {"service": "minor_service", "date": day.isoformat()})
    return {s["start"]: s["free_bays"] for s in response.json()["slots"]}.get(start.isoformat())


def _counting(monkeypatch, name: str, owner=StoreCalendar) -> list:
    """Calls of ``owner.name`` from now on, each still made."""
    calls, real = [], getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_the_list_is_kept_in_the_cache_and_read_back(api, shop, monkeypatch):
    computed = _counting(monkeypatch, "_every_slot")
    first = _starts(api, shop)
    assert len(cache.keys(f"slots:*:{shop.pk}:*")) == 1 and len(computed) == 1
    assert _starts(api, shop) == first
    assert len(computed) == 1  # read back, not computed again


def test_every_change_to_the_calendar_shows_at_once(api, shop):
    ten = local(tomorrow(), 10)
    assert _free(api, shop, ten) == 2
    booking = book(another_owner(), shop, ten)
    assert _free(api, shop, ten) == 1  # a booking
    services.booking_cancel(booking_id=booking.pk, by=booking.owner, reason="plans changed")
    assert _free(api, shop, ten) == 2  # its cancellation
    bay = shop.bays.order_by("id").first()
    Closure.objects.create(store=shop, bay=bay, starts_at=ten, ends_at=local(tomorrow(), 11), reason="lift repair")
    assert _free(api, shop, ten) == 1  # a bay's closure
    store_services.opening_hours_replace(
        store=shop, rows=[{"weekday": d, "opens": "11:00", "closes": "18:00"} for d in range(7)]
    )
    assert _free(api, shop, ten) is None  # the hours
    assert _starts(api, shop)[0] == local(tomorrow(), 11).isoformat()
    services.booking_policy_set(store=shop, slot_step_min=60)
    assert local(tomorrow(), 11, 15).isoformat() not in _starts(api, shop)  # the booking rules


def test_a_cached_list_is_cut_to_the_notice_of_each_request():
    """Whatever time the list was cached at, each request gets exactly what the engine computes for its own now."""
    store = make_shop(bays=2)
    BookingPolicy.objects.create(store=store, min_notice_min=90, buffer_min=10, horizon_days=2)
    day = timezone.localdate()
    for hh, mm in [(9, 0), (13, 30), (16, 15)]:
        book(another_owner(), store, local(day + dt.timedelta(days=1), hh, mm))
    for offset in range(3):
        target = day + dt.timedelta(days=offset)
        calendar = calendar_for_day(store=store, day=target)
        for minutes in range(0, 3 * 24 * 60, 50):  # nows across three days, past the horizon's edge too
            now = local(day, 0) + dt.timedelta(minutes=minutes)
            assert calendar.day_slots(day=target, job=JOB, now=now) == calendar.slots(day=target, job=JOB, now=now)


def test_the_soonest_slot_of_many_stores_matches_the_engine_day_by_day():
    stores = [make_shop(bays=1) for _ in range(4)]
    day = tomorrow()
    # The first store is full tomorrow morning, the second closed all tomorrow, the fourth all week.
    for hh in (9, 10, 11):
        book(another_owner(), stores[0], local(day, hh))
    Closure.objects.create(store=stores[1], starts_at=local(day, 0), ends_at=local(day, 23, 59), reason="x")
    Closure.objects.create(
        store=stores[3], starts_at=local(day, 0), ends_at=local(day + dt.timedelta(days=7), 0), reason="x"
    )
    now = local(day, 7)
    found = next_slots(stores=stores, service=Service.objects.get(code="minor_service"), now=now)
    for store in stores:
        calendar = calendars_load(stores=[store], start=now, end=now + dt.timedelta(days=31))[store.pk]
        slot = calendar.next_slot(job=JOB, now=now)
        assert found[store.pk] == (slot.start if slot else None)
    assert found[stores[0].pk] == local(day, 13) and found[stores[1].pk] == local(day + dt.timedelta(days=1), 9)
    assert found[stores[3].pk] == local(day + dt.timedelta(days=7), 9)  # beyond the near days: the whole horizon
    # Asked again, from the cache: the same answer.
    assert next_slots(stores=stores, service=Service.objects.get(code="minor_service"), now=now) == found


def test_first_slots_reads_one_batch_a_day(django_assert_max_num_queries, monkeypatch):
    stores = [make_shop(bays=1) for _ in range(3)]
    # The third store is closed tomorrow: its search goes on to the day after.
    Closure.objects.create(store=stores[2], starts_at=local(tomorrow(), 0), ends_at=local(tomorrow(), 23), reason="x")
    now = local(tomorrow(), 7)
    calendars = calendars_load(stores=stores, start=now, end=now + dt.timedelta(days=3))
    jobs = {store.pk: JOB for store in stores}
    reads = _counting(monkeypatch, "get_many", owner=cache)
    with django_assert_max_num_queries(0):  # the calendars are loaded: the search is the cache and Python
        found = first_slots(calendars.values(), jobs, now=now, until=now + dt.timedelta(days=2))
    day_after = tomorrow() + dt.timedelta(days=1)
    assert [found[s.pk].start for s in stores] == [local(tomorrow(), 9)] * 2 + [local(day_after, 9)]
    assert [len(keys) for (keys,) in reads] == [3, 1]  # one batch a day searched: three stores, then one
    assert len(cache.keys("slots:*")) == 4


def test_without_the_cache_the_lists_are_computed(api, shop, settings, caplog):
    """Redis down (a port nothing listens on): the list and the search answer as before, from the database."""
    expected = _starts(api, shop)
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    assert _starts(api, shop) == expected
    now = local(tomorrow(), 7)
    found = next_slots(stores=[shop], service=Service.objects.get(code="minor_service"), now=now)
    assert found == {shop.pk: local(tomorrow(), 9)}
    assert "computed without the cache" in caplog.text
