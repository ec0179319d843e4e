"""Price history: every change is an immutable version (the database refuses UPDATE), readable through
GET /api/v1/stores/{id}/prices/{offering_id}/versions[/{number}] long after it stopped being in force."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Offering, OfferingPartLine, OfferingVersion, Service
from catalog.pricing import offering_set_price
from catalog.selectors import offering_version_current
from chefu.errors import NotFound
from tests.catalog.factories import PartFactory
from tests.chefu.envelope import assert_error
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

MINOR = "minor_service"


def offering_url(store_id: int, code: str = MINOR) -> str:
    return f"/api/v1/partner/stores/{store_id}/offerings/{code}"


def versions_url(store_id: int, offering_id: int) -> str:
    return f"/api/v1/stores/{store_id}/prices/{offering_id}/versions"


@pytest.fixture
def oil():
    return PartFactory(sku="OIL-0W20", name="全合成机油 0W-20 1L")


PRICES = [
    {"labour": "100.00", "parts": [{"sku": "OIL-0W20", "qty": "4", "unit_price": "60.00"}], "duration_min": 60},
    {"labour": "110.00", "parts": [{"sku": "OIL-0W20", "qty": "4.5", "unit_price": "62.50"}], "duration_min": 60},
    {"labour": "120.00", "parts": [], "duration_min": 45},
]


@pytest.fixture
def three_versions(store, manager_client, oil) -> Offering:
    for body in PRICES:
        response = manager_client.put(offering_url(store.id), body)
        assert response.status_code == 200, response.content
    return Offering.objects.get(store=store, service_id=MINOR)


def test_three_puts_make_versions_1_2_3_all_readable(store, manager, api, three_versions):
    response = api.get(versions_url(store.id, three_versions.id))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [v["version"] for v in body["items"]] == [1, 2, 3]
    assert [v["is_current"] for v in body["items"]] == [False, False, True]
    first, second, third = body["items"]
    assert first["labour"] == "100.00"
    assert first["parts"] == [
        {"sku": "OIL-0W20", "name": "全合成机油 0W-20 1L", "qty": "4", "unit_price": "60.00", "amount": "240.00"}
    ]
    assert first["total"] == "340.00"
    # 4.5 × 62.50 = 281.25
    assert (second["parts"][0]["qty"], second["parts"][0]["amount"], second["total"]) == ("4.5", "281.25", "391.25")
    assert (third["parts"], third["total"], third["duration_min"]) == ([], "120.00", 45)
    assert {v["created_by"] for v in body["items"]} == {manager.name}
    assert all(v["offering_id"] == three_versions.id and v["service"]["code"] == MINOR for v in body["items"])
    assert first["created_at"] <= second["created_at"] <= third["created_at"]


def test_prices_show_the_newest_version(store, api, three_versions):
    (price,) = api.get(f"/api/v1/stores/{store.id}/prices").json()

    assert (price["version"], price["total"], price["parts"]) == (3, "120.00", [])


def test_old_lines_are_unchanged_by_later_versions(three_versions):
    lines = OfferingPartLine.objects.filter(version__offering=three_versions).order_by("version__number")

    assert list(lines.values_list("version__number", "qty", "unit_price", "amount")) == [
        (1, Decimal("4.00"), Decimal("60.00"), Decimal("240.00")),
        (2, Decimal("4.50"), Decimal("62.50"), Decimal("281.25")),
    ]


def test_one_version_by_number(store, api, three_versions):
    response = api.get(f"{versions_url(store.id, three_versions.id)}/2")

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["labour"], body["total"], body["is_current"]) == (2, "110.00", "391.25", False)


def test_versions_are_paginated(store, api, three_versions):
    body = api.get(versions_url(store.id, three_versions.id), {"limit": 2, "offset": 1}).json()

    assert body["count"] == 3
    assert [v["version"] for v in body["items"]] == [2, 3]


def test_versions_cost_a_constant_number_of_queries(store, api, three_versions, django_assert_max_num_queries):
    # The store with its detail prefetches (5), the offering, the count, the page with authors, the lines.
    with django_assert_max_num_queries(5):
        assert api.get(versions_url(store.id, three_versions.id)).status_code == 200


def test_an_unknown_version_number_is_not_found(store, api, three_versions):
    assert_error(api.get(f"{versions_url(store.id, three_versions.id)}/4"), 404, "not_found")


def test_another_stores_offering_is_not_found(api, three_versions):
    other = StoreFactory()

    assert_error(api.get(versions_url(other.id, three_versions.id)), 404, "not_found")
    assert_error(api.get(f"{versions_url(other.id, three_versions.id)}/1"), 404, "not_found")


def test_an_unknown_offering_or_invisible_store_is_not_found(store, api, three_versions):
    assert_error(api.get(versions_url(store.id, 999_999)), 404, "not_found")
    store.status = "suspended"
    store.save(update_fields=["status"])
    assert_error(api.get(versions_url(store.id, three_versions.id)), 404, "not_found")


def test_versions_of_a_deactivated_offering_stay_readable(store, manager_client, api, three_versions):
    manager_client.delete(offering_url(store.id))

    body = api.get(versions_url(store.id, three_versions.id)).json()

    assert [v["version"] for v in body["items"]] == [1, 2, 3]
    assert not any(v["is_current"] for v in body["items"])
    assert api.get(f"{versions_url(store.id, three_versions.id)}/1").json()["total"] == "340.00"


def test_a_version_without_an_author_shows_null(store, api, oil):
    # Prices set by the platform itself (a seed, an import) have no author.
    version = offering_set_price(
        store=store, service=Service.objects.get(code=MINOR), by=None, labour="88.00", parts=[], duration_min=60
    )

    body = api.get(f"{versions_url(store.id, version.offering_id)}/1").json()

    assert body["created_by"] is None


# --- the database keeps versions immutable -----------------------------------------------------------------


def test_the_database_refuses_to_update_a_version(three_versions):
    # The trigger raises SQLSTATE 23000 (integrity_constraint_violation): Django's IntegrityError.
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        OfferingVersion.objects.filter(offering=three_versions, number=1).update(labour=Decimal("1.00"))

    assert OfferingVersion.objects.get(offering=three_versions, number=1).labour == Decimal("100.00")


def test_the_database_refuses_to_save_a_changed_version(three_versions):
    version = OfferingVersion.objects.get(offering=three_versions, number=1)
    version.duration_min = 5

    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        version.save()


def test_the_database_refuses_to_update_a_line(three_versions):
    line = OfferingPartLine.objects.filter(version__offering=three_versions, version__number=1)

    # A change that would satisfy every CHECK (4 × 1.00 = 4.00): only the trigger stands in the way.
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        line.update(unit_price=Decimal("1.00"), amount=Decimal("4.00"))

    assert line.values_list("unit_price", "amount").get() == (Decimal("60.00"), Decimal("240.00"))


def test_an_author_who_leaves_shows_as_null_and_the_version_stays_immutable(store, manager):
    from django.db import IntegrityError, transaction

    from catalog.models import OfferingVersion, Service
    from catalog.pricing import offering_set_price

    version = offering_set_price(
        store=store,
        service=Service.objects.get(code="standard_wash"),
        by=manager,
        labour=Decimal("45.00"),
        parts=[],
        duration_min=30,
    )

    manager.delete()

    version.refresh_from_db()
    assert version.created_by_id is None
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferingVersion.objects.filter(pk=version.pk).update(labour=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferingVersion.objects.filter(pk=version.pk).update(total=Decimal("99.00"))


def test_the_version_in_force_is_the_current_one_of_an_active_offering_of_an_active_service(store, three_versions):
    current = offering_version_current(store=store, service=Service.objects.get(pk=MINOR))
    assert (current.pk, current.number, current.labour) == (three_versions.current_id, 3, Decimal("120.00"))

    Service.objects.filter(pk=MINOR).update(is_active=False)  # retired from the catalogue
    with pytest.raises(NotFound):
        offering_version_current(store=store, service=Service.objects.get(pk=MINOR))

    Service.objects.filter(pk=MINOR).update(is_active=True)
    Offering.objects.filter(pk=three_versions.pk).update(is_active=False)  # the store stopped offering it
    with pytest.raises(NotFound):
        offering_version_current(store=store, service=Service.objects.get(pk=MINOR))
