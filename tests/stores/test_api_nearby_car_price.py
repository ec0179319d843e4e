"""GET /api/v1/stores/nearby with ``service`` and ``vehicle_id``: each store's price for that car is exactly what
booking it charges; without a car, what it costs at least; a service that is not for the car is said so."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from catalog.models import Service
from catalog.quotes import quote_build
from tests.bookings.conftest import booking_body, make_shop, price_the_minor_service
from tests.catalog.factories import set_price
from tests.chefu.envelope import assert_error
from tests.factories import SHANGHAI, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stores/nearby"
MINOR = "minor_service"


def _search(client, **params) -> dict:
    response = client.get(URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "service": MINOR, **params})
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["items"]}


@pytest.fixture
def shops(db):
    """A shop pricing the minor service for a 朗逸 (¥647 listed: parts by car) and one at a flat ¥299."""
    lavida = make_shop(name="朗逸保养店")
    price_the_minor_service(lavida)
    return lavida, make_shop(name="平价保养店")


def test_without_a_car_each_store_says_what_it_costs_at_least(api, shops):
    lavida, flat = shops

    items = _search(api)

    # the existing field is unchanged: the listed total
    assert items[lavida.pk]["price"] == {"service": MINOR, "total": "647.00"}
    assert items[lavida.pk]["car_price"] == {
        "price_from": "120.00",
        "varies_by_vehicle": True,
        "vehicle_id": None,
        "applies": None,
        "total": None,
        "reason": None,
        "message": None,
    }
    assert items[flat.pk]["car_price"]["price_from"] == "299.00"
    assert items[flat.pk]["car_price"]["varies_by_vehicle"] is False


def test_with_a_car_each_store_shows_what_booking_it_charges(owner_client, owner, shops):
    lavida, flat = shops
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    expected = quote_build(store=lavida, service=Service.objects.get(code=MINOR), vehicle=camry).total
    assert expected != Decimal("647.00")

    items = _search(owner_client, vehicle_id=camry.pk)

    assert items[lavida.pk]["car_price"]["total"] == f"{expected:.2f}"
    assert (items[lavida.pk]["car_price"]["applies"], items[lavida.pk]["car_price"]["vehicle_id"]) == (True, camry.pk)
    assert items[flat.pk]["car_price"]["total"] == "299.00"
    # and booking it charges exactly that
    booked = owner_client.post("bookings", booking_body(lavida, camry))
    assert booked.status_code == 201, booked.json()
    assert booked.json()["quote"]["total"] == items[lavida.pk]["car_price"]["total"]
    assert Booking.objects.get().quote_total == expected


def test_an_electric_car_is_told_the_oil_change_is_not_for_it(owner_client, owner, shops):
    lavida, _flat = shops
    han = VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)
    set_price(lavida, "standard_wash", "45.00")

    minor = _search(owner_client, vehicle_id=han.pk)[lavida.pk]["car_price"]
    wash = _search(owner_client, vehicle_id=han.pk, service="standard_wash")[lavida.pk]["car_price"]

    assert (minor["applies"], minor["total"], minor["reason"]) == (False, None, "needs_engine")
    assert "电动" in minor["message"]
    assert (wash["applies"], wash["total"]) == (True, "45.00")


def test_a_car_needs_its_owner(api, make_client, owner, shops):
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    stranger = make_client(UserFactory(roles=["owner"]))

    where = {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "service": MINOR, "vehicle_id": camry.pk}

    assert_error(api.get(URL, where), 401, "not_authenticated")
    assert_error(stranger.get(URL, where), 404, "not_found")


def test_the_car_prices_cost_the_same_queries_for_one_store_or_many(owner_client, owner, django_assert_max_num_queries):
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    price_the_minor_service(make_shop())
    with CaptureQueriesContext(connection) as one:
        _search(owner_client, vehicle_id=camry.pk)
    for _ in range(4):
        price_the_minor_service(make_shop())

    with django_assert_max_num_queries(len(one)):
        assert len(_search(owner_client, vehicle_id=camry.pk)) == 5


def test_sorting_by_price_with_a_car_ranks_by_what_that_car_is_charged(owner_client, owner, shops):
    # given a flat-priced shop priced between the other's listed total and its quote for a Camry, so that the two
    # orders disagree
    lavida, flat = shops
    camry = VehicleFactory(owner=owner, plate="沪B6M218", make="丰田", model="凯美瑞", year=2020)
    quoted = quote_build(store=lavida, service=Service.objects.get(code=MINOR), vehicle=camry).total
    listed = Decimal("647.00")
    set_price(flat, MINOR, f"{(listed + quoted) / 2:.2f}")
    cheaper_for_the_camry = [lavida.pk, flat.pk] if quoted < listed else [flat.pk, lavida.pk]

    def order(**params) -> list[int]:
        response = owner_client.get(
            URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "service": MINOR, "sort": "price", **params}
        )
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    # then without a car the listed totals rank them, and with the Camry its quotes do
    assert order() == cheaper_for_the_camry[::-1]
    assert order(vehicle_id=camry.pk) == cheaper_for_the_camry


def test_sorting_by_price_a_car_the_service_is_not_for_is_ranked_by_distance(owner_client, owner, shops):
    han = VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)

    response = owner_client.get(
        URL, {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "service": MINOR, "sort": "price", "vehicle_id": han.pk}
    )

    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [item["car_price"]["applies"] for item in items] == [False, False]
    assert [item["distance_m"] for item in items] == sorted(item["distance_m"] for item in items)
