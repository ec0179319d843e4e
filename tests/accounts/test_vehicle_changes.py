"""PUT and DELETE /me/vehicles/{id}: an owner corrects or removes one of their cars; never someone else's, never one
a booking was made for."""

import pytest

from accounts.exceptions import VehicleInUse
from accounts.models import Vehicle
from accounts.services import vehicle_delete
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

CAMRY = {"plate": "沪B6M218", "make": "丰田", "model": "凯美瑞", "year": 2020, "mileage_km": 30000}


@pytest.fixture
def owner_api(owner, make_client):
    return make_client(owner)


def test_an_owner_corrects_a_car_with_the_rules_of_adding_one(owner, owner_api):
    car = VehicleFactory(owner=owner, plate="沪A12345", make="大众", model="朗逸", year=2019)

    response = owner_api.put(f"me/vehicles/{car.pk}", {**CAMRY, "plate": "沪b 6m218", "tyre_size": "215/55r17"})

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["plate"], body["make"], body["year"], body["tyre_size"]) == (
        car.pk,
        "沪B6M218",
        "丰田",
        2020,
        "215/55R17",
    )
    car.refresh_from_db()
    assert (car.plate, car.model, car.mileage_km) == ("沪B6M218", "凯美瑞", 30000)


def test_a_new_energy_plate_makes_the_car_new_energy(owner, owner_api):
    car = VehicleFactory(owner=owner, plate="沪A12345")

    body = owner_api.put(f"me/vehicles/{car.pk}", {**CAMRY, "plate": "沪AD12345"}).json()

    assert body["is_new_energy"] is True


def test_bad_input_is_422_by_field_and_nothing_changes(owner, owner_api):
    car = VehicleFactory(owner=owner, plate="沪A12345", year=2019)

    response = owner_api.put(f"me/vehicles/{car.pk}", {**CAMRY, "plate": "沪I1234", "year": 1900})

    error = assert_error(response, 422, "validation_error")
    assert set(error["details"]["fields"]) == {"plate", "year"}
    car.refresh_from_db()
    assert (car.plate, car.year) == ("沪A12345", 2019)


def test_the_plate_of_another_of_my_cars_is_409(owner, owner_api):
    VehicleFactory(owner=owner, plate="沪B6M218")
    car = VehicleFactory(owner=owner, plate="沪A12345")

    assert_error(owner_api.put(f"me/vehicles/{car.pk}", CAMRY), 409, "plate_taken")
    car.refresh_from_db()
    assert car.plate == "沪A12345"


def test_keeping_its_own_plate_is_no_conflict(owner, owner_api):
    car = VehicleFactory(owner=owner, plate="沪B6M218")

    assert owner_api.put(f"me/vehicles/{car.pk}", {**CAMRY, "mileage_km": 31000}).status_code == 200


def test_someone_elses_car_is_404_to_change_and_to_remove(owner_api):
    theirs = VehicleFactory(owner=UserFactory(), plate="沪A12345", year=2019)

    assert_error(owner_api.put(f"me/vehicles/{theirs.pk}", CAMRY), 404, "not_found")
    assert_error(owner_api.delete(f"me/vehicles/{theirs.pk}"), 404, "not_found")
    theirs.refresh_from_db()
    assert (theirs.plate, theirs.year) == ("沪A12345", 2019)


def test_signed_out_is_401(api):
    car = VehicleFactory()

    assert_error(api.put(f"me/vehicles/{car.pk}", CAMRY), 401, "not_authenticated")
    assert_error(api.delete(f"me/vehicles/{car.pk}"), 401, "not_authenticated")


def test_an_owner_removes_a_car(owner, owner_api):
    car = VehicleFactory(owner=owner)

    response = owner_api.delete(f"me/vehicles/{car.pk}")

    assert response.status_code == 204
    assert not Vehicle.objects.filter(pk=car.pk).exists()
    assert owner_api.get("me/vehicles").json()["count"] == 0


def test_a_car_with_a_booking_stays(owner, owner_api):
    car = VehicleFactory(owner=owner)
    book(owner, make_shop(), local(tomorrow(), 10), vehicle=car)

    assert_error(owner_api.delete(f"me/vehicles/{car.pk}"), 409, "vehicle_in_use")
    assert Vehicle.objects.filter(pk=car.pk).exists()


def test_the_service_refuses_a_car_with_a_booking_too(owner):
    car = VehicleFactory(owner=owner)
    book(owner, make_shop(), local(tomorrow(), 10), vehicle=car)

    with pytest.raises(VehicleInUse):
        vehicle_delete(vehicle=car)
