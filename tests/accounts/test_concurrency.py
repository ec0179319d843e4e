"""Contended writes on real Postgres: simultaneous registrations and vehicles decided by the unique indexes."""

import queue
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.exceptions import InvalidCode, PhoneTaken, PlateTaken
from accounts.models import SmsCode, User, Vehicle
from accounts.services import sms_code_send, token_issue, user_create, user_register, vehicle_create
from tests.accounts.hashers import CountingPBKDF2PasswordHasher
from tests.conftest import ApiClient
from tests.factories import UserFactory, sms_code_sent

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
def test_simultaneous_creations_of_one_phone_create_one_user():
    # when (operators' path, no code: the unique index decides)
    outcomes = _run_at_once(lambda: user_create(phone="13800138000", password="blue-kettle-sings-7", name="王芳"))

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
    # given a phone allowed 3 failures from an address; the real hasher, so each check takes a while and guesses overlap
    settings.LOGIN_THROTTLE_MAX_PER_PHONE_IP = 3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = UserFactory(roles=["owner"])

    # when 8 wrong guesses arrive at once
    outcomes = _run_at_once(lambda: token_issue(phone=user.phone, password="wrong-guess", ip="10.0.0.1"))

    # then exactly 3 were checked (401) and the rest refused before hashing (429)
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["InvalidCredentials"] * 3 + ["Throttled"] * 5


def _register(code: str, ip: str = "10.0.0.1") -> User:
    return user_register(phone="13800138000", code=code, password="blue-kettle-sings-7", name="王芳", ip=ip)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_with_one_code_create_one_user():
    # given
    sms_code_send(phone="13800138000", purpose="register", ip="127.0.0.1")
    code = sms_code_sent("13800138000")

    # when
    outcomes = _run_at_once(lambda: _register(code))

    # then one wins; the others find the phone taken or the code used
    users = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, PhoneTaken | InvalidCode)]
    assert len(users) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert User.objects.filter(phone="13800138000").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_get_no_more_tries_than_the_limit():
    # given a code asked for from the address the tries come from
    sms_code_send(phone="13800138000", purpose="register", ip="10.0.0.1")
    code = sms_code_sent("13800138000")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # when 8 wrong tries arrive at once
    outcomes = _run_at_once(lambda: _register(wrong))

    # then 3 were counted, and the right code no longer works
    assert all(isinstance(o, InvalidCode) for o in outcomes), outcomes
    assert SmsCode.objects.get(phone="13800138000").attempts == 3
    with pytest.raises(InvalidCode):
        _register(code)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_from_strangers_leave_the_requesters_code_alive():
    # given a code the owner asked for from their address
    sms_code_send(phone="13800138000", purpose="register", ip="10.0.0.1")
    code = sms_code_sent("13800138000")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # 6 strangers at addresses of their own, and 2 typos of the owner's, all at once
    addresses: queue.SimpleQueue[str] = queue.SimpleQueue()
    for address in [f"203.0.113.{n}" for n in range(6)] + ["10.0.0.1"] * 2:
        addresses.put(address)

    # when
    outcomes = _run_at_once(lambda: _register(wrong, ip=addresses.get()))

    # then the strangers had 3 tries between them, the owner spent 2 of theirs
    assert all(isinstance(o, InvalidCode) for o in outcomes), outcomes
    record = SmsCode.objects.get(phone="13800138000")
    assert (record.attempts, record.other_attempts) == (2, 3)
    # a stranger who now has the right code is refused: the others' tries are used up
    with pytest.raises(InvalidCode):
        _register(code, ip="203.0.113.99")
    # and the owner's third try, with the right code, registers
    assert _register(code).phone == "13800138000"


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_a_taken_phone_answer_409_at_once_without_hashing(settings):
    # given a taken phone, and the real hasher (about a second per hash on this machine when six run at once)
    settings.PASSWORD_HASHERS = ["tests.accounts.hashers.CountingPBKDF2PasswordHasher"]
    taken = UserFactory()
    CountingPBKDF2PasswordHasher.calls = 0
    payload = {"phone": taken.phone, "code": "123456", "password": "blue-kettle-sings-7", "name": "王芳"}

    # when six registrations of it arrive at once
    outcomes = _run_at_once(lambda: ApiClient().post("auth/register", payload).status_code, threads=6)

    # then every one is a 409 and no password was hashed, so none waited on a hash (counting the hasher's calls,
    # not the wall clock, which a busy machine stretches)
    assert outcomes == [409] * 6
    assert CountingPBKDF2PasswordHasher.calls == 0
