import datetime as dt

import pytest
from django.utils import timezone

from bookings.engine import Job, calendar_for_day
from bookings.models import Booking, BookingPolicy
from chefu.models import IdempotencyRecord
from stores.models import Closure
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.conftest import error_code
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def _body(store, car, start, service="minor_service"):
    return {"store_id": store.pk, "service_code": service, "vehicle_id": car.pk, "start": start.isoformat()}


def test_availability_lists_the_days_starts(api, shop):
    response = api.get(f"stores/{shop.pk}/availability", {"service": "minor_service", "date": tomorrow().isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == tomorrow().isoformat() and body["timezone"] == "Asia/Shanghai"
    starts = [s["start"] for s in body["slots"]]
    # 09:00-11:00 then 13:00-17:00 every 15 minutes, for a 60-minute job.
    assert starts[0] == local(tomorrow(), 9).isoformat() and starts[-1] == local(tomorrow(), 17).isoformat()
    assert local(tomorrow(), 11, 15).isoformat() not in starts and local(tomorrow(), 13).isoformat() in starts
    assert len(starts) == 9 + 17
    assert {s["free_bays"] for s in body["slots"]} == {2}
    assert body["slots"][0]["end"] == local(tomorrow(), 10).isoformat()


def test_availability_refuses_what_is_not_there(api, shop):
    date = tomorrow().isoformat()
    assert error_code(api.get(f"stores/{shop.pk}/availability", {"service": "nope", "date": date})) == (
        "validation_error"
    )
    assert api.get(f"stores/{shop.pk}/availability", {"service": "waxing", "date": date}).status_code == 422
    assert api.get(f"stores/{shop.pk}/availability", {"service": "minor_service"}).status_code == 422
    assert api.get("stores/999999/availability", {"service": "minor_service", "date": date}).status_code == 404
    shop.status = "suspended"
    shop.save()
    assert api.get(f"stores/{shop.pk}/availability", {"service": "minor_service", "date": date}).status_code == 404


def test_what_the_list_offers_is_exactly_what_booking_accepts(api, owner_client, owner):
    """The property, over every 5 minutes of a busy day: a start is listed iff POST /bookings would take it."""
    store = make_shop(bays=2)
    BookingPolicy.objects.create(store=store, buffer_min=10)
    day = tomorrow()
    first_bay = store.bays.order_by("id").first()
    Closure.objects.create(store=store, bay=first_bay, starts_at=local(day, 14), ends_at=local(day, 15, 30), reason="x")
    for hh, mm in [(9, 0), (9, 45), (10, 30), (14, 0), (16, 15)]:
        book(another_owner(), store, local(day, hh, mm))
    listed = {
        s["start"]
        for s in api.get(
            f"stores/{store.pk}/availability", {"service": "minor_service", "date": day.isoformat()}
        ).json()["slots"]
    }
    calendar = calendar_for_day(store=store, day=day)
    job = Job(category="maintenance", duration=dt.timedelta(minutes=60))
    now = timezone.now()
    accepted = set()
    for minute in range(0, 24 * 60, 5):
        start = local(day, minute // 60, minute % 60)
        offered, free = calendar.check(start=start, job=job, now=now)
        if offered and free:
            accepted.add(start.isoformat())
    assert listed == accepted and listed
    # and the API agrees at both edges: a listed start books, an unlisted one does not
    car = VehicleFactory(owner=owner)
    unlisted = local(day, 9, 15).isoformat()
    assert unlisted not in listed
    assert owner_client.post("bookings", _body(store, car, local(day, 9, 15))).status_code in (409, 422)
    some = sorted(listed)[len(listed) // 2]
    assert owner_client.post("bookings", _body(store, car, dt.datetime.fromisoformat(some))).status_code == 201


def test_post_bookings_answers_the_contract(owner_client, owner, car, shop):
    start = local(tomorrow(), 10)
    response = owner_client.post("bookings", _body(shop, car, start))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["store_id"] == shop.pk and body["service_code"] == "minor_service"
    assert body["start"] == start.isoformat() and body["end"] == (start + dt.timedelta(hours=1)).isoformat()
    assert body["bay_id"] in set(shop.bays.values_list("id", flat=True))
    assert body["quote"]["total"] == "299.00" and body["quote"]["lines"][0]["amount"] == "299.00"
    assert body["pay_before"].endswith("+08:00")
    assert body["amount_due"] == "299.00" and body["amount_paid"] == "0.00"
    assert body["timeline"][0]["status"] == "pending_payment" and body["timeline"][0]["by"] == "owner"
    assert {"supplements", "refunds", "checklist"} <= set(body)


def test_post_bookings_refusals(api, owner_client, owner, car, shop, make_client):
    start = local(tomorrow(), 10)
    assert api.post("bookings", _body(shop, car, start)).status_code == 401
    stranger_car = VehicleFactory(owner=UserFactory())
    assert owner_client.post("bookings", _body(shop, stranger_car, start)).status_code == 404
    assert owner_client.post("bookings", {**_body(shop, car, start), "store_id": 999999}).status_code == 404
    response = owner_client.post("bookings", _body(shop, car, start, service="nope"))
    assert response.status_code == 422 and "service_code" in response.json()["error"]["details"]["fields"]
    assert owner_client.post("bookings", _body(shop, car, start, service="waxing")).status_code == 422
    response = owner_client.post("bookings", _body(shop, car, local(tomorrow(), 12, 30)))
    assert response.status_code == 422 and "start" in response.json()["error"]["details"]["fields"]
    naive = {**_body(shop, car, start), "start": "2030-01-01T10:00:00"}
    assert owner_client.post("bookings", naive).status_code == 422
    staff_only = UserFactory(roles=["store_staff"])
    assert make_client(staff_only).post("bookings", _body(shop, car, start)).status_code == 403
    assert not Booking.objects.exists()


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_store_that_takes_no_booking_is_409_store_unavailable(owner_client, owner, car, shop, status):
    """API.md: a suspended store is 404 on its page, and POST /bookings to it answers 409 store_unavailable; a store
    id that does not exist stays 404. Its bookings are not moved either."""
    booked = book(owner, shop, local(tomorrow(), 9))
    shop.status = status
    shop.save(update_fields=["status"])
    # when
    response = owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10)))
    moved = owner_client.post(f"bookings/{booked.pk}/reschedule", {"start": local(tomorrow(), 15).isoformat()})
    # then
    assert response.status_code == 409 and error_code(response) == "store_unavailable"
    assert response.json()["error"]["details"] == {"status": status}
    assert moved.status_code == 409 and error_code(moved) == "store_unavailable"
    assert (
        owner_client.post("bookings", {**_body(shop, car, local(tomorrow(), 10)), "store_id": 999999}).status_code
        == 404
    )
    assert list(Booking.objects.values_list("pk", "start")) == [(booked.pk, local(tomorrow(), 9))]
    # even for a service it never offered: the store's status is said first
    response = owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10), service="waxing"))
    assert error_code(response) == "store_unavailable"


