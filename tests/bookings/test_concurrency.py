"""Two requests at once, on real PostgreSQL: the database, not the code, keeps bays from being double-booked."""

import threading

import pytest
from django.db import connection, connections

from bookings.models import LIVE_STATUSES, Booking
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token
from tests.factories import VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(calls):
    """Start every call on its own thread (own DB connection) behind a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.bay_id = b.bay_id AND a.id < b.id
             AND tstzrange(a.start, a.blocks_until) && tstzrange(b.start, b.blocks_until)
             WHERE a.status = ANY(%s) AND b.status = ANY(%s)
            """,
            [list(LIVE_STATUSES), list(LIVE_STATUSES)],
        )
        return cursor.fetchone()[0]


def test_twenty_requests_for_the_last_free_slot():
    # given: three bays, one of them already taken at 10:00, so two are free
    store = make_shop(bays=3)
    start = local(tomorrow(), 10)
    book(another_owner(), store, start)
    clients = []
    for _ in range(20):
        user = another_owner()
        clients.append((ApiClient(issue_token(user)), VehicleFactory(owner=user)))
    body = {"store_id": store.pk, "service_code": "minor_service", "start": start.isoformat()}
    # when
    responses = _run_at_once([lambda c=c, v=v: c.post("bookings", {**body, "vehicle_id": v.pk}) for c, v in clients])
    # then
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 2 and statuses.count(409) == 18, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"slot_unavailable"}
    assert Booking.objects.filter(start=start).count() == 3
    assert len(set(Booking.objects.filter(start=start).values_list("bay_id", flat=True))) == 3
    assert overlapping_pairs() == 0


def test_concurrent_retries_with_one_key_make_one_booking(owner):
    store = make_shop(bays=3)
    car = VehicleFactory(owner=owner)
    token = issue_token(owner)
    body = {"store_id": store.pk, "service_code": "minor_service", "vehicle_id": car.pk}
    body["start"] = local(tomorrow(), 10).isoformat()
    responses = _run_at_once(
        [lambda: ApiClient(token).post("bookings", body, headers={"Idempotency-Key": "tap-tap-tap"}) for _ in range(6)]
    )
    assert {r.status_code for r in responses} == {201}
    assert all(r.json() == responses[0].json() for r in responses)
    assert Booking.objects.count() == 1


def test_reschedules_racing_for_one_slot(owner):
    store = make_shop(bays=1)
    bookings = [book(another_owner(), store, local(tomorrow(), h)) for h in (9, 14, 16)]
    target = local(tomorrow(), 11)

    from bookings import services
    from bookings.exceptions import SlotUnavailable

    def move(b):
        try:
            return services.booking_reschedule(booking_id=b.pk, by=b.owner, start=target).start
        except SlotUnavailable:
            return "taken"

    results = _run_at_once([lambda b=b: move(b) for b in bookings])
    assert results.count("taken") == 2 and target in results
    assert overlapping_pairs() == 0
