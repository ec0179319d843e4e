"""The seller's listings (GET /consignment/listings and /{id}), the vehicle passport in the report, and the dealers'
view of a report (no seller, no plate, masked photos)."""

import json

import pytest

from bookings.models import Booking, BookingStatus
from chefu.errors import NotFound
from consignment.inspection.passport import passport_build
from consignment.inspection.selectors import report_for_dealer
from consignment.models import InspectionPhoto, InspectionReport, Listing
from tests.bookings.conftest import local, tomorrow
from tests.bookings.floor_fixtures import make_booking
from tests.conftest import error_code, issue_token
from tests.consignment.inspection.fixtures import (
    VIN,
    complete,
    inspection_booking,
    inspection_shop,
    inspector_of,
    item_answers,
    plate_photo,
    post_report_photo,
    save_report,
)
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def _listed(*, owner=None, vehicle=None, hour=10, **report) -> Listing:
    booking = inspection_booking(owner=owner, vehicle=vehicle, hour=hour)
    save_report(booking, **report)
    complete(booking)
    return Listing.objects.get(report__booking=booking)


def test_the_seller_lists_their_cars_newest_first(committing, make_client, django_assert_max_num_queries):
    seller = UserFactory(roles=["owner"])
    first = _listed(owner=seller, hour=10)
    second = _listed(owner=seller, hour=11)
    _listed()  # someone else's
    client = make_client(seller)

    with django_assert_max_num_queries(6):
        response = client.get("consignment/listings")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [i["id"] for i in body["items"]] == [second.pk, first.pk]
    item = body["items"][0]
    assert item["status"] == "draft" and item["grade"] == "A" and item["report_id"] == second.report_id
    assert (item["make"], item["model"], item["year"], item["mileage_km"]) == ("丰田", "凯美瑞", 2018, 86500)
    paged = client.get("consignment/listings", {"limit": 1, "offset": 1}).json()
    assert paged["count"] == 2 and [i["id"] for i in paged["items"]] == [first.pk]


def test_listings_need_a_sign_in(api):
    assert api.get("consignment/listings").status_code == 401


