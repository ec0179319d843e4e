"""Booking photos are private: only the booking's owner, its store's staff and QA are shown them; review photos stay
public under MEDIA_URL."""

from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bookings import photos
from bookings.models import PHOTO_PREFIX, BookingStatus, Photo
from bookings.selectors import photo_get_for_viewer
from chefu.checks import private_media_check
from chefu.errors import NotFound
from reviews.models import ReviewPhoto
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import image_bytes, make_booking, staff_of
from tests.conftest import issue_token
from tests.factories import UserFactory
from web import urls as site_urls
from web.urls import media_urlpatterns

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(floor) -> Photo:
    job = make_booking(store=floor, status=BookingStatus.CHECKED_IN)
    upload = SimpleUploadedFile("car.png", image_bytes("PNG", (40, 30)), content_type="image/png")
    return photos.photo_add(booking_id=job.pk, by=staff_of(floor), upload=upload)


def _viewer(kind: str, photo: Photo):
    booking = photo.booking
    return {
        "owner": lambda: booking.owner,
        "staff of the store": lambda: staff_of(booking.store),
        "manager of the store": lambda: staff_of(booking.store, role="manager"),
        "qa": lambda: UserFactory(roles=["qa"]),
        "another owner": lambda: UserFactory(roles=["owner"]),
        "staff of another store": lambda: staff_of(make_shop()),
        "anonymous": lambda: None,
    }[kind]()


ALLOWED = ["owner", "staff of the store", "manager of the store", "qa"]
REFUSED = ["another owner", "staff of another store", "anonymous"]


def _session_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("kind", ALLOWED)
def test_the_owner_the_stores_staff_and_qa_see_the_photo(photo, kind):
    response = _session_client(_viewer(kind, photo)).get(photo.image.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    with photo.image.storage.open(photo.image.name) as stored:
        assert b"".join(response.streaming_content) == stored.read()


@pytest.mark.parametrize("kind", REFUSED)
def test_anyone_else_gets_404(photo, kind):
    response = _session_client(_viewer(kind, photo)).get(photo.image.url)

    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")


@pytest.mark.parametrize(("kind", "status"), [("owner", 200), ("qa", 200), ("another owner", 404)])
def test_an_api_client_shows_its_bearer_token(photo, kind, status):
    token = issue_token(_viewer(kind, photo))

    response = Client().get(photo.image.url, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == status


def test_a_bad_token_is_not_saved_by_a_session(photo):
    client = _session_client(photo.booking.owner)

    assert client.get(photo.image.url, headers={"Authorization": "Bearer nonsense"}).status_code == 404
    assert client.get(photo.image.url).status_code == 200


def test_a_photo_that_is_not_there_is_404(photo):
    client = _session_client(UserFactory(roles=["qa"]))

    assert client.get(settings.PRIVATE_MEDIA_URL + PHOTO_PREFIX + "2026/01/nothing.jpg").status_code == 404
    assert client.get(settings.PRIVATE_MEDIA_URL + PHOTO_PREFIX + "../reviews/x.jpg").status_code == 404


def test_a_deactivated_owner_is_refused(photo):
    owner = photo.booking.owner
    token = issue_token(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert Client().get(photo.image.url, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_nginx_sends_the_file_where_x_accel_redirect_is_set(photo, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private-media/"

    response = _session_client(photo.booking.owner).get(photo.image.url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_private-media/" + photo.image.name
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""
    # and still nobody else
    assert _session_client(UserFactory(roles=["owner"])).get(photo.image.url).status_code == 404


def test_nothing_under_media_url_holds_booking_photos(photo, settings, tmp_path):
    # given the site answering for MEDIA_URL itself (the demo's MEDIA_SERVED_BY_DJANGO: web.urls' own route), from a
    # MEDIA_ROOT on disk holding a public file
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    urlconf = ModuleType("media_served_by_django")
    urlconf.urlpatterns = media_urlpatterns() + site_urls.urlpatterns
    settings.ROOT_URLCONF = urlconf
    public = default_storage.save("reviews/2026/01/public.jpg", ContentFile(b"public"))
    assert Client().get(settings.MEDIA_URL + public).status_code == 200  # the route is there

    # then the photo's file is on disk outside MEDIA_ROOT and STATIC_ROOT, and MEDIA_URL does not reach it
    stored = Path(photo.image.path).resolve()
    assert stored.is_file()
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    for public_root in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not stored.is_relative_to(Path(public_root).resolve())
    assert Client().get(settings.MEDIA_URL + photo.image.name).status_code == 404
    # its URL is the guarded view's
    assert photo.image.url == settings.PRIVATE_MEDIA_URL + photo.image.name
    assert Client().get(photo.image.url).status_code == 404
    assert _session_client(photo.booking.owner).get(photo.image.url).status_code == 200


def test_the_booking_detail_links_its_photos_to_the_guarded_view(photo, make_client):
    from bookings.checklists import checklist_answer

    checklist_answer(
        booking_id=photo.booking_id,
        by=staff_of(photo.booking.store),
        items=[{"code": "oil_level", "result": "pass", "photo": photo.pk}],
    )
    body = make_client(photo.booking.owner).get(f"bookings/{photo.booking_id}").json()

    shown = [item["photo"] for item in body["checklist"] if item.get("photo")]
    assert shown == [{"id": photo.pk, "url": photo.image.url, "width": 40, "height": 30}]


def test_review_photos_stay_public():
    assert ReviewPhoto._meta.get_field("image").storage is default_storage
    assert Photo._meta.get_field("image").storage is not default_storage


def test_a_private_root_inside_media_root_is_refused_at_start(settings, tmp_path):
    assert private_media_check(None) == []
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_URL = settings.MEDIA_URL + "private/"

    assert sorted(error.id for error in private_media_check(None)) == ["chefu.E101", "chefu.E102"]
    # registered with the system checks by chefu's app config, whatever else is imported
    assert {"chefu.E101", "chefu.E102"} <= {error.id for error in run_checks()}


@pytest.mark.parametrize("kind", ["another owner", "staff of another store"])
def test_someone_elses_photo_costs_what_a_missing_one_does(photo, kind, django_assert_num_queries):
    # The time taken must not tell a stranger that a photo is there: one query either way.
    stranger = _viewer(kind, photo)
    with django_assert_num_queries(1), pytest.raises(NotFound):
        photo_get_for_viewer(user=stranger, name=PHOTO_PREFIX + "2026/01/nothing.jpg")
    with django_assert_num_queries(1), pytest.raises(NotFound):
        photo_get_for_viewer(user=stranger, name=photo.image.name)
