"""Photos of a report's items: uploaded by the inspector (validated and re-encoded like booking photos, with a
plate-masked copy for dealers), served privately: the original to the store, QA and the seller; the masked copy to
verified dealers of a published report too; 404 to everyone else."""

import io

import pytest
from django.test import Client
from PIL import Image

from consignment.models import Dealer, DealerStatus, InspectionPhoto
from tests.bookings.floor_fixtures import image_bytes
from tests.conftest import error_code, issue_token
from tests.consignment.inspection.fixtures import (
    complete,
    inspection_booking,
    inspector_of,
    plate_photo,
    post_report_photo,
    save_report,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking():
    booking = inspection_booking()
    save_report(booking)
    return booking


@pytest.fixture
def token(booking):
    return issue_token(inspector_of(booking.store))


def _get(url: str, user=None):
    headers = {"Authorization": f"Bearer {issue_token(user)}"} if user else {}
    return Client().get(url, headers=headers)


def test_a_photo_is_stored_re_encoded_with_a_masked_copy(booking, token):
    response = post_report_photo(token, booking.pk, plate_photo(), item_code="bumper_rear")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["item_code"] == "bumper_rear" and (body["width"], body["height"]) == (640, 480)
    photo = InspectionPhoto.objects.get(pk=body["id"])
    assert photo.image.name.endswith(".jpg") and photo.masked.name.startswith("consignment/masked/")
    with photo.image.open() as original, photo.masked.open() as masked:
        assert original.read() != masked.read()


def test_a_photo_of_the_car_as_a_whole_has_no_item(booking, token):
    response = post_report_photo(token, booking.pk, image_bytes(), item_code=None)

    assert response.status_code == 201 and response.json()["item_code"] == ""


def test_an_unknown_item_or_a_non_image_is_422(booking, token):
    unknown = post_report_photo(token, booking.pk, image_bytes(), item_code="warp_drive")
    not_image = post_report_photo(token, booking.pk, b"GIF89a not really")

    assert unknown.status_code == 422 and "item_code" in unknown.json()["error"]["details"]["fields"]
    assert not_image.status_code == 422 and "photo" in not_image.json()["error"]["details"]["fields"]
    assert not InspectionPhoto.objects.exists()


def test_a_photo_needs_a_saved_draft():
    booking = inspection_booking()

    response = post_report_photo(issue_token(inspector_of(booking.store)), booking.pk, image_bytes())

    assert response.status_code == 409 and error_code(response) == "inspection_report_missing"


def test_who_may_upload(booking):
    owner = post_report_photo(issue_token(booking.owner), booking.pk, image_bytes())
    advisor = post_report_photo(issue_token(inspector_of(booking.store, role="advisor")), booking.pk, image_bytes())

    assert owner.status_code == 404 and advisor.status_code == 403
    assert not InspectionPhoto.objects.exists()


def _verified_dealer():
    user = UserFactory(roles=["dealer"])
    Dealer.objects.create(user=user, company="诚信车行", license_no="91310000MA1FL0001X", status=DealerStatus.VERIFIED)
    return user


def test_who_sees_which_copy(booking, token, committing):
    body = post_report_photo(token, booking.pk, plate_photo()).json()
    photo = InspectionPhoto.objects.get(pk=body["id"])
    original, masked = photo.image.url, photo.masked.url
    staff, seller, qa = inspector_of(booking.store, role="advisor"), booking.owner, UserFactory(roles=["qa"])
    dealer, stranger = _verified_dealer(), UserFactory(roles=["owner"])
    applied = UserFactory(roles=["dealer"])
    Dealer.objects.create(user=applied, company="新车行", license_no="91310000MA1FL0002X")

    # a draft: the dealers see nothing yet
    assert _get(masked, dealer).status_code == 404
    complete(booking)

    for user in (staff, seller, qa):
        assert _get(original, user).status_code == 200, user
        assert _get(masked, user).status_code == 200, user
    assert _get(masked, dealer).status_code == 200
    assert _get(original, dealer).status_code == 404
    for user in (stranger, applied, None):
        assert _get(original, user).status_code == 404
        assert _get(masked, user).status_code == 404
    served = _get(masked, dealer)
    assert served["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (640, 480)
