"""stores.selectors.store_get_public: the store page's store read in one statement (JSON columns turned back into
model instances) loads what the ORM would, relation by relation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from chefu.errors import NotFound
from stores.models import Bay, Store, StoreStatusEvent
from stores.selectors import store_get_public
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    """Every concrete column's value, as loaded."""
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def store() -> Store:
    """A store with an overnight range, a retired bay, bays with categories out of their catalogue order and a status
    trail whose events carry evidence and microseconds."""
    store = StoreFactory(
        categories=["washing", "maintenance"],
        hours=[(0, dt.time(8, 30), dt.time(12, 0)), (0, dt.time(13, 30), dt.time(18, 0)), (5, dt.time(20), dt.time(2))],
    )
    wash = Bay.objects.create(store=store, name="洗车位")
    wash.categories.set(["washing", "parts_install", "maintenance"])
    Bay.objects.create(store=store, name="旧工位", is_active=False).categories.set(["maintenance"])
    at = dt.datetime(2026, 11, 12, 10, 29, 20, 870928, tzinfo=dt.UTC)
    StoreStatusEvent.objects.create(
        store=store,
        at=at,
        from_status="active",
        to_status="probation",
        reason_category="kpi",
        reason="复购率低于标准",
        evidence={"kpis": {"return_rate": 0.125}, "audit": None, "note": '引号"与反斜杠\\'},
    )
    StoreStatusEvent.objects.create(
        store=store, at=at + dt.timedelta(days=3, microseconds=1), from_status="probation", to_status="active"
    )
    return store


def test_the_store_and_each_relation_are_what_the_orm_loads(store):
    with CaptureQueriesContext(connection) as captured:
        page = store_get_public(store_id=store.pk)
        loaded = {
            "categories": [_values(c) for c in page.categories.all()],
            "bays": [(_values(b), [_values(c) for c in b.categories.all()]) for b in page.bays.all()],
            "hours": [_values(h) for h in page.opening_hours.all()],
            "events": [_values(e) for e in page.status_events.all()],
        }
    assert len(captured) == 1

    orm = Store.objects.get(pk=store.pk)
    assert {k: v for k, v in _values(page).items() if k != "location"} == {
        k: v for k, v in _values(orm).items() if k != "location"
    }
    assert page.location.coords == pytest.approx(orm.location.coords, abs=1e-9)
    assert page.location.srid == 4326
    assert loaded == {
        "categories": [_values(c) for c in orm.categories.all()],
        "bays": [(_values(b), [_values(c) for c in b.categories.all()]) for b in orm.bays.filter(is_active=True)],
        "hours": [_values(h) for h in orm.opening_hours.all()],
        "events": [_values(e) for e in orm.status_events.all()],
    }
    assert [c["code"] for c in loaded["bays"][1][1]] == ["maintenance", "washing", "parts_install"]
    assert loaded["events"][0]["evidence"]["note"] == '引号"与反斜杠\\'
    assert loaded["events"][0]["at"] == dt.datetime(2026, 11, 12, 10, 29, 20, 870928, tzinfo=dt.UTC)


def test_a_store_without_reputation_has_none_as_select_related_would_say(store):
    page = store_get_public(store_id=store.pk)

    with pytest.raises(ObjectDoesNotExist):
        page.reputation  # noqa: B018 (read for its exception)


def test_the_reputation_is_loaded_with_its_json_decoded(store):
    reputation_model = Store._meta.get_field("reputation").related_model
    reputation_model.objects.create(
        store=store,
        count=3,
        overall_sum=Decimal("13.25"),
        means={"quality": 4.67, "attitude": 4.33},
        distribution={"4": 1, "5": 2},
        hidden=1,
    )

    page = store_get_public(store_id=store.pk)

    assert model_to_dict(page.reputation, exclude=["updated_at"]) == model_to_dict(
        reputation_model.objects.get(store=store), exclude=["updated_at"]
    )
    assert page.reputation.means == {"quality": 4.67, "attitude": 4.33}
    assert page.reputation.overall_sum == Decimal("13.25")


def test_open_now_is_judged_at_the_given_instant(store):
    monday_10 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, a Monday
    monday_1245 = monday_10 + dt.timedelta(hours=2, minutes=45)  # the lunch break
    sunday_0130 = dt.datetime(2026, 12, 5, 17, 30, tzinfo=dt.UTC)  # 01:30 on Sunday: Saturday's overnight range

    assert store_get_public(store_id=store.pk, at=monday_10).open_now is True
    assert store_get_public(store_id=store.pk, at=monday_1245).open_now is False
    assert store_get_public(store_id=store.pk, at=sunday_0130).open_now is True


@pytest.mark.parametrize("store_id", [0, -1, 2**63, -(2**63) - 1, 10**30])
def test_an_id_no_store_can_have_is_not_found(store_id):
    with pytest.raises(NotFound):
        store_get_public(store_id=store_id)


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_store_owners_may_not_see_is_not_found(store, status):
    Store.objects.filter(pk=store.pk).update(status=status)

    with pytest.raises(NotFound):
        store_get_public(store_id=store.pk)