def test_the_seller_reads_the_listing_with_its_full_report(committing, make_client):
    listing = _listed(items=item_answers(door_rear_right={"result": "minor", "reading": "260"}))
    booking = listing.report.booking
    client = make_client(listing.seller)

    response = client.get(f"consignment/listings/{listing.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    report = body["report"]
    assert body["id"] == listing.pk and report["status"] == "published" and report["listing_id"] == listing.pk
    assert report["plate"] == booking.vehicle.plate and report["vin"] == VIN
    assert report["grade_basis"]["repainted"] == ["door_rear_right"]
    assert len(report["items"]) == 68 and report["passport"] == []


def test_someone_elses_listing_is_404(committing, make_client):
    listing = _listed()
    staff = inspector_of(listing.report.store)

    for user in (UserFactory(roles=["owner"]), staff, UserFactory(roles=["dealer"])):
        response = make_client(user).get(f"consignment/listings/{listing.pk}")
        assert response.status_code == 404 and error_code(response) == "not_found"
    assert make_client(listing.seller).get("consignment/listings/999999").status_code == 404


# --- passport -------------------------------------------------------------------------------------------------------


def _service_history(vehicle, *, store=None, hour=14) -> Booking:
    """A completed minor service of ``vehicle`` (its checklist answered: pass, pass, and the optional one skipped)."""
    return make_booking(
        owner=vehicle.owner, store=store, vehicle=vehicle, status=BookingStatus.COMPLETED, start=local(tomorrow(), hour)
    )


def test_the_passport_holds_the_cars_history_under_any_owner(committing):
    # given the car serviced twice by its former owner (same VIN, another account), once by the seller (same plate),
    # and another car serviced too
    former = VehicleFactory(plate="沪C11111", vin=VIN, mileage_km=52000)
    seller_car = VehicleFactory(plate="沪D22222", vin="", make="丰田", model="凯美瑞", year=2018, mileage_km=86000)
    _service_history(former, hour=9)
    _service_history(former, hour=11)
    _service_history(seller_car, hour=15)
    _service_history(VehicleFactory(vin="LFV2A21K8D4123456"), hour=16)

    # when the seller's inspection is published
    listing = _listed(owner=seller_car.owner, vehicle=seller_car)

    # then the passport lists the three visits, oldest first, without anyone's name or plate
    passport = InspectionReport.objects.get(pk=listing.report_id).passport
    assert [e["matched_by"] for e in passport] == ["vin", "vin", "plate"]
    entry = passport[0]
    assert entry["service"]["code"] == "minor_service" and entry["service"]["name_zh"]
    assert entry["mileage_km"] == 52000 and entry["mileage_source"] == "owner"
    assert [(c["code"], c["result"]) for c in entry["checklist"]] == [
        ("oil_level", "pass"),
        ("tyre_pressure", "pass"),
        ("wipers", None),
    ]
    assert entry["store"] and entry["date"]
    text = json.dumps(passport, ensure_ascii=False)
    assert "沪C11111" not in text and "沪D22222" not in text and former.owner.name not in text


def test_an_earlier_inspection_gives_its_measured_mileage(committing):
    car = VehicleFactory(plate="沪E33333", vin=VIN, mileage_km=99000)
    _listed(owner=car.owner, vehicle=car, hour=9, mileage_km=70000)

    passport = passport_build(vin=VIN, plate="", exclude_booking_id=None)

    assert [(e["service"]["code"], e["mileage_km"], e["mileage_source"]) for e in passport] == [
        ("consignment_inspection", 70000, "inspection")
    ]


def test_the_passport_is_a_snapshot_from_publication(committing, make_client):
    car = VehicleFactory(plate="沪F44444", vin=VIN)
    listing = _listed(owner=car.owner, vehicle=car)
    _service_history(car, store=inspection_shop(), hour=15)  # later

    body = make_client(listing.seller).get(f"consignment/listings/{listing.pk}").json()

    assert body["report"]["passport"] == []
    assert len(passport_build(vin=VIN, plate=car.plate, exclude_booking_id=listing.report.booking_id)) == 1


def test_a_draft_shows_the_passport_as_it_stands(committing, make_client):
    car = VehicleFactory(plate="沪G55555", vin=VIN)
    _service_history(car, hour=15)
    booking = inspection_booking(owner=car.owner, vehicle=car)
    save_report(booking)

    body = make_client(inspector_of(booking.store)).get(f"partner/bookings/{booking.pk}/inspection-report").json()

    assert [e["matched_by"] for e in body["passport"]] == ["vin_and_plate"]
    assert body["passport"][0]["checklist"][0]["label"] == "检查机油液位"


# --- the dealers' view ----------------------------------------------------------------------------------------------


def test_the_dealers_view_hides_the_seller_and_the_plate(committing):
    booking = inspection_booking()
    save_report(booking, items=item_answers(bumper_rear="minor"))
    token = issue_token(inspector_of(booking.store))
    assert post_report_photo(token, booking.pk, plate_photo(), item_code="bumper_rear").status_code == 201
    assert post_report_photo(token, booking.pk, plate_photo(), item_code=None).status_code == 201
    complete(booking)
    report = InspectionReport.objects.get(booking=booking)
    photos = list(InspectionPhoto.objects.filter(report=report).order_by("id"))

    view = report_for_dealer(report_id=report.pk)

    # The VIN's serial part is masked until a deal: the model, not the car.
    assert view["id"] == report.pk and view["vin"] == VIN[:10] + "*****" + VIN[-2:] and view["grade"] == "A"
    assert VIN not in json.dumps(view, ensure_ascii=False, default=str)
    assert "plate" not in view and "booking_id" not in view and "listing_id" not in view
    text = json.dumps(view, ensure_ascii=False, default=str)
    assert booking.vehicle.plate not in text
    assert booking.owner.name not in text and booking.owner.phone not in text
    bumper = next(i for i in view["items"] if i["code"] == "bumper_rear")
    assert [p["url"] for p in bumper["photos"]] == [photos[0].masked.url]
    assert [p["url"] for p in view["photos"]] == [photos[1].masked.url]
    assert photos[0].image.url not in text


def test_the_dealers_view_of_a_draft_is_404():
    booking = inspection_booking()
    report = save_report(booking)

    with pytest.raises(NotFound):
        report_for_dealer(report_id=report.pk)


def test_the_dealers_view_fits_its_schema(committing):
    from consignment.inspection.schemas import DealerReportOut

    listing = _listed()

    parsed = DealerReportOut.model_validate(report_for_dealer(report_id=listing.report_id))

    assert parsed.grade == "A" and not hasattr(parsed, "plate")
