"""Two requests at once, on real PostgreSQL: the database, not the code, keeps bays from being double-booked."""

import threading

import pytest
from django.db import connection, connections, transaction

from bookings.models import LIVE_STATUSES, Booking
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token
from tests.factories import UserFactory, VehicleFactory

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


def _waiting_on_a_lock() -> int:
    """Backends of this test database waiting for a lock held by another transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("move", ["create", "reschedule"])
def test_a_booking_waits_for_a_suspension_in_progress_and_is_refused(move):
    """ARCHITECTURE.md: a store that is not active or on probation takes no new booking, whatever runs concurrently
    with its suspension. A booking that read the store as active before the suspension committed must not be made
    (or moved) after it: it waits on the store's row and then sees the suspension."""
    from bookings import services
    from bookings.exceptions import StoreUnavailable
    from catalog.models import Service
    from stores.services import store_status_transition

    # given: a suspension that has changed the store's row and not yet committed
    store = make_shop(bays=2)
    owner = another_owner()
    car = VehicleFactory(owner=owner)
    booked = book(owner, store, local(tomorrow(), 9), vehicle=car)
    qa = UserFactory(roles=["qa"])
    suspended, commit = threading.Event(), threading.Event()

    def suspend():
        try:
            with transaction.atomic():
                store_status_transition(store=store, to_status="suspended", by=qa, reason="审核不合格")
                suspended.set()
                commit.wait(30)
        finally:
            connections.close_all()

    outcome = []

    def booking():
        try:
            if move == "create":
                service = Service.objects.get(code="minor_service")
                services.booking_create(
                    owner=owner, store=store, service=service, vehicle=car, start=local(tomorrow(), 10)
                )
            else:
                services.booking_reschedule(booking_id=booked.pk, by=owner, start=local(tomorrow(), 15))
            outcome.append("done")
        except StoreUnavailable as error:
            outcome.append(error.code)
        finally:
            connections.close_all()

    suspender = threading.Thread(target=suspend)
    suspender.start()
    assert suspended.wait(30)
    # when: the booking runs while the suspension is in progress
    booker = threading.Thread(target=booking)
    booker.start()
    try:
        waited = False
        for _ in range(200):
            if _waiting_on_a_lock():
                waited = True
                break
            booker.join(0.05)
        assert waited and booker.is_alive(), "the booking must wait for the suspension on the store's row"
    finally:
        commit.set()
        suspender.join(60)
        booker.join(60)
    # then: it saw the suspension, and nothing was booked or moved
    assert outcome == ["store_unavailable"]
    assert list(Booking.objects.values_list("pk", "start")) == [(booked.pk, local(tomorrow(), 9))]


def test_bookings_racing_a_suspension_all_commit_before_it_or_are_refused():
    """Twelve bookings and a suspension at once: every booking that exists was committed before the suspension was
    (the suspension's own first look after its commit sees them all); the others are refused."""
    from bookings import services
    from bookings.exceptions import StoreUnavailable
    from catalog.models import Service
    from stores.services import store_status_transition

    store = make_shop(bays=3)
    service = Service.objects.get(code="minor_service")
    qa = UserFactory(roles=["qa"])
    starts = [local(tomorrow(), h) for h in (9, 10, 11, 13, 14, 15)]
    requests = [(another_owner(), start) for start in starts for _ in range(2)]
    requests = [(owner, VehicleFactory(owner=owner), start) for owner, start in requests]

    def make(owner, car, start):
        try:
            services.booking_create(owner=owner, store=store, service=service, vehicle=car, start=start)
            return "booked"
        except StoreUnavailable as error:
            return error.code

    def suspend():
        store_status_transition(store=store, to_status="suspended", by=qa, reason="投诉率过高")
        return Booking.objects.filter(store=store).count()  # what had committed before the suspension did

    calls = [lambda r=r: make(*r) for r in requests]
    results = _run_at_once([*calls[:6], suspend, *calls[6:]])
    seen_at_suspension = results.pop(6)
    assert set(results) <= {"booked", "store_unavailable"}, results
    assert results.count("booked") == Booking.objects.filter(store=store).count() == seen_at_suspension
