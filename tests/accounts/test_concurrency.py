"""Contended writes on real Postgres: simultaneous registrations and vehicles decided by the unique indexes."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.exceptions import PhoneTaken, PlateTaken
from accounts.models import User, Vehicle
from accounts.services import token_issue, user_register, vehicle_create
from tests.factories import UserFactory

THREADS = 8


def _run_at_once(target: Callable[[], object], threads: int = THREADS) -> list[object]:
    """Run ``target`` in ``threads`` threads released together; each outcome is a result or the exception."""
    barrier = threading.Barrier(threads)
    outcomes: list[object] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait(timeout=10)
            try:
                outcome = target()
            except Exception as exc:
                outcome = exc
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers)
    assert len(outcomes) == threads
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_phone_create_one_user():
    # when
    outcomes = _run_at_once(lambda: user_register(phone="13800138000", password="blue-kettle-sings-7", name="王芳"))

    # then
    users = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, PhoneTaken)]
    assert len(users) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert User.objects.filter(phone="13800138000").count() == 1
    assert User.objects.get(phone="13800138000").pk == users[0].pk


@pytest.mark.django_db(transaction=True)
def test_simultaneous_adds_of_one_plate_for_one_owner_create_one_vehicle():
    # given
    owner = UserFactory()

    # when
    outcomes = _run_at_once(
        lambda: vehicle_create(owner=owner, plate="沪AD12345", make="比亚迪", model="秦", year=2022, mileage_km=1000)
    )

    # then
    vehicles = [o for o in outcomes if isinstance(o, Vehicle)]
    refused = [o for o in outcomes if isinstance(o, PlateTaken)]
    assert len(vehicles) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert Vehicle.objects.filter(owner=owner, plate="沪AD12345").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(settings):
    # given a phone allowed 3 failures; the real hasher, so each check takes a while and guesses overlap
    settings.LOGIN_THROTTLE_MAX_PER_PHONE = 3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = UserFactory(roles=["owner"])

    # when 8 wrong guesses arrive at once
    outcomes = _run_at_once(lambda: token_issue(phone=user.phone, password="wrong-guess", ip="10.0.0.1"))

    # then exactly 3 were checked (401) and the rest refused before hashing (429)
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["InvalidCredentials"] * 3 + ["Throttled"] * 5
