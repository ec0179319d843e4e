"""Read-your-writes on a lagging replica: run by tests/chefu/test_replica.py against a private primary and its
streaming replica (scripts/replica.sh), with ``DATABASE_URL``, ``DATABASE_REPLICA_URL`` and ``TEST_REPLICA=1``.
The replica's replay is paused (``pg_wal_replay_pause()``) while a user writes through the API: the user's next
requests must show their write, an anonymous reader must still get the replica's older state.

Not collected by the suite (not ``test_*``): the whole run needs a replica, which only that test sets up.
"""

import time

import pytest
from django.conf import settings
from django.db import connections

from accounts.models import Vehicle
from bookings.engine import calendars_load
from bookings.models import Booking
from chefu.db_router import read_alias
from stores.models import Store
from tests.bookings.conftest import booking_body, local, make_shop, tomorrow
from tests.conftest import ApiClient, issue_token
from tests.factories import UserFactory, VehicleFactory

pytestmark = [
    pytest.mark.skipif("replica" not in settings.DATABASES, reason="needs DATABASE_REPLICA_URL and TEST_REPLICA=1"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

CAR = {"plate": "沪A12345", "make": "大众", "model": "朗逸", "year": 2019}


def _one(alias: str, sql: str):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def caught_up(timeout: float = 20.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    target = _one("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while _one("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") is not True:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@pytest.fixture
def paused():
    """The replica lagging: everything written before is there, nothing written during the test until resumed."""
    assert _one("replica", "SELECT pg_is_in_recovery()") is True
    caught_up()
    _one("replica", "SELECT pg_wal_replay_pause()::text")
    yield
    _one("replica", "SELECT pg_wal_replay_resume()::text")


def resume() -> None:
    _one("replica", "SELECT pg_wal_replay_resume()::text")
    caught_up()


def test_a_user_sees_their_new_car_on_every_device_while_the_replica_lags(request):
    # given an owner signed in on two devices, and the replica lagging
    owner = UserFactory(roles=["owner"])
    phone, tablet = ApiClient(issue_token(owner)), ApiClient(issue_token(owner))
    request.getfixturevalue("paused")
    # when they add a car on the phone
    added = phone.post("me/vehicles", CAR)
    assert added.status_code == 201, added.content
    # then the replica does not have it yet, and yet both devices list it (their reads are on the primary)
    assert not Vehicle.objects.using("replica").filter(pk=added.json()["id"]).exists()
    assert [v["plate"] for v in phone.get("me/vehicles").json()["items"]] == [CAR["plate"]]
    assert [v["plate"] for v in tablet.get("me/vehicles").json()["items"]] == [CAR["plate"]]


def test_a_booking_shows_in_its_owners_availability_and_not_yet_in_a_strangers(request):
    # given a shop with two bays and an owner with a car, and the replica lagging
    shop = make_shop()
    owner = UserFactory(roles=["owner"])
    car = VehicleFactory(owner=owner)
    client, stranger = ApiClient(issue_token(owner)), ApiClient()
    request.getfixturevalue("paused")
    query = {"service": "minor_service", "date": tomorrow().isoformat()}

    def free_bays_at_ten(api: ApiClient) -> int:
        response = api.get(f"stores/{shop.pk}/availability", query)
        assert response.status_code == 200, response.content
        ten = local(tomorrow(), 10).isoformat()
        return next(s["free_bays"] for s in response.json()["slots"] if s["start"] == ten)

    # when the owner books 10:00 tomorrow
    booked = client.post("bookings", booking_body(shop, car, hour=10))
    assert booked.status_code == 201, booked.content
    # then the owner's next reads, the public availability (the engine's raw SQL) included, are on the primary
    assert client.get(f"bookings/{booked.json()['id']}").status_code == 200
    assert free_bays_at_ten(client) == 1
    # while a stranger's are on the replica, which has not replayed the booking yet: the replica is really used
    assert not Booking.objects.using("replica").filter(pk=booked.json()["id"]).exists()
    assert free_bays_at_ten(stranger) == 2
    # and once the replica catches up the stranger sees it too
    resume()
    assert free_bays_at_ten(stranger) == 1


def test_stickiness_ends_after_replica_sticky_s(request, settings):
    # given a user's write while the replica lags, with a 1-second stickiness
    settings.REPLICA_STICKY_S = 1
    owner = UserFactory(roles=["owner"])
    client = ApiClient(issue_token(owner))
    request.getfixturevalue("paused")
    assert client.post("me/vehicles", CAR).status_code == 201
    assert len(client.get("me/vehicles").json()["items"]) == 1
    # when the stickiness is over: their reads are back on the replica (which must not lag that long in production)
    time.sleep(1.2)
    assert client.get("me/vehicles").json()["items"] == []


def test_outside_a_request_reads_are_on_the_primary(request):
    # given a store written while the replica lags
    request.getfixturevalue("paused")
    shop = make_shop()
    # then tasks, commands and services (no web request) read it: the primary
    assert read_alias(Store) == "default"
    assert Store.objects.filter(pk=shop.pk).exists()
    assert not Store.objects.using("replica").filter(pk=shop.pk).exists()
    assert set(calendars_load(stores=[shop], start=local(tomorrow(), 0), end=local(tomorrow(), 23))) == {shop.pk}


def test_the_nearby_search_reads_the_replica(request):
    # given one store, then the replica lagging, then a second store opening nearby (a write outside any request)
    first = make_shop()
    request.getfixturevalue("paused")
    second = make_shop()
    stranger = ApiClient()

    def found() -> set[int]:
        response = stranger.get("/api/v1/stores/nearby", {"lat": 31.23, "lng": 121.47})
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    # then the search (chefu.prepared's compiled query) answers from the replica until it replays the second store
    assert found() == {first.pk}
    resume()
    assert found() == {first.pk, second.pk}
