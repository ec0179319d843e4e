"""GET /api/v1/stores/{id}/prices and the partner's offering editor (PUT/DELETE
/api/v1/partner/stores/{id}/offerings/{code}): shapes, money strings, reference bands, who may edit,
refusals through HTTP, and a constant number of queries."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Offering, OfferingPartLine, OfferingVersion, ReferencePrice, Service
from catalog.pricing import offering_set_price
from stores.services import membership_add
from tests.catalog.factories import PartFactory
from tests.chefu.envelope import assert_error
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

MINOR = "minor_service"
WASH = "standard_wash"


def prices_url(store_id: int) -> str:
    return f"/api/v1/stores/{store_id}/prices"


def offering_url(store_id: int, code: str = MINOR) -> str:
    return f"/api/v1/partner/stores/{store_id}/offerings/{code}"


def _counts() -> tuple[int, int, int]:
    return Offering.objects.count(), OfferingVersion.objects.count(), OfferingPartLine.objects.count()


def _fields(response) -> dict[str, list[str]]:
    return assert_error(response, 422, "validation_error")["details"]["fields"]


@pytest.fixture
def oil():
    return PartFactory(sku="OIL-0W20", name="全合成机油 0W-20 1L")


@pytest.fixture
def filt():
    return PartFactory(sku="FILTER-01", name="机油滤清器", part_type="oil_filter", unit="个")


OIL_CHANGE = {
    "labour": "120.00",
    "parts": [
        {"sku": "OIL-0W20", "qty": "4.5", "unit_price": "68.00"},
        {"sku": "FILTER-01", "qty": 1, "unit_price": "45.00"},
    ],
    "duration_min": 60,
}


# --- PUT: the new version ----------------------------------------------------------------------------------


def test_manager_sets_a_price(store, manager, manager_client, oil, filt):
    response = manager_client.put(offering_url(store.id), OIL_CHANGE)

    assert response.status_code == 200, response.content
    body = response.json()
    offering = Offering.objects.get(store=store, service_id=MINOR)
    assert body["offering_id"] == offering.id
    assert body["service"] == {"code": MINOR, "name": Service.objects.get(code=MINOR).name, "category": "maintenance"}
    assert body["labour"] == "120.00"
    assert body["parts"] == [
        {"sku": "OIL-0W20", "name": "全合成机油 0W-20 1L", "qty": "4.5", "unit_price": "68.00", "amount": "306.00"},
        {"sku": "FILTER-01", "name": "机油滤清器", "qty": "1", "unit_price": "45.00", "amount": "45.00"},
    ]
    assert body["total"] == "471.00"
    assert body["duration_min"] == 60
    assert body["version"] == 1
    assert body["updated_at"].endswith("+08:00")
    assert body["reference"] is None
    assert offering.current.created_by == manager


def test_money_given_as_json_numbers_is_read_exactly(store, manager_client, oil, filt):
    # 19.99 and 0.1 have no exact binary float; they must arrive as 19.99 and 0.10, not 19.989999….
    response = manager_client.put(
        offering_url(store.id),
        {"labour": 19.99, "parts": [{"sku": "OIL-0W20", "qty": 4.5, "unit_price": 0.1}], "duration_min": 60},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["labour"], response.json()["total"]) == ("19.99", "20.44")


def test_float_with_more_than_two_decimals_is_refused(store, manager_client, oil):
    before = _counts()

    response = manager_client.put(
        offering_url(store.id),
        {"labour": 0.1 + 0.2, "parts": [{"sku": "OIL-0W20", "qty": 1, "unit_price": 68.005}], "duration_min": 60},
    )

    assert set(_fields(response)) == {"labour", "parts.0.unit_price"}
    assert _counts() == before


def test_put_answers_the_reference_band_of_the_city(store, manager_client, oil, filt):
    ReferencePrice.objects.create(
        service_id=MINOR,
        city=store.city,
        p25=Decimal("300.00"),
        median=Decimal("400.00"),
        p75=Decimal("500.00"),
        sample_size=8,
    )

    body = manager_client.put(offering_url(store.id), OIL_CHANGE).json()

    # 471 / 400 − 1 = 0.1775
    assert body["reference"] == {"p25": "300.00", "median": "400.00", "p75": "500.00", "deviation": "0.1775"}


def test_unchanged_price_answers_the_version_in_force(store, manager_client, oil, filt):
    first = manager_client.put(offering_url(store.id), OIL_CHANGE).json()
    before = _counts()

    again = manager_client.put(offering_url(store.id), OIL_CHANGE)

    assert again.status_code == 200
    assert again.json() == first
    assert _counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"labour": "-1.00"}, "labour"),
        ({"labour": "120.005"}, "labour"),
        ({"labour": "abc"}, "labour"),
        ({"labour": "NaN"}, "labour"),
        ({"duration_min": 62}, "duration_min"),
        ({"duration_min": 0}, "duration_min"),
        ({"duration_min": 1445}, "duration_min"),
        ({"parts": [{"sku": "OIL-0W20", "qty": "0", "unit_price": "68.00"}]}, "parts.0.qty"),
        ({"parts": [{"sku": "OIL-0W20", "qty": "-2", "unit_price": "68.00"}]}, "parts.0.qty"),
        ({"parts": [{"sku": "OIL-0W20", "qty": "4.555", "unit_price": "68.00"}]}, "parts.0.qty"),
        ({"parts": [{"sku": "OIL-0W20", "qty": "4", "unit_price": "-68.00"}]}, "parts.0.unit_price"),
        ({"parts": [{"sku": "OIL-0W20", "qty": "4", "unit_price": "68.001"}]}, "parts.0.unit_price"),
        ({"parts": [{"sku": "NOPE", "qty": "4", "unit_price": "68.00"}]}, "parts.0.sku"),
        (
            {
                "parts": [
                    {"sku": "OIL-0W20", "qty": "4", "unit_price": "68.00"},
                    {"sku": "WAX-01", "qty": "1", "unit_price": "1"},
                ]
            },
            "parts.1.sku",
        ),
        ({"parts": [{"sku": "OIL-0W20", "qty": "4"}]}, "parts.0.unit_price"),
        ({"duration_min": None}, "duration_min"),
    ],
)
def test_refusals_through_the_api(store, manager_client, oil, change, field):
    PartFactory(sku="WAX-01", part_type="care", category=Category.objects.get(code="washing"))
    body = {"labour": "120.00", "parts": [], "duration_min": 60, **change}
    before = _counts()

    response = manager_client.put(offering_url(store.id), body)

    assert field in _fields(response)
    assert _counts() == before


def test_a_service_the_bays_cannot_do_is_refused(store, manager_client):
    response = manager_client.put(offering_url(store.id, "tyre_fitting"), {"labour": "30.00", "duration_min": 30})

    assert set(_fields(response)) == {"service_code"}
    assert not Offering.objects.exists()


def test_a_retired_service_is_refused(store, manager_client):
    Service.objects.filter(code=MINOR).update(is_active=False)

    response = manager_client.put(offering_url(store.id), {"labour": "100.00", "duration_min": 60})

    assert set(_fields(response)) == {"service_code"}


def test_an_unknown_service_is_not_found(store, manager_client):
    response = manager_client.put(offering_url(store.id, "no_such_service"), {"labour": "100.00", "duration_min": 60})

    assert_error(response, 404, "not_found")


# --- who may edit -------------------------------------------------------------------------------------------


def _staff_client(store, role, make_client):
    user = UserFactory()
    membership_add(store=store, user=user, role=role)
    return make_client(user)


def test_only_the_stores_manager_may_edit(store, manager_client, owner_client, make_client, api):
    body = {"labour": "100.00", "duration_min": 60}
    other_store = StoreFactory()

    assert manager_client.put(offering_url(store.id), body).status_code == 200
    assert_error(
        _staff_client(store, "advisor", make_client).put(offering_url(store.id), body), 403, "permission_denied"
    )
    assert_error(
        _staff_client(store, "technician", make_client).put(offering_url(store.id), body), 403, "permission_denied"
    )
    assert_error(_staff_client(other_store, "manager", make_client).put(offering_url(store.id), body), 404, "not_found")
    assert_error(owner_client.put(offering_url(store.id), body), 404, "not_found")
    assert_error(api.put(offering_url(store.id), body), 401, "not_authenticated")
    assert_error(manager_client.put(offering_url(999_999), body), 404, "not_found")
    assert OfferingVersion.objects.count() == 1


def test_only_the_stores_manager_may_deactivate(store, manager, manager_client, owner_client, make_client, api):
    offering_set_price(
        store=store, service=Service.objects.get(code=MINOR), by=manager, labour="99.00", parts=[], duration_min=60
    )
    url = offering_url(store.id)

    assert_error(_staff_client(store, "advisor", make_client).delete(url), 403, "permission_denied")
    assert_error(_staff_client(store, "technician", make_client).delete(url), 403, "permission_denied")
    assert_error(_staff_client(StoreFactory(), "manager", make_client).delete(url), 404, "not_found")
    assert_error(owner_client.delete(url), 404, "not_found")
    assert_error(api.delete(url), 401, "not_authenticated")
    assert_error(manager_client.delete(offering_url(999_999)), 404, "not_found")
    assert Offering.objects.get(store=store).is_active
    assert manager_client.delete(url).status_code == 200


def test_a_platform_admin_may_edit(store):
    from tests.conftest import ApiClient, issue_token

    admin = UserFactory(roles=["admin"])

    response = ApiClient(issue_token(admin)).put(offering_url(store.id), {"labour": "100.00", "duration_min": 60})

    assert response.status_code == 200


# --- DELETE -------------------------------------------------------------------------------------------------


def test_deactivate_hides_the_price_and_keeps_the_versions(store, manager_client, api, oil, filt):
    manager_client.put(offering_url(store.id), OIL_CHANGE)
    manager_client.put(offering_url(store.id, WASH), {"labour": "39.00", "duration_min": 30})
    offering = Offering.objects.get(store=store, service_id=MINOR)

    response = manager_client.delete(offering_url(store.id))

    assert response.status_code == 200
    assert response.json() == {
        "offering_id": offering.id,
        "service": {"code": MINOR, "name": offering.service.name, "category": "maintenance"},
        "is_active": False,
    }
    assert [p["service"]["code"] for p in api.get(prices_url(store.id)).json()] == [WASH]
    versions = api.get(f"{prices_url(store.id)}/{offering.id}/versions").json()
    assert [v["version"] for v in versions["items"]] == [1]
    assert versions["items"][0]["is_current"] is False


def test_deactivating_what_was_never_priced_is_not_found(store, manager_client):
    assert_error(manager_client.delete(offering_url(store.id)), 404, "not_found")
    assert_error(manager_client.delete(offering_url(store.id, "no_such_service")), 404, "not_found")


def test_a_new_put_reactivates(store, manager_client, api):
    manager_client.put(offering_url(store.id), {"labour": "100.00", "duration_min": 60})
    manager_client.delete(offering_url(store.id))

    response = manager_client.put(offering_url(store.id), {"labour": "100.00", "duration_min": 60})

    assert response.json()["version"] == 2
    assert [p["version"] for p in api.get(prices_url(store.id)).json()] == [2]


# --- GET /stores/{id}/prices ---------------------------------------------------------------------------------


def test_prices_is_a_bare_list_of_the_prices_in_force(store, manager_client, api, oil, filt):
    manager_client.put(offering_url(store.id, WASH), {"labour": "39.00", "duration_min": 30})
    put = manager_client.put(offering_url(store.id), OIL_CHANGE).json()

    response = api.get(prices_url(store.id))

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    # Catalogue order: maintenance before washing.
    assert [p["service"]["code"] for p in body] == [MINOR, WASH]
    assert body[0] == put
    assert body[1]["parts"] == []
    assert body[1]["total"] == "39.00"


def test_prices_carry_the_band_and_the_deviation(store, manager_client, api):
    ReferencePrice.objects.create(
        service_id=WASH,
        city=store.city,
        p25=Decimal("30.00"),
        median=Decimal("40.00"),
        p75=Decimal("50.00"),
        sample_size=4,
    )
    # A band of another city is not this store's.
    ReferencePrice.objects.create(
        service_id=MINOR, city="北京", p25=Decimal("1.00"), median=Decimal("2.00"), p75=Decimal("3.00"), sample_size=1
    )
    manager_client.put(offering_url(store.id, WASH), {"labour": "45.00", "duration_min": 30})
    manager_client.put(offering_url(store.id), {"labour": "36.00", "duration_min": 60})

    body = {p["service"]["code"]: p for p in api.get(prices_url(store.id)).json()}

    assert body[WASH]["reference"] == {"p25": "30.00", "median": "40.00", "p75": "50.00", "deviation": "0.1250"}
    assert body[MINOR]["reference"] is None


def test_a_band_with_a_zero_median_has_no_deviation(store, manager_client, api):
    ReferencePrice.objects.create(
        service_id=WASH,
        city=store.city,
        p25=Decimal("0.00"),
        median=Decimal("0.00"),
        p75=Decimal("0.00"),
        sample_size=1,
    )
    manager_client.put(offering_url(store.id, WASH), {"labour": "0.00", "duration_min": 30})

    reference = api.get(prices_url(store.id)).json()[0]["reference"]

    assert reference == {"p25": "0.00", "median": "0.00", "p75": "0.00", "deviation": None}


def test_negative_deviation(store, manager_client, api):
    ReferencePrice.objects.create(
        service_id=WASH,
        city=store.city,
        p25=Decimal("30.00"),
        median=Decimal("40.00"),
        p75=Decimal("50.00"),
        sample_size=4,
    )
    manager_client.put(offering_url(store.id, WASH), {"labour": "36.00", "duration_min": 30})

    assert api.get(prices_url(store.id)).json()[0]["reference"]["deviation"] == "-0.1000"


def test_prices_of_an_invisible_or_unknown_store_are_not_found(api):
    suspended = StoreFactory(status="suspended")

    assert_error(api.get(prices_url(suspended.id)), 404, "not_found")
    assert_error(api.get(prices_url(999_999)), 404, "not_found")


def test_a_store_without_prices_answers_an_empty_list(store, api):
    assert api.get(prices_url(store.id)).json() == []


def _priced_store(n: int):
    """A store with ``n`` active offerings, each with two part lines of its own category."""
    store = StoreFactory(categories=["maintenance", "washing", "parts_install"])
    manager = UserFactory()
    part_types = {
        "maintenance": ("engine_oil", "oil_filter"),
        "washing": ("care", "care"),
        "parts_install": ("wiper", "wiper"),
    }
    services = list(Service.objects.filter(category__in=part_types, is_active=True))[:n]
    assert len(services) == n
    for service in services:
        skus = []
        for kind in part_types[service.category_id]:
            part = PartFactory(category=service.category, part_type=kind)
            skus.append(part.sku)
        offering_set_price(
            store=store,
            service=service,
            by=manager,
            labour="100.00",
            parts=[{"sku": sku, "qty": "2", "unit_price": "10.50"} for sku in skus],
            duration_min=60,
        )
        ReferencePrice.objects.update_or_create(
            service=service,
            city=store.city,
            defaults={"p25": Decimal(100), "median": Decimal(120), "p75": Decimal(150), "sample_size": 3},
        )
    return store


def test_prices_cost_a_constant_number_of_queries(api, django_assert_max_num_queries):
    one, eight = _priced_store(1), _priced_store(8)
    counts = {}
    for store, n in ((one, 1), (eight, 8)):
        # The store (store_get_public, with its 4 detail prefetches), the offerings with service, version and
        # band joined, their lines with parts.
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(3):
            body = api.get(prices_url(store.id)).json()
        assert len(body) == n
        assert all(len(p["parts"]) == 2 and p["reference"] for p in body)
        counts[n] = len(queries)

    assert counts[1] == counts[8]


def test_the_openapi_document_lists_the_price_endpoints(api):
    paths = json.loads(api.get("/api/v1/openapi.json").content)["paths"]

    assert "/api/v1/stores/{store_id}/prices" in paths
    assert "/api/v1/stores/{store_id}/prices/{offering_id}/versions/{number}" in paths
    assert {"put", "delete"} <= set(paths["/api/v1/partner/stores/{store_id}/offerings/{service_code}"])