def test_a_store_on_probation_still_takes_bookings(owner_client, owner, car, shop):
    shop.status = "probation"
    shop.save(update_fields=["status"])
    assert owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10))).status_code == 201


def test_slot_unavailable_when_every_bay_is_taken(owner_client, owner, car, shop):
    start = local(tomorrow(), 10)
    book(another_owner(), shop, start)
    book(another_owner(), shop, start)
    response = owner_client.post("bookings", _body(shop, car, start))
    assert response.status_code == 409 and error_code(response) == "slot_unavailable"


def test_idempotent_retries_return_the_first_answer(owner_client, owner, car, shop):
    body = _body(shop, car, local(tomorrow(), 10))
    headers = {"Idempotency-Key": "book-1"}
    first = owner_client.post("bookings", body, headers=headers)
    again = owner_client.post("bookings", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Booking.objects.count() == 1
    # a different request may not reuse the key
    other = owner_client.post("bookings", {**body, "start": local(tomorrow(), 14).isoformat()}, headers=headers)
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"
    # a new key is a new booking
    assert owner_client.post("bookings", body, headers={"Idempotency-Key": "book-2"}).status_code == 201
    assert Booking.objects.count() == 2


def test_an_idempotent_refusal_is_replayed_too(owner_client, owner, car, shop):
    start = local(tomorrow(), 10)
    book(another_owner(), shop, start)
    book(another_owner(), shop, start)
    headers = {"Idempotency-Key": "full"}
    first = owner_client.post("bookings", _body(shop, car, start), headers=headers)
    Booking.objects.update(status="cancelled")  # the slot frees up, but the key already has its answer
    again = owner_client.post("bookings", _body(shop, car, start), headers=headers)
    assert first.status_code == again.status_code == 409 and first.json() == again.json()


def test_keys_belong_to_their_user(owner_client, owner, car, shop, make_client):
    other = another_owner()
    other_car = VehicleFactory(owner=other)
    headers = {"Idempotency-Key": "same"}
    assert owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10)), headers=headers).status_code == 201
    response = make_client(other).post("bookings", _body(shop, other_car, local(tomorrow(), 10)), headers=headers)
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_list_and_detail_are_the_owners_own(owner_client, owner, shop, make_client, django_assert_max_num_queries):
    mine = [book(owner, shop, local(tomorrow(), h)) for h in (9, 10, 14)]
    theirs = book(another_owner(), shop, local(tomorrow(), 15))
    response = owner_client.get("bookings")
    assert response.json()["count"] == 3
    assert [b["id"] for b in response.json()["items"]] == [b.pk for b in reversed(mine)]
    assert owner_client.get(f"bookings/{mine[0].pk}").json()["id"] == mine[0].pk
    assert owner_client.get(f"bookings/{theirs.pk}").status_code == 404
    assert owner_client.post(f"bookings/{theirs.pk}/cancel", {"reason": ""}).status_code == 404
    assert owner_client.post(
        f"bookings/{theirs.pk}/reschedule", {"start": local(tomorrow(), 16).isoformat()}
    ).status_code == (404)
    with django_assert_max_num_queries(12):
        owner_client.get("bookings")
    for h in (11, 13, 16):
        book(owner, shop, local(tomorrow() + dt.timedelta(days=1), h))
    with django_assert_max_num_queries(12):
        assert owner_client.get("bookings").json()["count"] == 6


