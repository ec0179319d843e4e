"""GET /api/v1/catalog/vehicle-makes: the makes and models the catalogue has specs for, what the vehicle form picks."""

import pytest

from catalog.models import VehicleSpec
from tests.chefu.envelope import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/vehicle-makes"


def test_lists_makes_with_their_models_and_years_without_a_token(api, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api.get(URL)

    assert response.status_code == 200
    makes = {m["name"]: m["models"] for m in response.json()}
    assert makes.keys() == set(VehicleSpec.objects.values_list("make", flat=True))
    camry = next(m for m in makes["丰田"] if m["name"] == "凯美瑞")
    spec = VehicleSpec.objects.get(make="丰田", model="凯美瑞")
    assert camry == {"name": "凯美瑞", "year_from": spec.year_from, "year_to": spec.year_to}


def test_a_model_spread_over_several_specs_covers_all_their_years(api):
    # given a second spec row for an older generation
    VehicleSpec.objects.create(make="丰田", model="凯美瑞", year_from=2006, year_to=2011)

    models = next(m["models"] for m in api.get(URL).json() if m["name"] == "丰田")

    camry = [m for m in models if m["name"] == "凯美瑞"]
    assert len(camry) == 1
    assert camry[0]["year_from"] == 2006


def test_one_make(api):
    response = api.get(URL, {"make": "比亚迪"})

    assert response.status_code == 200
    assert [m["name"] for m in response.json()] == ["比亚迪"]
    assert api.get(URL, {"make": "没有这个牌子"}).json() == []


def test_a_make_too_long_is_a_validation_error(api):
    error = assert_error(api.get(URL, {"make": "x" * 41}), 422, "validation_error")

    assert "make" in error["details"]["fields"]
