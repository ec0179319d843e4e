"""POST /api/v1/qa/stores/{id}/status: QA moves a store between active, probation, suspended, terminated."""

import pytest

from stores.models import Store, StoreStatusEvent
from tests.factories import SHANGHAI, StoreFactory

pytestmark = pytest.mark.django_db


def _url(store_id: int) -> str:
    return f"/api/v1/qa/stores/{store_id}/status"


def _error(response) -> dict:
    return response.json()["error"]


def _nearby_ids(api) -> list[int]:
    body = api.get("/api/v1/stores/nearby", {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}).json()
    return [item["id"] for item in body["items"]]


@pytest.mark.parametrize("to_status", ["probation", "suspended", "terminated"])
def test_qa_changes_the_status(qa_user, qa_client, store, to_status):
    response = qa_client.post(_url(store.id), {"status": to_status, "reason": "投诉率过高"})

    assert response.status_code == 200
    assert response.json() == {"id": store.id, "status": to_status}
    store.refresh_from_db()
    assert store.status == to_status
    (event,) = StoreStatusEvent.objects.filter(store=store)
    assert (event.from_status, event.to_status, event.by, event.reason) == ("active", to_status, qa_user, "投诉率过高")
    assert event.at is not None


def test_every_change_is_recorded_in_order(qa_user, qa_client, store):
    moves = [("probation", "评分下降"), ("suspended", "飞行检查不合格"), ("active", "整改完成"), ("terminated", "违约")]

    for to_status, reason in moves:
        assert qa_client.post(_url(store.id), {"status": to_status, "reason": reason}).status_code == 200

    events = list(StoreStatusEvent.objects.filter(store=store).order_by("at", "id"))
    assert [(e.from_status, e.to_status, e.reason) for e in events] == [
        ("active", "probation", "评分下降"),
        ("probation", "suspended", "飞行检查不合格"),
        ("suspended", "active", "整改完成"),
        ("active", "terminated", "违约"),
    ]
    assert {e.by for e in events} == {qa_user}


@pytest.mark.parametrize(
    "body", [{"status": "suspended"}, {"status": "suspended", "reason": ""}, {"status": "suspended", "reason": "  "}]
)
def test_reason_is_required(qa_client, store, body):
    response = qa_client.post(_url(store.id), body)

    assert response.status_code == 422
    assert _error(response)["code"] == "validation_error"
    assert "reason" in _error(response)["details"]["fields"]
    store.refresh_from_db()
    assert store.status == "active"
    assert not StoreStatusEvent.objects.exists()


def test_unknown_status_is_422(qa_client, store):
    response = qa_client.post(_url(store.id), {"status": "closed", "reason": "x"})

    assert response.status_code == 422
    assert "status" in _error(response)["details"]["fields"]


def test_only_qa_changes_status(owner_client, manager_client, api, store):
    for client in (owner_client, manager_client):
        response = client.post(_url(store.id), {"status": "suspended", "reason": "自己停业"})
        assert response.status_code == 403
        assert _error(response)["code"] == "permission_denied"
    assert api.post(_url(store.id), {"status": "suspended", "reason": "x"}).status_code == 401
    store.refresh_from_db()
    assert store.status == "active"
    assert not StoreStatusEvent.objects.exists()


def test_unknown_store_is_404(qa_client):
    response = qa_client.post(_url(999_999_999), {"status": "suspended", "reason": "x"})

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


@pytest.mark.parametrize("to_status", ["active", "probation", "suspended", "terminated"])
def test_terminated_is_final(qa_client, to_status):
    store = StoreFactory(status="terminated")

    response = qa_client.post(_url(store.id), {"status": to_status, "reason": "恢复合作"})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"
    store.refresh_from_db()
    assert store.status == "terminated"
    assert not StoreStatusEvent.objects.exists()


def test_suspended_store_disappears_from_search_at_once(api, qa_client, store):
    assert _nearby_ids(api) == [store.id]

    qa_client.post(_url(store.id), {"status": "suspended", "reason": "停业整顿"})

    assert _nearby_ids(api) == []
    assert api.get(f"/api/v1/stores/{store.id}").status_code == 404

    qa_client.post(_url(store.id), {"status": "probation", "reason": "整改中"})

    assert _nearby_ids(api) == [store.id]
    assert Store.objects.get(pk=store.id).status == "probation"


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        ("Store", "status", "closed"),
        ("StoreMembership", "role", "owner"),
        ("PartnerApplication", "status", "pending"),
    ],
)
def test_unknown_choices_are_refused_by_the_database(store, manager, submitted_application, model, field, value):
    from django.apps import apps
    from django.db import IntegrityError, transaction

    queryset = apps.get_model("stores", model).objects.all()
    assert queryset.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**{field: value})


def test_a_status_change_schedules_the_city_s_reference_prices(store, qa_user, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from catalog.models import Offering, OfferingVersion
    from stores.services import store_status_transition

    offering = Offering.objects.create(store=store, service_id="standard_wash", is_active=False)
    version = OfferingVersion.objects.create(
        offering=offering, number=1, labour=Decimal("45.00"), total=Decimal("45.00"), duration_min=30
    )
    Offering.objects.filter(pk=offering.pk).update(current=version, total=version.total, is_active=True)

    # The transition emits StoreStatusChanged; catalog's subscriber, run after the commit, schedules the recompute.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        store_status_transition(store=store, to_status="suspended", by=qa_user, reason="投诉")

    scheduled = [c for c in callbacks if c.__qualname__ == "reference_prices_schedule.<locals>.enqueue_recompute"]
    assert len(scheduled) == 1


def test_city_names_are_normalized_so_bands_group_one_city():
    from stores.services import normalize_city

    assert normalize_city(" 上海市 ") == "上海"
    assert normalize_city("上海") == "上海"
    assert normalize_city("沙市") == "沙市"
