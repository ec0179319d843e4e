"""GET /api/v1/catalog/services: the platform's standard services, optionally of one category."""

import pytest

from catalog.defaults import STANDARD_SERVICES
from catalog.models import Service
from tests.chefu.envelope import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/services"


def test_lists_every_active_standard_service_without_a_token(api):
    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert {s["code"] for s in body} >= {code for code, *_ in STANDARD_SERVICES}
    minor = next(s for s in body if s["code"] == "minor_service")
    assert minor == {
        "code": "minor_service",
        "name": "小保养（机油+机滤）",
        "category": "maintenance",
        "duration_min": 60,
        "kind": "standard",
        "description": "更换发动机机油和机油滤清器，检查灯光、胎压、液位和刹车。",
        "needs_engine": True,
    }


def test_services_come_in_category_order(api):
    categories = [s["category"] for s in api.get(URL).json()]

    order = ["maintenance", "washing", "parts_install", "consignment"]
    assert [c for c in order if c in categories] == order
    assert categories == sorted(categories, key=lambda c: order.index(c) if c in order else len(order))


def test_category_filter(api):
    response = api.get(URL, {"category": "parts_install"})

    assert response.status_code == 200
    assert [s["code"] for s in response.json()] == ["tyre_fitting", "battery_replacement", "wiper_blades", "brake_pads"]


def test_an_unknown_category_is_refused(api):
    error = assert_error(api.get(URL, {"category": "spa"}), 422, "validation_error")

    assert "category" in error["details"]["fields"]


def test_inactive_services_are_not_listed(api):
    Service.objects.filter(code="waxing").update(is_active=False)

    codes = {s["code"] for s in api.get(URL, {"category": "washing"}).json()}

    assert codes == {"standard_wash", "interior_cleaning"}


def test_names_follow_the_requested_language(api):
    body = api.get(URL, {"category": "washing"}, headers={"Accept-Language": "en"}).json()

    assert body[0]["name"] == "Standard wash"
    assert body[0]["description"] == "Exterior wash and dry, wheels cleaned."


def test_one_query(api, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api.get(URL)

    assert response.status_code == 200
