"""Photos staff upload for a booking: validated, size-limited, re-encoded, stored."""

import io

import pytest
from PIL import Image

from bookings import photos
from bookings.models import BookingStatus, Photo
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import image_bytes, make_booking, post_photo, staff_of
from tests.chefu.envelope import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(floor):
    return make_booking(store=floor, status=BookingStatus.CHECKED_IN)


def _exif_with_gps() -> bytes:
    image = Image.new("RGB", (80, 60), "blue")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 49.0)}  # GPSInfo: the shop's position
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_re_encoded(job, tech, tech_client):
    response = post_photo(tech_client.token, job.pk, image_bytes("PNG", (64, 48)))

    assert response.status_code == 201
    body = response.json()
    photo = Photo.objects.get(pk=body["id"])
    assert body == {"id": photo.pk, "url": photo.image.url, "width": 64, "height": 48}
    assert photo.booking_id == job.pk and photo.uploaded_by_id == tech.pk
    assert photo.image.name.startswith("bookings/") and photo.image.name.endswith(".jpg")
    with photo.image.storage.open(photo.image.name) as stored:
        data = stored.read()
    assert photo.size == len(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)


def test_the_phones_metadata_does_not_survive(job, tech_client):
    body = post_photo(tech_client.token, job.pk, _exif_with_gps(), name="IMG_0001.jpg").json()

    photo = Photo.objects.get(pk=body["id"])
    with photo.image.storage.open(photo.image.name) as stored, Image.open(stored) as image:
        assert not image.getexif()


def test_a_big_photo_is_brought_down_to_the_longest_side(job, tech_client, settings):
    settings.PHOTO_MAX_SIDE = 32

    body = post_photo(tech_client.token, job.pk, image_bytes("PNG", (64, 48))).json()

    assert (body["width"], body["height"]) == (32, 24)


@pytest.mark.parametrize(
    "data",
    [b"not an image at all", b"", image_bytes("GIF"), image_bytes("PNG")[:60]],
    ids=["text", "empty", "gif", "truncated"],
)
def test_what_is_not_a_usable_photo_is_refused(job, tech_client, data):
    error = assert_error(post_photo(tech_client.token, job.pk, data), 422, "validation_error")
    assert list(error["details"]["fields"]) == ["photo"]
    assert not Photo.objects.filter(booking=job).exists()


def test_a_photo_over_the_size_limit_is_refused(job, tech_client, settings):
    data = image_bytes("PNG", (64, 48))
    settings.PHOTO_MAX_BYTES = len(data) - 1

    error = assert_error(post_photo(tech_client.token, job.pk, data), 422, "validation_error")

    assert list(error["details"]["fields"]) == ["photo"]
    assert not Photo.objects.filter(booking=job).exists()


def test_the_photo_field_is_required(job, tech_client):
    error = assert_error(post_photo(tech_client.token, job.pk, None), 422, "validation_error")
    assert "photo" in error["details"]["fields"]


def test_a_booking_holds_a_bounded_number_of_photos(job, tech_client, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTOS_PER_BOOKING", 1)
    assert post_photo(tech_client.token, job.pk, image_bytes()).status_code == 201

    error = assert_error(post_photo(tech_client.token, job.pk, image_bytes()), 422, "validation_error")

    assert list(error["details"]["fields"]) == ["photo"]
    assert Photo.objects.filter(booking=job).count() == 1


def test_only_that_stores_staff_may_upload(job, make_client, api):
    for user in (staff_of(make_shop()), job.owner):
        # no tie to the booking's store: the same 404 as for a booking that does not exist
        assert_error(post_photo(make_client(user).token, job.pk, image_bytes()), 404, "not_found")
    assert_error(post_photo(None, job.pk, image_bytes()), 401, "not_authenticated")
    assert_error(post_photo(make_client(staff_of(job.store)).token, 999999, image_bytes()), 404, "not_found")
    assert not Photo.objects.filter(booking=job).exists()


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.CANCELLED])
def test_photos_only_while_the_car_is_at_the_shop(floor, tech_client, status):
    booking = make_booking(store=floor, status=status)

    assert_error(post_photo(tech_client.token, booking.pk, image_bytes()), 409, "booking_not_at_shop")

    assert not Photo.objects.filter(booking=booking).exists()


def test_photos_can_be_taken_in_service(floor, tech_client):
    booking = make_booking(store=floor, status=BookingStatus.IN_SERVICE)
    assert post_photo(tech_client.token, booking.pk, image_bytes()).status_code == 201


def test_an_oversized_upload_is_cut_off_while_it_streams_in(job, tech_client, settings, monkeypatch):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    spooled = []
    monkeypatch.setattr(
        TemporaryFileUploadHandler, "receive_data_chunk", lambda self, data, start: spooled.append(data)
    )
    settings.PHOTO_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # would spool anything bigger to a temporary file
    big = image_bytes("PNG", (16, 16)) + b"\0" * (2 * 1024 * 1024)

    error = assert_error(post_photo(tech_client.token, job.pk, big), 422, "validation_error")

    assert list(error["details"]["fields"]) == ["photo"]
    assert sum(map(len, spooled)) <= settings.PHOTO_MAX_BYTES  # the rest never reached the disk
    assert not Photo.objects.filter(booking=job).exists()
