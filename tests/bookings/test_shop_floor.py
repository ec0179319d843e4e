"""The shop floor: a store's day by bay, and staff moving a booking through check-in, service and completion."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings import services
from bookings.exceptions import TooEarlyToCheckIn
from bookings.models import Booking, BookingStatus
from notifications.models import Message
from stores.models import Bay
from tests.bookings.conftest import another_owner, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import REQUIRED, make_booking, past_booking, staff_of
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def _schedule(client, store, day=None):
    return client.get(f"partner/stores/{store.pk}/schedule", {"date": day.isoformat()} if day else None)


# --- schedule ------------------------------------------------------------------------------------------


def test_the_schedule_lists_every_active_bay_with_its_bookings_by_start(floor, tech_client):
    # given: two bookings tomorrow (both bays at 10:00, one more at 14:00), one cancelled, one the day after,
    # and a bay taken out of service
    day = tomorrow()
    alice = UserFactory(roles=["owner"], name="王小明", phone="13812341234")
    car = VehicleFactory(owner=alice, plate="沪A12345", make="大众", model="朗逸")
    first = make_booking(owner=alice, store=floor, start=local(day, 14), vehicle=car, status=BookingStatus.CHECKED_IN)
    early = make_booking(store=floor, start=local(day, 10))
    other_bay = make_booking(store=floor, start=local(day, 10), status=BookingStatus.PENDING_PAYMENT)
    make_booking(store=floor, start=local(day, 15), status=BookingStatus.CANCELLED)
    make_booking(store=floor, start=local(day + dt.timedelta(days=1), 10))
    Bay.objects.create(store=floor, name="停用工位", is_active=False)

    # when
    response = _schedule(tech_client, floor, day)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["store_id"] == floor.pk and body["date"] == day.isoformat() and body["timezone"] == "Asia/Shanghai"
    bays = list(floor.bays.filter(is_active=True).order_by("id"))
    assert [(b["id"], b["name"]) for b in body["bays"]] == [(b.pk, b.name) for b in bays]
    by_bay = {b["id"]: [x["id"] for x in b["bookings"]] for b in body["bays"]}
    assert by_bay[early.bay_id][0] == early.pk and other_bay.pk in by_bay[other_bay.bay_id]
    assert sorted(i for ids in by_bay.values() for i in ids) == sorted([first.pk, early.pk, other_bay.pk])
    row = next(x for b in body["bays"] for x in b["bookings"] if x["id"] == first.pk)
    assert row == {
        "id": first.pk,
        "status": "checked_in",
        "start": local(day, 14).isoformat(),
        "end": local(day, 15).isoformat(),
        "service_code": "minor_service",
        "service_name": first.service.name,
        "plate": "沪A12345",
        "vehicle": "大众 朗逸",
        "owner_name": "王小明",
        "owner_phone": "138****1234",
        "amount_due": "299.00",
    }


def test_a_free_day_lists_the_bays_empty(floor, tech_client):
    body = _schedule(tech_client, floor, tomorrow()).json()
    assert len(body["bays"]) == 2 and all(b["bookings"] == [] for b in body["bays"])


def test_a_retired_bay_still_shows_the_bookings_it_holds(floor, tech_client):
    booking = make_booking(store=floor)
    Bay.objects.filter(pk=booking.bay_id).update(is_active=False)

    bays = _schedule(tech_client, floor, tomorrow()).json()["bays"]

    retired = next(b for b in bays if b["id"] == booking.bay_id)
    assert retired["is_active"] is False and [x["id"] for x in retired["bookings"]] == [booking.pk]


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_without_a_date_the_schedule_is_today_on_the_stores_clock(tech_client, floor, zone):
    floor.timezone = zone
    floor.save(update_fields=["timezone"])

    body = _schedule(tech_client, floor).json()

    assert body["timezone"] == zone
    assert body["date"] == timezone.now().astimezone(ZoneInfo(zone)).date().isoformat()


def test_the_schedule_costs_the_same_queries_however_busy_the_day(floor, tech_client, django_assert_num_queries):
    day = tomorrow()
    make_booking(store=floor, start=local(day, 9))
    _schedule(tech_client, floor, day)  # the token's first use of the day also records last_used_at
    # token, store, membership, bookings, bays, closures
    with django_assert_num_queries(6):
        assert len(_schedule(tech_client, floor, day).json()["bays"][0]["bookings"]) == 1
    for hh in (10, 11, 13, 14, 15, 16):
        make_booking(store=floor, start=local(day, hh))
    with django_assert_num_queries(6):
        body = _schedule(tech_client, floor, day).json()
    assert sum(len(b["bookings"]) for b in body["bays"]) == 7


def test_the_schedule_is_for_that_stores_staff(floor, tech_client, make_client, api):
    other_store_staff = make_client(staff_of(make_shop()))
    day = tomorrow()
    assert_error(_schedule(other_store_staff, floor, day), 404, "not_found")
    assert_error(_schedule(make_client(another_owner()), floor, day), 404, "not_found")
    assert_error(tech_client.get("partner/stores/999999/schedule"), 404, "not_found")
    assert_error(_schedule(api, floor, day), 401, "not_authenticated")
    assert_error(tech_client.get(f"partner/stores/{floor.pk}/schedule", {"date": "tomorrow"}), 422, "validation_error")
    admin = make_client(UserFactory(roles=["admin"]))
    assert _schedule(admin, floor, day).status_code == 200


# --- one booking, and its moves ------------------------------------------------------------------------


def test_staff_see_a_booking_with_the_owners_phone_masked(floor, tech_client):
    alice = UserFactory(roles=["owner"], name="李娜", phone="13912345678")
    booking = make_booking(owner=alice, store=floor)

    response = tech_client.get(f"partner/bookings/{booking.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == booking.pk and body["status"] == "confirmed" and body["store_id"] == floor.pk
    assert body["owner_name"] == "李娜" and body["owner_phone"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    assert {"quote", "supplements", "checklist", "timeline", "amount_due", "vehicle", "plate"} <= set(body)


def test_the_job_goes_from_check_in_to_completed(floor, tech, tech_client):
    booking = past_booking(store=floor)  # its start has passed: check-in is open
    path = f"partner/bookings/{booking.pk}"

    checked_in = tech_client.post(f"{path}/check-in")
    assert checked_in.status_code == 200 and checked_in.json()["status"] == "checked_in"
    started = tech_client.post(f"{path}/start")
    assert started.status_code == 200 and started.json()["status"] == "in_service"
    answers = {"items": [{"code": code, "result": "pass"} for code in REQUIRED]}
    assert tech_client.put(f"{path}/checklist", answers).status_code == 200
    completed = tech_client.post(f"{path}/complete")

    assert completed.status_code == 200
    body = completed.json()
    assert body["status"] == "completed"
    assert [(t["from_status"], t["status"], t["by"]) for t in body["timeline"]][-3:] == [
        ("confirmed", "checked_in", "store"),
        ("checked_in", "in_service", "store"),
        ("in_service", "completed", "store"),
    ]
    assert set(Booking.objects.get(pk=booking.pk).events.filter(by_role="store").values_list("by", flat=True)) == {
        tech.pk
    }


def test_completing_needs_every_required_item_answered(floor, tech_client):
    booking = make_booking(store=floor, status=BookingStatus.IN_SERVICE)
    path = f"partner/bookings/{booking.pk}"
    tech_client.put(f"{path}/checklist", {"items": [{"code": "oil_level", "result": "pass"}]})

    error = assert_error(tech_client.post(f"{path}/complete"), 409, "checklist_incomplete")

    assert error["details"]["missing"] == ["tyre_pressure"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.IN_SERVICE


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (BookingStatus.CONFIRMED, "start"),
        (BookingStatus.CONFIRMED, "complete"),
        (BookingStatus.IN_SERVICE, "check-in"),
        (BookingStatus.COMPLETED, "no-show"),
    ],
)
def test_moves_out_of_order_are_invalid_transitions(floor, tech_client, status, action):
    booking = make_booking(store=floor, status=status)

    error = assert_error(tech_client.post(f"partner/bookings/{booking.pk}/{action}"), 409, "invalid_transition")

    assert error["details"]["from"] == status
    assert Booking.objects.get(pk=booking.pk).status == status


def test_no_show_once_the_start_has_passed(floor, tech_client):
    late = past_booking(store=floor)
    upcoming = make_booking(store=floor)

    response = tech_client.post(f"partner/bookings/{late.pk}/no-show")

    assert response.status_code == 200 and response.json()["status"] == "no_show"
    assert_error(tech_client.post(f"partner/bookings/{upcoming.pk}/no-show"), 409, "invalid_transition")


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN])
def test_the_store_cancels_with_a_full_refund_and_the_owner_is_told(floor, tech_client, status):
    # given: paid in full, cancelled by the store just before the start (the owner would have paid a fee)
    booking = make_booking(store=floor, status=status)
    assert booking.amount_paid == Decimal("299.00")

    # when
    response = tech_client.post(f"partner/bookings/{booking.pk}/cancel", {"reason": "举升机故障"})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancellation"] == {
        "by": "store",
        "reason": "举升机故障",
        "fee": "0.00",
        "refund_due": "299.00",
        "refund_to_owner": "299.00",
    }
    message = Message.objects.get(recipient=booking.owner, template="booking_cancelled_by_store", channel="in_app")
    assert "举升机故障" in message.body


def test_the_store_says_why_it_cancels(floor, tech_client):
    booking = make_booking(store=floor)
    path = f"partner/bookings/{booking.pk}/cancel"
    assert_error(tech_client.post(path, {}), 422, "validation_error")
    assert_error(tech_client.post(path, {"reason": ""}), 422, "validation_error")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_once_the_job_has_started_the_store_cannot_cancel(floor, tech_client):
    booking = make_booking(store=floor, status=BookingStatus.IN_SERVICE)
    assert_error(tech_client.post(f"partner/bookings/{booking.pk}/cancel", {"reason": "x"}), 409, "invalid_transition")


@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("get", "", None),
        ("post", "/check-in", None),
        ("post", "/no-show", None),
        ("post", "/cancel", {"reason": "x"}),
        ("get", "/checklist", None),
        ("put", "/checklist", {"items": [{"code": "oil_level", "result": "pass"}]}),
        ("post", "/supplements", {"reason": "x", "lines": [{"description": "x", "qty": 1, "unit_price": "1.00"}]}),
    ],
)
def test_only_that_stores_staff_may_work_on_a_booking(floor, make_client, method, action, data):
    owner = another_owner()
    booking = make_booking(owner=owner, store=floor, status=BookingStatus.CHECKED_IN)
    path = f"partner/bookings/{booking.pk}{action}"
    call = {"get": lambda c, p: c.get(p), "post": lambda c, p: c.post(p, data), "put": lambda c, p: c.put(p, data)}

    assert_error(call[method](make_client(staff_of(make_shop())), path), 404, "not_found")
    # The booking's own owner is not the store's staff either.
    assert_error(call[method](make_client(owner), path), 404, "not_found")
    assert_error(call[method](make_client(staff_of(floor)), f"partner/bookings/999999{action}"), 404, "not_found")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CHECKED_IN
    assert not booking.checklist_answers.exists() and not booking.supplements.exists()


def test_partner_endpoints_are_in_the_openapi_document(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/partner/stores/{store_id}/schedule",
        "/api/v1/partner/bookings/{booking_id}/check-in",
        "/api/v1/partner/bookings/{booking_id}/checklist",
        "/api/v1/partner/bookings/{booking_id}/photos",
        "/api/v1/partner/bookings/{booking_id}/supplements",
        "/api/v1/bookings/{booking_id}/supplements/{supplement_id}/approve",
        "/api/v1/bookings/{booking_id}/supplements/{supplement_id}/reject",
    ]:
        assert path in paths


# --- when a car may be checked in ----------------------------------------------------------------------


def test_a_car_is_not_checked_in_a_day_early(floor, tech_client):
    # given: a confirmed booking tomorrow at 10:00 (at least 10 hours away, whenever the test runs)
    booking = make_booking(store=floor)
    events = booking.events.count()

    # when
    response = tech_client.post(f"partner/bookings/{booking.pk}/check-in")

    # then: refused with when check-in opens, and nothing written
    assert_error(response, 409, "too_early_to_check_in")
    details = response.json()["error"]["details"]
    assert details == {
        "opens_at": (booking.start - dt.timedelta(hours=2)).isoformat(),
        "starts_at": booking.start.isoformat(),
    }
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.events.count() == events


def test_check_in_opens_exactly_two_hours_before_the_start(floor, tech):
    booking = make_booking(store=floor)
    opens = booking.start - dt.timedelta(hours=2)

    with pytest.raises(TooEarlyToCheckIn):
        services.booking_check_in(booking_id=booking.pk, by=tech, now=opens - dt.timedelta(seconds=1))
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED

    checked_in = services.booking_check_in(booking_id=booking.pk, by=tech, now=opens)
    assert checked_in.status == BookingStatus.CHECKED_IN
    assert booking.events.order_by("id").last().at == opens


def test_the_platforms_own_code_keeps_the_rule_at_the_time_it_gives(floor):
    # The demo checks cars in on past days with an explicit ``now``: the rule holds at that time, not the clock's.
    booking = past_booking(store=floor)

    with pytest.raises(TooEarlyToCheckIn):
        services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start - dt.timedelta(days=1))
    assert services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start).status == "checked_in"
