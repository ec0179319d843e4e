"""Partner management of a store by its manager: the weekly opening hours and closures."""

import datetime as dt

import pytest
from django.utils import timezone

from stores.models import Bay, Closure, OpeningHours
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

NEW_WEEK = [
    # Monday to Friday with a lunch break
    *({"weekday": d, "opens": "08:30", "closes": "12:00"} for d in range(5)),
    *({"weekday": d, "opens": "13:30", "closes": "18:30"} for d in range(5)),
    # Saturday night into Sunday morning; Sunday otherwise closed
    {"weekday": 5, "opens": "20:00", "closes": "02:00"},
]


def _hours_url(store_id: int) -> str:
    return f"/api/v1/partner/stores/{store_id}/opening-hours"


def _closures_url(store_id: int) -> str:
    return f"/api/v1/partner/stores/{store_id}/closures"


def _sorted_hours(rows):
    return sorted(rows, key=lambda r: (r["weekday"], r["opens"]))


def _stored_hours(store):
    return sorted(
        (h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in OpeningHours.objects.filter(store=store)
    )


def _error(response) -> dict:
    return response.json()["error"]


# --- opening hours ----------------------------------------------------------------------------------


def test_manager_replaces_the_week(api, store, manager_client):
    response = manager_client.put(_hours_url(store.id), NEW_WEEK)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["store_id"] == store.id
    assert body["opening_hours"] == _sorted_hours(NEW_WEEK)
    public = api.get(f"/api/v1/stores/{store.id}").json()
    assert public["opening_hours"] == _sorted_hours(NEW_WEEK)
    # the factory's 08:30-19:00 rows are gone, Sunday included
    assert not any(row["weekday"] == 6 for row in public["opening_hours"])
    assert OpeningHours.objects.filter(store=store).count() == len(NEW_WEEK)


def test_closing_at_midnight_with_24_00(store, manager_client):
    response = manager_client.put(_hours_url(store.id), [{"weekday": 4, "opens": "10:00", "closes": "24:00"}])

    assert response.status_code == 200
    (row,) = OpeningHours.objects.filter(store=store)
    assert (row.weekday, row.opens, row.closes) == (4, dt.time(10, 0), dt.time(0, 0))


def test_the_week_may_also_come_in_the_application_s_field(store, manager_client):
    week = {"opening_hours": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]}

    response = manager_client.put(_hours_url(store.id), week)

    assert response.status_code == 200
    assert response.json()["opening_hours"] == [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]
    assert _stored_hours(store) == [(0, "09:00", "17:00")]


def test_an_empty_week_closes_every_day(store, manager_client):
    response = manager_client.put(_hours_url(store.id), [])

    assert response.status_code == 200
    assert response.json()["opening_hours"] == []
    assert not OpeningHours.objects.filter(store=store).exists()


@pytest.mark.parametrize(
    "week",
    [
        [{"weekday": 0, "opens": "08:30", "closes": "12:00"}, {"weekday": 0, "opens": "11:30", "closes": "18:00"}],
        [{"weekday": 2, "opens": "20:00", "closes": "02:00"}, {"weekday": 3, "opens": "01:00", "closes": "09:00"}],
        [{"weekday": 6, "opens": "22:00", "closes": "03:00"}, {"weekday": 0, "opens": "02:00", "closes": "09:00"}],
        [{"weekday": 1, "opens": "00:00", "closes": "00:00"}, {"weekday": 1, "opens": "09:00", "closes": "10:00"}],
    ],
    ids=["same-day", "past-midnight", "sunday-into-monday", "all-day"],
)
def test_overlapping_week_is_422_and_changes_nothing(store, manager_client, week):
    before = _stored_hours(store)

    response = manager_client.put(_hours_url(store.id), week)

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "validation_error"
    assert "opening_hours" in error["details"]["fields"]
    assert _stored_hours(store) == before


