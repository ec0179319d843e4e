"""Checklist answers: staff answer the booking's snapshotted checklist while the car is at the shop."""

import pytest

from bookings.checklists import checklist_answer
from bookings.models import BookingStatus, ChecklistAnswer, Photo
from chefu.errors import ValidationFailed
from tests.bookings.floor_fixtures import CHECKLIST, image_bytes, make_booking, post_photo
from tests.chefu.envelope import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(floor):
    """A booking in service at the floor shop."""
    return make_booking(store=floor, status=BookingStatus.IN_SERVICE)


def _path(booking) -> str:
    return f"partner/bookings/{booking.pk}/checklist"


def _results(body) -> dict:
    return {item["code"]: item["result"] for item in body["items"]}


def test_the_checklist_is_the_bookings_snapshot_unanswered(job, tech_client):
    response = tech_client.get(_path(job))

    assert response.status_code == 200
    body = response.json()
    assert body["booking_id"] == job.pk and body["status"] == "in_service"
    assert [(i["code"], i["label"], i["required"]) for i in body["items"]] == [
        (i["code"], i["label_zh"], i["required"]) for i in CHECKLIST
    ]
    assert all(i["result"] is None and i["note"] == "" and i["photo"] is None for i in body["items"])
    assert body["missing"] == ["oil_level", "tyre_pressure"]


def test_labels_follow_the_language_asked_for(job, tech_client):
    body = tech_client.get(_path(job), headers={"Accept-Language": "en"}).json()
    assert body["items"][0]["label"] == "Check the oil level"


def test_answers_are_upserted_item_by_item(job, tech, tech_client):
    # given: one answer
    first = tech_client.put(_path(job), {"items": [{"code": "oil_level", "result": "fail", "note": "偏低"}]})
    assert first.status_code == 200
    assert _results(first.json()) == {"oil_level": "fail", "tyre_pressure": None, "wipers": None}
    assert first.json()["missing"] == ["tyre_pressure"]

    # when: another item, and the first one again (its note left out)
    second = tech_client.put(
        _path(job),
        {"items": [{"code": "tyre_pressure", "result": "pass"}, {"code": "oil_level", "result": "pass"}]},
    )

    # then: one row per code, the latest answer, the note cleared; the optional item is not needed
    assert second.status_code == 200
    assert _results(second.json()) == {"oil_level": "pass", "tyre_pressure": "pass", "wipers": None}
    assert second.json()["missing"] == []
    rows = ChecklistAnswer.objects.filter(booking=job)
    assert rows.count() == 2
    oil = rows.get(code="oil_level")
    assert oil.note == "" and oil.answered_by_id == tech.pk


def test_an_answer_may_point_at_a_photo_of_the_booking(job, tech_client):
    photo_id = post_photo(tech_client.token, job.pk, image_bytes()).json()["id"]

    response = tech_client.put(
        _path(job), {"items": [{"code": "tyre_pressure", "result": "pass", "note": "2.4 bar", "photo": photo_id}]}
    )

    assert response.status_code == 200
    item = next(i for i in response.json()["items"] if i["code"] == "tyre_pressure")
    assert item["note"] == "2.4 bar"
    assert item["photo"]["id"] == photo_id and item["photo"]["url"].endswith(".jpg")


def test_the_owner_sees_the_answers_and_photos_on_the_booking(job, tech_client, make_client):
    photo_id = post_photo(tech_client.token, job.pk, image_bytes()).json()["id"]
    tech_client.put(
        _path(job),
        {
            "items": [
                {"code": "oil_level", "result": "pass"},
                {"code": "tyre_pressure", "result": "fail", "note": "左前轮漏气", "photo": photo_id},
            ]
        },
    )

    body = make_client(job.owner).get(f"bookings/{job.pk}").json()

    checklist = {i["code"]: i for i in body["checklist"]}
    assert checklist["oil_level"]["result"] == "pass"
    assert checklist["tyre_pressure"]["result"] == "fail" and checklist["tyre_pressure"]["note"] == "左前轮漏气"
    photo = Photo.objects.get(pk=photo_id)
    assert checklist["tyre_pressure"]["photo"] == {
        "id": photo_id,
        "url": photo.image.url,
        "width": photo.width,
        "height": photo.height,
    }
    assert checklist["wipers"]["result"] is None


