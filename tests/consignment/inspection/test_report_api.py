"""PUT /partner/bookings/{id}/inspection-report: the inspector's draft, its validation (422 with nothing written), who
may write it (404 with no tie, 403 for the wrong role), and the booking it needs (a consignment inspection at the
shop)."""

import pytest

from bookings.models import BookingStatus
from consignment.inspection.template import CODES, ITEMS
from consignment.models import InspectionItem, InspectionReport
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import make_booking
from tests.conftest import error_code
from tests.consignment.inspection.fixtures import (
    VIN,
    VIN_BAD_CHECK,
    inspection_booking,
    inspector_of,
    item_answers,
    report_body,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(booking) -> str:
    return f"partner/bookings/{booking.pk}/inspection-report"


@pytest.fixture
def booking():
    return inspection_booking()


@pytest.fixture
def inspector(booking):
    return inspector_of(booking.store)


@pytest.fixture
def inspector_client(inspector, make_client):
    return make_client(inspector)


def _nothing_written(booking) -> None:
    assert not InspectionReport.objects.filter(booking=booking).exists()
    assert not InspectionItem.objects.exists()


def test_the_inspector_saves_a_draft_with_its_grade(booking, inspector, inspector_client):
    # given a report with a repainted door (250 µm) and a worn seat
    items = item_answers(door_rear_right={"result": "minor", "reading": "250", "note": "补过漆"}, seats="minor")

    # when
    response = inspector_client.put(_url(booking), report_body(items=items))

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "draft" and body["booking_id"] == booking.pk
    assert body["vin"] == VIN and body["plate"] == booking.vehicle.plate
    assert (body["make"], body["model"], body["year"]) == ("丰田", "凯美瑞", 2018)
    assert body["grade"] == body["grade_computed"] == "A"  # 100 - 2 - 2 - 3 = 93
    assert body["grade_basis"] == {
        "score": 93,
        "by_score": "A",
        "repainted": ["door_rear_right"],
        "filler": [],
        "capped_by": [],
    }
    assert body["grade_override"] is None and body["published_at"] is None and body["listing_id"] is None
    assert [i["code"] for i in body["items"]] == list(CODES)
    door = next(i for i in body["items"] if i["code"] == "door_rear_right")
    assert door["reading"] == "250.0" and door["unit"] == "µm" and door["note"] == "补过漆"
    report = InspectionReport.objects.get(booking=booking)
    assert report.inspector == inspector and report.items.count() == len(ITEMS)


def test_saving_again_replaces_the_draft(booking, inspector_client):
    inspector_client.put(_url(booking), report_body(items=item_answers(seats="major")))

    response = inspector_client.put(_url(booking), report_body(mileage_km=90000))

    assert response.status_code == 200
    assert response.json()["mileage_km"] == 90000 and response.json()["grade"] == "A"
    assert InspectionReport.objects.count() == 1
    assert InspectionItem.objects.count() == len(ITEMS)
    assert InspectionItem.objects.get(code="seats").result == "ok"


def test_the_inspector_overrides_the_grade_with_a_reason(booking, inspector_client):
    body = report_body(grade_override={"grade": "B", "reason": "发动机有轻微烧机油迹象，保守定级"})

    response = inspector_client.put(_url(booking), body)

    assert response.status_code == 200
    assert response.json()["grade"] == "B" and response.json()["grade_computed"] == "A"
    assert response.json()["grade_override"] == {"grade": "B", "reason": "发动机有轻微烧机油迹象，保守定级"}


def test_an_override_to_the_computed_grade_changes_nothing(booking, inspector_client):
    response = inspector_client.put(_url(booking), report_body(grade_override={"grade": "A", "reason": "同上"}))

    assert response.json()["grade_override"] is None
    assert InspectionReport.objects.get().grade_override_reason == ""


def _answers_without(code: str) -> list[dict]:
    return [a for a in item_answers() if a["code"] != code]


BAD_BODIES = {
    "vin check digit": ({"vin": VIN_BAD_CHECK}, "vin"),
    "vin too short": ({"vin": "LSVAU218XN218329"}, "vin"),
    "vin with an O": ({"vin": "LSVAU218XNO183294"}, "vin"),
    "mileage": ({"mileage_km": -1}, "mileage_km"),
    "transfers": ({"transfers": 100}, "transfers"),
    "first registration ahead": ({"first_registered": "2999-01-01"}, "first_registered"),
    "unknown code": ({"items": [*item_answers(), {"code": "warp_drive", "result": "ok"}]}, f"items.{len(ITEMS)}.code"),
    "an item missing": ({"items": _answers_without("roof")}, "items"),
    "an item twice": ({"items": [*item_answers(), {"code": "horn", "result": "ok"}]}, f"items.{len(ITEMS)}.code"),
    "unknown result": ({"items": item_answers(horn="broken")}, f"items.{CODES.index('horn')}.result"),
    "reading without a unit": ({"items": item_answers(horn={"reading": "3"})}, f"items.{CODES.index('horn')}.reading"),
    "paint reading missing": ({"items": item_answers(roof={"reading": None})}, f"items.{CODES.index('roof')}.reading"),
    "reading out of range": (
        {"items": item_answers(tyre_tread={"reading": "45"})},
        f"items.{CODES.index('tyre_tread')}.reading",
    ),
    "critical check n/a": ({"items": item_answers(flood="na")}, f"items.{CODES.index('flood')}.result"),
    "override without reason": ({"grade_override": {"grade": "C", "reason": ""}}, "grade_override.reason"),
    "override grade": ({"grade_override": {"grade": "E", "reason": "x"}}, "grade_override.grade"),
    "NUL in a note": ({"items": item_answers(horn={"note": "a\x00b"})}, f"items.{CODES.index('horn')}.note"),
}


@pytest.mark.parametrize("case", BAD_BODIES, ids=list(BAD_BODIES))
def test_bad_input_is_refused_with_nothing_written(booking, inspector_client, case):
    fields, field = BAD_BODIES[case]

    response = inspector_client.put(_url(booking), report_body(**fields))

    assert response.status_code == 422, response.content
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]["fields"], response.json()
    _nothing_written(booking)