@pytest.mark.parametrize(
    "row",
    [
        {"weekday": 7, "opens": "08:00", "closes": "09:00"},
        {"weekday": 0, "opens": "25:00", "closes": "09:00"},
        {"weekday": 0, "opens": "08:00", "closes": "9am"},
    ],
)
def test_malformed_range_is_422_and_changes_nothing(store, manager_client, row):
    before = _stored_hours(store)

    response = manager_client.put(_hours_url(store.id), [row])

    assert response.status_code == 422
    assert _error(response)["code"] == "validation_error"
    assert _stored_hours(store) == before


def test_another_stores_manager_cannot_edit_hours(store, make_staff, make_client):
    other_manager = make_staff(StoreFactory(), "manager")
    before = _stored_hours(store)

    response = make_client(other_manager).put(_hours_url(store.id), NEW_WEEK)

    # no tie to this store: the same 404 as for a store that does not exist
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    assert _stored_hours(store) == before


@pytest.mark.parametrize("role", ["advisor", "technician"])
def test_only_the_manager_edits_hours(store, make_staff, make_client, role):
    before = _stored_hours(store)

    response = make_client(make_staff(store, role)).put(_hours_url(store.id), NEW_WEEK)

    assert response.status_code == 403
    assert _stored_hours(store) == before


def test_an_owner_cannot_edit_hours(store, owner_client, api):
    before = _stored_hours(store)

    assert owner_client.put(_hours_url(store.id), NEW_WEEK).status_code == 404
    assert api.put(_hours_url(store.id), NEW_WEEK).status_code == 401
    assert _stored_hours(store) == before


def test_unknown_store_is_404(manager_client):
    response = manager_client.put(_hours_url(999_999_999), NEW_WEEK)

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


# --- closures ---------------------------------------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def _window(start_in=dt.timedelta(days=1), length=dt.timedelta(hours=6)):
    starts = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0) + start_in
    return starts, starts + length


def test_close_the_whole_store(store, manager, manager_client):
    starts, ends = _window()

    response = manager_client.post(
        _closures_url(store.id), {"starts_at": _iso(starts), "ends_at": _iso(ends), "reason": "国庆放假"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    closure = Closure.objects.get()
    assert body["id"] == closure.id
    assert body["store_id"] == store.id
    assert body["bay_id"] is None
    assert body["reason"] == "国庆放假"
    assert dt.datetime.fromisoformat(body["starts_at"]) == starts
    assert dt.datetime.fromisoformat(body["ends_at"]) == ends
    assert (closure.starts_at, closure.ends_at, closure.created_by) == (starts, ends, manager)


def test_close_one_bay(store, manager_client):
    bay = store.bays.get()
    starts, ends = _window()

    response = manager_client.post(
        _closures_url(store.id),
        {"starts_at": _iso(starts), "ends_at": _iso(ends), "reason": "举升机检修", "bay_id": bay.id},
    )

    assert response.status_code == 201
    assert response.json()["bay_id"] == bay.id
    assert Closure.objects.get().bay == bay


def test_a_closure_that_has_started_but_not_ended_is_accepted(store, manager_client):
    starts, ends = _window(start_in=dt.timedelta(hours=-2), length=dt.timedelta(hours=4))

    response = manager_client.post(
        _closures_url(store.id), {"starts_at": _iso(starts), "ends_at": _iso(ends), "reason": "临时停电"}
    )

    assert response.status_code == 201


def _other_stores_bay():
    return Bay.objects.filter(store=StoreFactory()).get().id


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda s, e: {"starts_at": _iso(e), "ends_at": _iso(s), "reason": "反了"}, "ends_at"),
        (lambda s, e: {"starts_at": _iso(s), "ends_at": _iso(s), "reason": "零长度"}, "ends_at"),
        (
            lambda s, e: {
                "starts_at": _iso(s - dt.timedelta(days=3)),
                "ends_at": _iso(s - dt.timedelta(days=2)),
                "reason": "已过去",
            },
            "ends_at",
        ),
        (
            lambda s, e: {"starts_at": _iso(s), "ends_at": _iso(e), "reason": "别家", "bay_id": _other_stores_bay()},
            "bay_id",
        ),
        (
            lambda s, e: {"starts_at": s.replace(tzinfo=None).isoformat(), "ends_at": _iso(e), "reason": "无时区"},
            "starts_at",
        ),
        (
            lambda s, e: {"starts_at": _iso(s), "ends_at": e.replace(tzinfo=None).isoformat(), "reason": "无时区"},
            "ends_at",
        ),
        (lambda s, e: {"starts_at": _iso(s), "ends_at": _iso(e), "reason": "   "}, "reason"),
        (lambda s, e: {"starts_at": _iso(s), "ends_at": _iso(e)}, "reason"),
        (lambda s, e: {"starts_at": _iso(s), "ends_at": _iso(s + dt.timedelta(days=400)), "reason": "太久"}, "ends_at"),
    ],
    ids=[
        "ends-before-start",
        "zero-length",
        "already-over",
        "other-stores-bay",
        "naive-start",
        "naive-end",
        "blank-reason",
        "no-reason",
        "longer-than-a-year",
    ],
)
def test_invalid_closure_is_422_and_writes_nothing(store, manager_client, make_body, field):
    starts, ends = _window()
    body = make_body(starts, ends)

    response = manager_client.post(_closures_url(store.id), body)

    assert response.status_code == 422, response.content
    error = _error(response)
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"], error
    assert not Closure.objects.filter(store=store).exists()