def test_an_item_not_on_the_checklist_is_named_and_nothing_is_written(job, tech_client):
    response = tech_client.put(
        _path(job), {"items": [{"code": "oil_level", "result": "pass"}, {"code": "brake_fluid", "result": "pass"}]}
    )

    error = assert_error(response, 422, "validation_error")
    assert list(error["details"]["fields"]) == ["items.1.code"]
    assert "brake_fluid" in error["details"]["fields"]["items.1.code"][0]
    assert not ChecklistAnswer.objects.filter(booking=job).exists()


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"code": "oil_level", "result": "pass"}, {"code": "oil_level", "result": "fail"}], "items.1.code"),
        ([{"code": "oil_level", "result": "ok"}], "items.0.result"),
        ([{"code": "oil_level"}], "items.0.result"),
        ([{"result": "pass"}], "items.0.code"),
        ([{"code": "oil_level", "result": "pass", "note": "x" * 1001}], "items.0.note"),
        ([{"code": "oil_level", "result": "pass", "photo": 0}], "items.0.photo"),
        ([], "items"),
    ],
)
def test_malformed_answers_are_refused(job, tech_client, items, field):
    error = assert_error(tech_client.put(_path(job), {"items": items}), 422, "validation_error")
    assert field in error["details"]["fields"]
    assert not ChecklistAnswer.objects.filter(booking=job).exists()


def test_a_photo_of_another_booking_is_refused(job, floor, tech_client):
    elsewhere = make_booking(store=floor, status=BookingStatus.CHECKED_IN)
    foreign = post_photo(tech_client.token, elsewhere.pk, image_bytes()).json()["id"]

    response = tech_client.put(_path(job), {"items": [{"code": "oil_level", "result": "pass", "photo": foreign}]})

    error = assert_error(response, 422, "validation_error")
    assert list(error["details"]["fields"]) == ["items.0.photo"]
    assert not ChecklistAnswer.objects.filter(booking=job).exists()


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.PENDING_PAYMENT,
        BookingStatus.CONFIRMED,
        BookingStatus.COMPLETED,
        BookingStatus.CANCELLED,
        BookingStatus.NO_SHOW,
    ],
)
def test_answers_only_while_the_car_is_at_the_shop(floor, tech_client, status):
    booking = make_booking(store=floor, status=status)
    before = ChecklistAnswer.objects.filter(booking=booking).count()

    response = tech_client.put(_path(booking), {"items": [{"code": "wipers", "result": "na"}]})

    error = assert_error(response, 409, "booking_not_at_shop")
    assert error["details"] == {"status": status, "allowed": ["checked_in", "in_service"]}
    assert ChecklistAnswer.objects.filter(booking=booking).count() == before


def test_answering_is_allowed_from_check_in(floor, tech_client):
    booking = make_booking(store=floor, status=BookingStatus.CHECKED_IN)
    assert tech_client.put(_path(booking), {"items": [{"code": "wipers", "result": "na"}]}).status_code == 200


def test_the_service_names_every_bad_item_at_once(job, tech):
    with pytest.raises(ValidationFailed) as caught:
        checklist_answer(
            booking_id=job.pk,
            by=tech,
            items=[
                {"code": "nope", "result": "pass"},
                {"code": "oil_level", "result": "maybe"},
                {"code": "wipers", "result": "na", "photo": 999999},
            ],
        )
    assert set(caught.value.details["fields"]) == {"items.0.code", "items.1.result", "items.2.photo"}


def test_the_service_returns_the_rows_it_wrote(job, tech):
    answers = checklist_answer(booking_id=job.pk, by=tech, items=[{"code": "oil_level", "result": "pass"}])
    again = checklist_answer(booking_id=job.pk, by=tech, items=[{"code": "oil_level", "result": "fail"}])

    assert [a.pk for a in answers] == [a.pk for a in again]
    assert ChecklistAnswer.objects.get(pk=answers[0].pk).result == "fail"
