"""A store's closures on the shop floor: the manager lifts one (DELETE /partner/stores/{id}/closures/{closure_id}),
which frees its slots at once, and the day's board lists the closures that shut each bay."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from chefu.errors import NotFound
from stores.exceptions import ClosureOver
from stores.models import Closure
from stores.services import closure_delete
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.bookings.floor_fixtures import staff_of
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(store, closure_id) -> str:
    return f"partner/stores/{store.pk}/closures/{closure_id}"


def _close(store, starts_at, ends_at, *, bay=None, reason="设备检修") -> Closure:
    return Closure.objects.create(store=store, bay=bay, starts_at=starts_at, ends_at=ends_at, reason=reason)


def _tomorrow_morning(store, **kwargs) -> Closure:
    return _close(store, local(tomorrow(), 9), local(tomorrow(), 12), **kwargs)


@pytest.fixture
def manager_client(floor, make_client):
    return make_client(staff_of(floor, "manager"))


def _slots(api, store, day) -> list[str]:
    response = api.get(f"stores/{store.pk}/availability", {"service": "minor_service", "date": day.isoformat()})
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]]


# --- lifting a closure ---------------------------------------------------------------------------------------------


def test_the_manager_deletes_a_future_closure_and_its_slots_are_free_again(floor, manager_client, api):
    # given the whole store closed tomorrow morning: no slot before lunch
    closure = _tomorrow_morning(floor)
    nine = local(tomorrow(), 9).isoformat()
    assert nine not in _slots(api, floor, tomorrow())

    # when the manager deletes it
    response = manager_client.delete(_url(floor, closure.pk))

    # then it is gone, and the morning is bookable at once
    assert response.status_code == 204, response.content
    assert response.content == b""
    assert not Closure.objects.filter(pk=closure.pk).exists()
    assert nine in _slots(api, floor, tomorrow())


def test_deleting_a_bay_closure_frees_that_bay(floor, manager_client, api):
    bay = floor.bays.order_by("id").first()
    closure = _tomorrow_morning(floor, bay=bay)
    response = api.get(f"stores/{floor.pk}/availability", {"service": "minor_service", "date": tomorrow().isoformat()})
    assert response.json()["slots"][0]["free_bays"] == 1

    assert manager_client.delete(_url(floor, closure.pk)).status_code == 204

    response = api.get(f"stores/{floor.pk}/availability", {"service": "minor_service", "date": tomorrow().isoformat()})
    assert response.json()["slots"][0]["free_bays"] == 2


def test_an_ongoing_closure_ends_now_and_keeps_its_past(floor, manager_client):
    # given a closure that started an hour ago and runs three more
    now = timezone.now()
    closure = _close(floor, now - dt.timedelta(hours=1), now + dt.timedelta(hours=3))

    # when the manager lifts it
    response = manager_client.delete(_url(floor, closure.pk))

    # then the part already past stays as history and nothing of it is left ahead
    assert response.status_code == 204, response.content
    closure.refresh_from_db()
    assert closure.starts_at == now - dt.timedelta(hours=1)
    assert now <= closure.ends_at <= timezone.now()
    assert manager_client.get(f"partner/stores/{floor.pk}/closures").json()["count"] == 0
    # and lifting it again is refused: what is left of it is history
    assert_error(manager_client.delete(_url(floor, closure.pk)), 409, "closure_over")


def test_a_closure_that_has_ended_cannot_be_deleted(floor, manager_client):
    now = timezone.now()
    closure = _close(floor, now - dt.timedelta(days=2), now - dt.timedelta(days=1))

    error = assert_error(manager_client.delete(_url(floor, closure.pk)), 409, "closure_over")

    assert dt.datetime.fromisoformat(error["details"]["ends_at"]) == closure.ends_at
    closure.refresh_from_db()
    assert closure.ends_at == now - dt.timedelta(days=1)


@pytest.mark.parametrize("role", ["advisor", "technician"])
def test_staff_whose_role_is_not_enough_are_refused(floor, make_client, role):
    closure = _tomorrow_morning(floor)

    assert_error(make_client(staff_of(floor, role)).delete(_url(floor, closure.pk)), 403, "permission_denied")

    assert Closure.objects.filter(pk=closure.pk).exists()


def test_a_user_with_no_tie_to_the_store_gets_404(floor, make_client):
    closure = _tomorrow_morning(floor)
    other_manager = staff_of(make_shop(), "manager")

    for user in (other_manager, UserFactory(roles=["owner"])):
        assert_error(make_client(user).delete(_url(floor, closure.pk)), 404, "not_found")

    assert Closure.objects.filter(pk=closure.pk).exists()


def test_another_stores_closure_is_404_for_this_stores_manager(floor, manager_client):
    other = _tomorrow_morning(make_shop())

    assert_error(manager_client.delete(_url(floor, other.pk)), 404, "not_found")
    assert_error(manager_client.delete(_url(floor, 999_999_999)), 404, "not_found")

    assert Closure.objects.filter(pk=other.pk).exists()


def test_an_admin_may_lift_any_stores_closure(floor, make_client):
    closure = _tomorrow_morning(floor)

    assert make_client(UserFactory(roles=["admin"])).delete(_url(floor, closure.pk)).status_code == 204


def test_deleting_needs_a_token(floor, api):
    closure = _tomorrow_morning(floor)

    assert_error(api.delete(_url(floor, closure.pk)), 401, "not_authenticated")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("under_way", "refusal"), [(False, "not_found"), (True, "closure_over")])
def test_a_closure_is_lifted_once_however_many_managers_press_at_once(under_way, refusal):
    # given a closure ahead (or under way) and four of the store's managers
    floor = make_shop()
    now = timezone.now()
    if under_way:
        closure = _close(floor, now - dt.timedelta(hours=1), now + dt.timedelta(hours=3))
    else:
        closure = _tomorrow_morning(floor)
    managers = [staff_of(floor, "manager") for _ in range(4)]
    barrier = threading.Barrier(len(managers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def lift(manager):
        try:
            barrier.wait(timeout=10)
            closure_delete(store_id=floor.pk, closure_id=closure.pk, by=manager)
            outcome = "lifted"
        except NotFound:
            outcome = "not_found"
        except ClosureOver:
            outcome = "closure_over"
        except Exception as exc:  # any other failure shows in the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    # when they all lift it at once
    threads = [threading.Thread(target=lift, args=(manager,)) for manager in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one lifts it; the others find it gone, or (under way) already ended by the first
    assert sorted(outcomes) == sorted(["lifted"] + [refusal] * 3), outcomes
    assert Closure.objects.filter(pk=closure.pk).exists() is under_way


# --- the board -----------------------------------------------------------------------------------------------------


def test_the_schedule_lists_each_bays_closures_and_the_whole_stores_under_every_bay(floor, make_client):
    # given a bay closed tomorrow morning, the whole store closed from tomorrow 16:00 for two days, and closures
    # that miss tomorrow (the day after, another store's)
    first, second = floor.bays.order_by("id")
    day = tomorrow()
    bay_closure = _close(floor, local(day, 9), local(day, 12), bay=first, reason="举升机检修")
    store_closure = _close(floor, local(day, 16), local(day + dt.timedelta(days=2), 10), reason="盘点")
    _close(floor, local(day + dt.timedelta(days=3), 9), local(day + dt.timedelta(days=3), 10), bay=second)
    _tomorrow_morning(make_shop())

    body = make_client(staff_of(floor, "technician")).get(
        f"partner/stores/{floor.pk}/schedule", {"date": day.isoformat()}
    )

    bays = {bay["id"]: bay["closures"] for bay in body.json()["bays"]}
    assert [c["id"] for c in bays[first.pk]] == [bay_closure.pk, store_closure.pk]
    assert [c["id"] for c in bays[second.pk]] == [store_closure.pk]
    assert bays[first.pk][0] == {
        "id": bay_closure.pk,
        "bay_id": first.pk,
        "starts_at": local(day, 9).isoformat(),
        "ends_at": local(day, 12).isoformat(),
        "reason": "举升机检修",
    }
    # not clipped to the day: the board draws the part it shows
    assert bays[second.pk][0]["bay_id"] is None
    assert bays[second.pk][0]["ends_at"] == local(day + dt.timedelta(days=2), 10).isoformat()
