"""An owner's default car (POST /me/vehicles/{id}/default): the first car added, then the owner's choice, then the
oldest left when it is removed; one per owner, even when two choices or two first cars come at once."""

import itertools
import threading

import pytest
from django.db import connection

from accounts.models import Vehicle
from accounts.services import vehicle_create, vehicle_set_default
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory

CARS = [
    {"plate": "沪A12345", "make": "大众", "model": "朗逸", "year": 2019},
    {"plate": "沪B6M218", "make": "丰田", "model": "凯美瑞", "year": 2020},
    {"plate": "沪AD12345", "make": "比亚迪", "model": "汉EV", "year": 2022},
]


def _defaults(owner) -> list[str]:
    return list(Vehicle.objects.filter(owner=owner, is_default=True).values_list("plate", flat=True))


@pytest.fixture
def owner_api(owner, make_client):
    return make_client(owner)


@pytest.mark.django_db
def test_the_first_car_added_is_the_default_and_the_list_starts_with_it(owner, owner_api):
    added = [owner_api.post("me/vehicles", car).json() for car in CARS]

    assert [car["is_default"] for car in added] == [True, False, False]
    listed = owner_api.get("me/vehicles").json()["items"]
    assert [car["plate"] for car in listed] == ["沪A12345", "沪B6M218", "沪AD12345"]


@pytest.mark.django_db
def test_an_owner_makes_another_car_the_default_and_it_comes_first(owner, owner_api):
    lavida, camry, _han = (owner_api.post("me/vehicles", car).json() for car in CARS)

    response = owner_api.post(f"me/vehicles/{camry['id']}/default")

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["is_default"]) == (camry["id"], True)
    assert _defaults(owner) == ["沪B6M218"]
    listed = owner_api.get("me/vehicles").json()["items"]
    assert [(car["plate"], car["is_default"]) for car in listed] == [
        ("沪B6M218", True),
        ("沪A12345", False),
        ("沪AD12345", False),
    ]
    # choosing it again changes nothing
    assert owner_api.post(f"me/vehicles/{camry['id']}/default").status_code == 200
    assert _defaults(owner) == ["沪B6M218"]
    assert lavida["is_default"] is True  # it was, before the choice


@pytest.mark.django_db
def test_removing_the_default_makes_the_oldest_car_left_the_default(owner, owner_api):
    _lavida, camry, han = (owner_api.post("me/vehicles", car).json() for car in CARS)
    owner_api.post(f"me/vehicles/{han['id']}/default")

    assert owner_api.delete(f"me/vehicles/{han['id']}").status_code == 204

    assert _defaults(owner) == ["沪A12345"]
    # and removing a car that is not the default leaves the default alone
    assert owner_api.delete(f"me/vehicles/{camry['id']}").status_code == 204
    assert _defaults(owner) == ["沪A12345"]


@pytest.mark.django_db
def test_someone_elses_car_is_404_and_a_visitor_401(owner, owner_api, api):
    stranger = UserFactory(roles=["owner"])
    theirs = vehicle_create(owner=stranger, **CARS[0])
    vehicle_create(owner=stranger, **CARS[1])
    mine = owner_api.post("me/vehicles", CARS[1]).json()

    assert_error(owner_api.post(f"me/vehicles/{theirs.pk + 1}/default"), 404, "not_found")
    assert_error(api.post(f"me/vehicles/{mine['id']}/default"), 401, "not_authenticated")
    assert_error(owner_api.post("me/vehicles/abc/default"), 422, "validation_error")
    assert _defaults(stranger) == ["沪A12345"]


def _at_once(*targets) -> list[object]:
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = target()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_first_cars_added_at_once_are_both_added_and_one_is_the_default():
    owner = UserFactory(roles=["owner"])

    outcomes = _at_once(*(lambda car=car: vehicle_create(owner=owner, **car) for car in CARS))

    assert all(isinstance(outcome, Vehicle) for outcome in outcomes), outcomes
    assert Vehicle.objects.filter(owner=owner).count() == 3
    assert len(_defaults(owner)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_choices_at_once_leave_one_default():
    owner = UserFactory(roles=["owner"])
    cars = [vehicle_create(owner=owner, **car) for car in CARS]

    for first, second in itertools.islice(itertools.permutations(cars, 2), 4):
        outcomes = _at_once(
            lambda a=first: vehicle_set_default(vehicle=a), lambda b=second: vehicle_set_default(vehicle=b)
        )

        assert all(isinstance(outcome, Vehicle) for outcome in outcomes), outcomes
        assert len(_defaults(owner)) == 1