def test_cancel_and_reschedule_through_the_api(owner_client, owner, shop):
    booking = book(owner, shop, local(tomorrow(), 10))
    new_start = local(tomorrow(), 15)
    response = owner_client.post(f"bookings/{booking.pk}/reschedule", {"start": new_start.isoformat()})
    assert response.status_code == 200 and response.json()["start"] == new_start.isoformat()
    assert response.json()["timeline"][-1]["action"] == "reschedule"
    response = owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": "临时出差"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["cancellation"] == {
        "by": "owner",
        "reason": "临时出差",
        "fee": "0.00",
        "refund_due": "0.00",
        "refund_to_owner": "0.00",
    }
    again = owner_client.post(f"bookings/{booking.pk}/cancel", {"reason": ""})
    assert again.status_code == 409 and error_code(again) == "invalid_transition"
    response = owner_client.post(f"bookings/{booking.pk}/reschedule", {"start": new_start.isoformat()})
    assert response.status_code == 409 and error_code(response) == "invalid_transition"


def test_managers_set_their_store_booking_rules(api, shop, make_client):
    from stores.services import membership_add

    manager, technician, stranger = (UserFactory() for _ in range(3))
    membership_add(store=shop, user=manager, role="manager")
    membership_add(store=shop, user=technician, role="technician")
    other = make_shop()
    membership_add(store=other, user=stranger, role="manager")
    url = f"partner/stores/{shop.pk}/booking-policy"
    # defaults until the store sets its own
    defaults = make_client(technician).get(url).json()
    assert defaults == {
        "slot_step_min": 15,
        "min_notice_min": 60,
        "horizon_days": 30,
        "buffer_min": 0,
        "pay_window_min": 15,
        "free_cancel_hours": 2,
        "cancel_fee_pct": "20.00",
    }
    assert make_client(technician).put(url, {"slot_step_min": 30}).status_code == 403
    assert make_client(stranger).put(url, {"slot_step_min": 30}).status_code == 404  # another store's manager
    response = make_client(manager).put(url, {"slot_step_min": 3})
    assert response.status_code == 422 and "slot_step_min" in response.json()["error"]["details"]["fields"]
    assert not BookingPolicy.objects.exists()
    response = make_client(manager).put(url, {"slot_step_min": 30, "cancel_fee_pct": "10.5"})
    assert response.status_code == 200
    assert response.json()["slot_step_min"] == 30 and response.json()["cancel_fee_pct"] == "10.50"
    assert response.json()["horizon_days"] == 30
    slots = api.get(f"stores/{shop.pk}/availability", {"service": "minor_service", "date": tomorrow().isoformat()})
    assert len(slots.json()["slots"]) == 5 + 9  # 09:00-11:00 and 13:00-17:00 every 30 minutes


def test_a_retry_with_its_fields_in_another_order_is_the_same_request(owner_client, owner, car, shop):
    body = _body(shop, car, local(tomorrow(), 10))
    headers = {"Idempotency-Key": "reordered"}
    first = owner_client.post("bookings", body, headers=headers)
    again = owner_client.post("bookings", dict(reversed(list(body.items()))), headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()


def test_old_idempotency_answers_are_purged(owner_client, owner, car, shop):
    from chefu.tasks import idempotency_records_purge_task

    owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10)), headers={"Idempotency-Key": "old"})
    owner_client.post("bookings", _body(shop, car, local(tomorrow(), 14)), headers={"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(days=8))
    assert idempotency_records_purge_task() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_an_overlong_idempotency_key_is_refused_in_one_message(owner_client, owner, car, shop):
    response = owner_client.post(
        "bookings", _body(shop, car, local(tomorrow(), 10)), headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert len(response.json()["error"]["details"]["fields"]["Idempotency-Key"]) == 1
    assert not Booking.objects.exists()


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "2000-01-01"])
def test_dates_far_from_today_are_refused_not_crashed_on(api, owner_client, owner, car, shop, manager_client, date):
    response = api.get(f"stores/{shop.pk}/availability", {"service": "minor_service", "date": date})
    assert response.status_code == 422 and "date" in response.json()["error"]["details"]["fields"]
    start = f"{date}T10:00:00+08:00"
    response = owner_client.post("bookings", {**_body(shop, car, local(tomorrow(), 10)), "start": start})
    assert response.status_code == 422 and "start" in response.json()["error"]["details"]["fields"]


def test_a_whole_store_closure_is_outside_availability(owner_client, owner, car, shop):
    Closure.objects.create(store=shop, starts_at=local(tomorrow(), 9), ends_at=local(tomorrow(), 12), reason="盘点")
    response = owner_client.post("bookings", _body(shop, car, local(tomorrow(), 10)))
    assert response.status_code == 422 and "start" in response.json()["error"]["details"]["fields"]