def test_a_refused_save_keeps_the_draft_saved_before(booking, inspector_client):
    inspector_client.put(_url(booking), report_body(mileage_km=70000))

    response = inspector_client.put(_url(booking), report_body(vin=VIN_BAD_CHECK, mileage_km=80000))

    assert response.status_code == 422
    assert InspectionReport.objects.get().mileage_km == 70000
    assert InspectionItem.objects.count() == len(ITEMS)


def test_a_paint_panel_answered_na_needs_no_reading(booking, inspector_client):
    response = inspector_client.put(
        _url(booking), report_body(items=item_answers(roof={"result": "na", "reading": None}))
    )

    assert response.status_code == 200


def test_staff_of_another_store_and_the_owner_get_404(booking, make_client):
    other_store_tech = inspector_of(make_shop())

    for user in (other_store_tech, booking.owner, UserFactory(roles=["dealer"])):
        response = make_client(user).put(_url(booking), report_body())
        assert response.status_code == 404, user
        assert error_code(response) == "not_found"
    _nothing_written(booking)


def test_a_missing_booking_is_404_like_another_stores(inspector_client):
    assert inspector_client.put("partner/bookings/999999/inspection-report", report_body()).status_code == 404


def test_a_service_advisor_may_read_but_not_write(booking, inspector_client, make_client):
    advisor = make_client(inspector_of(booking.store, role="advisor"))

    refused = advisor.put(_url(booking), report_body())
    inspector_client.put(_url(booking), report_body())
    read = advisor.get(_url(booking))

    assert refused.status_code == 403 and error_code(refused) == "permission_denied"
    assert read.status_code == 200 and read.json()["vin"] == VIN


def test_not_signed_in_is_401(api, booking):
    assert api.put(_url(booking), report_body()).status_code == 401


def test_a_booking_that_is_not_an_inspection_is_409(make_client):
    store = make_shop()
    booking = make_booking(store=store, status=BookingStatus.IN_SERVICE)

    response = make_client(inspector_of(store)).put(_url(booking), report_body())

    assert response.status_code == 409 and error_code(response) == "not_an_inspection_booking"
    assert not InspectionReport.objects.exists()


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT])
def test_the_car_must_be_at_the_shop(make_client, status):
    booking = inspection_booking(status=status)

    response = make_client(inspector_of(booking.store)).put(_url(booking), report_body())

    assert response.status_code == 409 and error_code(response) == "booking_not_at_shop"
    _nothing_written(booking)


def test_a_checked_in_car_can_be_inspected(make_client):
    booking = inspection_booking(status=BookingStatus.CHECKED_IN)

    assert make_client(inspector_of(booking.store)).put(_url(booking), report_body()).status_code == 200


def test_get_before_any_draft_is_404(booking, inspector_client):
    assert inspector_client.get(_url(booking)).status_code == 404