@pytest.mark.parametrize(
    ("role", "status"), [("advisor", 403), ("technician", 403), (None, 404), ("other-manager", 404)]
)
def test_only_the_manager_creates_closures(store, make_staff, make_client, owner, role, status):
    if role is None:
        user = owner
    elif role == "other-manager":
        user = make_staff(StoreFactory(), "manager")
    else:
        user = make_staff(store, role)
    starts, ends = _window()

    response = make_client(user).post(
        _closures_url(store.id), {"starts_at": _iso(starts), "ends_at": _iso(ends), "reason": "放假"}
    )

    assert response.status_code == status
    assert not Closure.objects.exists()


def test_closure_for_unknown_store_is_404(manager_client):
    starts, ends = _window()

    response = manager_client.post(
        _closures_url(999_999_999), {"starts_at": _iso(starts), "ends_at": _iso(ends), "reason": "放假"}
    )

    assert response.status_code == 404


def test_staff_list_current_closures(store, manager, make_staff, make_client):
    now = timezone.now()
    bay = store.bays.get()
    Closure.objects.create(
        store=store, starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(days=2), reason="旧"
    )
    later = Closure.objects.create(
        store=store, starts_at=now + dt.timedelta(days=5), ends_at=now + dt.timedelta(days=6), reason="后"
    )
    sooner = Closure.objects.create(
        store=store, bay=bay, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1), reason="先"
    )
    Closure.objects.create(
        store=StoreFactory(), starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=2), reason="别家"
    )

    for user in (manager, make_staff(store, "advisor"), make_staff(store, "technician")):
        response = make_client(user).get(_closures_url(store.id))

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [item["id"] for item in body["items"]] == [sooner.id, later.id]
        assert body["items"][0]["bay_id"] == bay.id
        assert body["items"][0]["reason"] == "先"


def test_closures_are_for_staff_only(store, owner_client, make_staff, make_client):
    assert owner_client.get(_closures_url(store.id)).status_code == 404
    other_staff = make_staff(StoreFactory(), "advisor")
    assert make_client(other_staff).get(_closures_url(store.id)).status_code == 404


def test_times_come_back_with_the_platform_offset(store, manager_client):
    # A closure starts within the booking horizon and a year after it: some weeks ahead.
    day = (timezone.now() + dt.timedelta(days=60)).date().isoformat()
    response = manager_client.post(
        f"/api/v1/partner/stores/{store.id}/closures",
        {"starts_at": f"{day}T01:30:00Z", "ends_at": f"{day}T04:00:00+00:00", "reason": "盘点"},
    )

    assert response.status_code == 201
    assert response.json()["starts_at"] == f"{day}T09:30:00+08:00"
    assert response.json()["ends_at"] == f"{day}T12:00:00+08:00"
