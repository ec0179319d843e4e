"""GET /api/v1/catalog/parts: the catalogue, and with ``vehicle_id`` only what fits the caller's vehicle."""

import pytest

from catalog.models import Part, PartType
from tests.chefu.envelope import assert_error
from tests.conftest import ApiClient
from tests.factories import VehicleFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/parts"
FIELDS = {"sku", "name", "brand", "spec", "list_price", "unit", "part_type", "tyre_size"}


@pytest.fixture
def passat(owner):
    return VehicleFactory(owner=owner, make="大众", model="帕萨特", year=2018, tyre_size="235/45R18")


@pytest.fixture
def han_ev(owner):
    return VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)


# --- without a vehicle: the public catalogue ------------------------------------------------------------


def test_lists_every_active_part_without_a_token(api):
    Part.objects.filter(sku="OIL-GWJJ-5W40").update(is_active=False)

    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert len(body) == Part.objects.filter(is_active=True).count()
    assert "OIL-GWJJ-5W40" not in {p["sku"] for p in body}
    assert all(set(p) == FIELDS for p in body)


def test_part_shape_with_money_as_a_string(api):
    body = {p["sku"]: p for p in api.get(URL).json()}

    assert body["TYR-MICH-PRIM4-2055516"] == {
        "sku": "TYR-MICH-PRIM4-2055516",
        "name": "米其林 浩悦4 PRIMACY 4 205/55R16 91W",
        "brand": "米其林 Michelin",
        "spec": "205/55R16 91W",
        "list_price": "699.00",
        "unit": "条",
        "part_type": "tyre",
        "tyre_size": "205/55R16",
    }
    assert body["OIL-MOB1-0W20"]["list_price"] == "128.00"
    assert body["OIL-MOB1-0W20"]["tyre_size"] is None


def test_category_filter(api):
    body = api.get(URL, {"category": "washing"}).json()

    assert body
    assert {p["part_type"] for p in body} == {PartType.CARE}


@pytest.mark.parametrize("params", [{"category": "spa"}, {"category": "parts"}])
def test_an_unknown_category_is_refused(api, params):
    error = assert_error(api.get(URL, params), 422, "validation_error")

    assert "category" in error["details"]["fields"]


def test_a_constant_number_of_queries(api, django_assert_num_queries):
    with django_assert_num_queries(2):  # the category check, the parts
        response = api.get(URL, {"category": "parts_install"})

    assert response.status_code == 200


# --- for one of the caller's vehicles ------------------------------------------------------------------


def test_only_what_fits_the_vehicle(owner_client, passat):
    response = owner_client.get(URL, {"vehicle_id": passat.id})

    assert response.status_code == 200
    skus = {p["sku"] for p in response.json()}
    assert {"TYR-MICH-PRIM4-2354518", "OFL-MANN-EA888", "AFL-BOSC-PASSAT", "OIL-MOB1-0W20"} <= skus
    assert not {"TYR-MICH-PRIM4-2055516", "OFL-MANN-EA211", "AFL-BOSC-LAVIDA", "REF-HONE-R1234YF-500G"} & skus
    tyres = [p for p in response.json() if p["part_type"] == "tyre"]
    assert {t["tyre_size"] for t in tyres} == {"235/45R18"}


def test_vehicle_and_category_together(owner_client, han_ev):
    body = owner_client.get(URL, {"vehicle_id": han_ev.id, "category": "maintenance"}).json()

    types = {p["part_type"] for p in body}
    assert types == {"cabin_filter", "brake_fluid", "refrigerant"}


def test_a_vehicle_needs_a_token(api, passat):
    assert_error(api.get(URL, {"vehicle_id": passat.id}), 401, "not_authenticated")


def test_a_bad_token_is_refused_for_a_vehicle(passat):
    response = ApiClient("not-a-token").get(URL, {"vehicle_id": passat.id})

    assert_error(response, 401, "not_authenticated")


def test_another_owners_vehicle_is_not_found(owner_client):
    theirs = VehicleFactory()

    assert_error(owner_client.get(URL, {"vehicle_id": theirs.id}), 404, "not_found")
    assert_error(owner_client.get(URL, {"vehicle_id": 999_999}), 404, "not_found")


@pytest.mark.parametrize("vehicle_id", ["0", "abc"])
def test_a_malformed_vehicle_id_is_refused(owner_client, vehicle_id):
    error = assert_error(owner_client.get(URL, {"vehicle_id": vehicle_id}), 422, "validation_error")

    assert "vehicle_id" in error["details"]["fields"]


def test_fitting_list_costs_the_same_queries_for_any_vehicle(owner_client, passat, han_ev, django_assert_num_queries):
    owner_client.get(URL, {"vehicle_id": passat.id})  # warm the token's last-used stamp

    # token, vehicle, spec, parts
    with django_assert_num_queries(4):
        assert owner_client.get(URL, {"vehicle_id": passat.id}).status_code == 200
    with django_assert_num_queries(4):
        assert owner_client.get(URL, {"vehicle_id": han_ev.id}).status_code == 200
