"""Writing a review: who may, when, once; editing within a day; one follow-up; photos."""

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InternalError, connections, transaction
from django.utils import timezone
from PIL import ExifTags, Image

from bookings.models import Booking
from reviews import services
from reviews.models import QaFollowUp, Review, ReviewPhoto, ReviewRevision
from tests.bookings.conftest import another_owner, book, local, make_shop, tomorrow
from tests.conftest import ApiClient, error_code, issue_token
from tests.reviews.conftest import RATINGS, done_booking

# Services called directly commit as in production: their events reach the reputation and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def _write(client, booking, **body):
    return client.post(f"bookings/{booking.pk}/review", {"ratings": RATINGS} | body)


def test_the_owner_reviews_a_completed_booking(reviewer, done):
    response = _write(reviewer, done, text="师傅很专业，价格和报价一致。", tags=["skilled", "fair_price"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["overall"] == 4.4 and body["status"] == "published"
    assert body["ratings"] == RATINGS and body["tags"] == ["skilled", "fair_price"]
    review = Review.objects.get()
    assert (review.booking_id, review.store_id, review.overall) == (done.pk, done.store_id, Decimal("4.40"))
    # and the store's numbers moved with it, in the same transaction
    done.store.refresh_from_db()
    assert done.store.review_count == 1 and done.store.rating == Decimal("4.40")
    assert reviewer.get(f"bookings/{done.pk}/review").json()["id"] == review.pk


@pytest.mark.parametrize("status", ["confirmed", "checked_in", "in_service", "cancelled"])
def test_only_a_completed_booking_can_be_reviewed(make_client, status):
    from bookings import services as booking_services
    from tests.payments.test_settlements import new_booking, pay

    booking = new_booking()
    pay(booking)  # paid, so only the status can refuse it
    if status in ("checked_in", "in_service"):
        booking_services.booking_check_in(booking_id=booking.pk, by=None, now=booking.start)
    if status == "in_service":
        booking_services.booking_start(booking_id=booking.pk, by=None)
    if status == "cancelled":
        booking_services.booking_cancel(booking_id=booking.pk, by=booking.owner, reason="")
    response = _write(make_client(booking.owner), booking)
    assert response.status_code == 403 and error_code(response) == "not_reviewable"
    assert response.json()["error"]["details"]["reason"] == "not_completed"
    assert not Review.objects.exists()


def test_staff_cannot_review_their_own_store(make_client):
    from stores.services import membership_add

    booking = done_booking()
    membership_add(store=booking.store, user=booking.owner, role="technician")
    response = _write(make_client(booking.owner), booking)
    assert response.status_code == 403 and response.json()["error"]["details"]["reason"] == "own_store"


def test_not_yours(done, make_client):
    response = _write(make_client(another_owner()), done)
    assert response.status_code == 404 and not Review.objects.exists()


def test_too_late(done):
    later = timezone.now() + dt.timedelta(days=31)
    with pytest.raises(Exception) as refused:
        services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, now=later)
    assert refused.value.code == "not_reviewable" and refused.value.details["reason"] == "too_late"
    services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, now=later - dt.timedelta(days=2))


def test_unpaid_bookings_are_not_reviewable(make_client):
    from bookings.models import Booking
    from tests.bookings.floor_fixtures import make_booking

    booking = make_booking(status="completed")
    Booking.objects.filter(pk=booking.pk).update(amount_paid=0)  # its money never came (only demo data does that)
    response = _write(make_client(booking.owner), booking)
    assert response.status_code == 403 and response.json()["error"]["details"]["reason"] == "not_paid"


def test_twice(reviewer, done):
    assert _write(reviewer, done).status_code == 201
    again = _write(reviewer, done, text="再来一次")
    assert again.status_code == 409 and error_code(again) == "already_reviewed"
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ratings": RATINGS | {"quality": 6}}, "ratings"),
        ({"ratings": RATINGS | {"quality": 0}}, "ratings"),
        ({"ratings": {k: v for k, v in RATINGS.items() if k != "environment"}}, "ratings"),
        ({"text": "好" * 1001}, "text"),
        ({"tags": ["cheap"]}, "tags"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(reviewer, done, body, field):
    response = reviewer.post(f"bookings/{done.pk}/review", {"ratings": RATINGS} | body)
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert any(name.startswith(field) or field in name for name in response.json()["error"]["details"]["fields"])
    assert not Review.objects.exists()


def test_the_database_keeps_overall_the_mean_and_one_review_per_booking(done):
    review = services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(overall=Decimal("5.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(tags=["cheap"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(booking=done, store=done.store, owner=done.owner, overall=Decimal("4.40"), **RATINGS)


@pytest.mark.django_db(transaction=True)
def test_two_reviews_at_once_one_wins():
    booking = done_booking()
    client = ApiClient(issue_token(booking.owner))
    barrier = threading.Barrier(3)
    answers = []

    def write(text):
        try:
            barrier.wait()
            response = _write(client, booking, text=text)
            answers.append((response.status_code, response.json().get("error", {}).get("code")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(f"第{n}次",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(answers, key=str) == sorted(
        [(201, None), (409, "already_reviewed"), (409, "already_reviewed")], key=str
    )
    assert Review.objects.count() == 1
    assert Booking.objects.get(pk=booking.pk).store.review_count == 1


# --- editing ------------------------------------------------------------------------------------------------------


def test_the_owner_edits_within_a_day_and_the_old_words_are_kept(reviewer, done):
    review_id = _write(reviewer, done, text="还行").json()["id"]
    response = reviewer.put(
        f"reviews/{review_id}", {"text": "回家发现机油加多了，减一星", "ratings": RATINGS | {"quality": 3}}
    )
    assert response.status_code == 200
    assert response.json()["text"] == "回家发现机油加多了，减一星" and response.json()["edited"] is True
    revision = ReviewRevision.objects.get()
    assert revision.text == "还行" and revision.ratings["quality"] == 5
    done.store.refresh_from_db()
    assert done.store.rating == Decimal("4.00")
    # the history cannot be rewritten
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ReviewRevision.objects.filter(pk=revision.pk).update(text="")


def test_no_edit_after_a_day_and_no_edit_of_someone_elses(done, make_client):
    review = services.review_create(booking_id=done.pk, owner=done.owner, ratings=RATINGS, text="好")
    with pytest.raises(Exception) as refused:
        services.review_edit(
            review_id=review.pk, owner=done.owner, text="改", now=timezone.now() + dt.timedelta(hours=25)
        )
    assert refused.value.code == "edit_window_closed"
    assert make_client(another_owner()).put(f"reviews/{review.pk}", {"text": "篡改"}).status_code == 404
    review.refresh_from_db()
    assert review.text == "好"


def test_one_follow_up_within_ninety_days(reviewer, done):
    review_id = _write(reviewer, done).json()["id"]
    first = reviewer.post(f"reviews/{review_id}/follow-up", {"text": "一个月后回访：一切正常"})
    assert first.status_code == 201 and first.json()["status"] == "published"
    again = reviewer.post(f"reviews/{review_id}/follow-up", {"text": "再追评"})
    assert again.status_code == 409 and error_code(again) == "already_followed_up"
    late = done_booking(owner=done.owner, days=3)
    other = services.review_create(booking_id=late.pk, owner=done.owner, ratings=RATINGS)
    with pytest.raises(Exception) as refused:
        services.follow_up_add(
            review_id=other.pk, owner=done.owner, text="迟到", now=timezone.now() + dt.timedelta(days=91)
        )
    assert refused.value.code == "follow_up_window_closed"


def test_a_low_rating_raises_a_qa_follow_up(reviewer, done):
    _write(reviewer, done, ratings={k: 2 for k in RATINGS} | {"quality": 1})
    item = QaFollowUp.objects.get()
    assert item.status == "open" and item.store_id == done.store_id


def test_closing_a_qa_follow_up_again_keeps_who_closed_it_and_why(reviewer, done, qa):
    from tests.factories import UserFactory

    _write(reviewer, done, ratings={k: 2 for k in RATINGS} | {"quality": 1})
    item = QaFollowUp.objects.get()
    first = services.qa_follow_up_close(follow_up_id=item.pk, by=qa, note="打过电话")
    again = services.qa_follow_up_close(
        follow_up_id=item.pk, by=UserFactory(roles=["owner", "qa"]), note="second click"
    )
    item.refresh_from_db()
    assert (item.status, item.closed_by_id, item.closed_at, item.note) == (
        "closed",
        qa.pk,
        first.closed_at,
        "打过电话",
    )
    assert again.closed_by_id == qa.pk


# --- photos -------------------------------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 14.0, 7.5)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_photos_are_re_encoded_without_metadata_and_at_most_nine(reviewer, done):
    review_id = _write(reviewer, done).json()["id"]
    for n in range(9):
        upload = SimpleUploadedFile(f"p{n}.jpg", _jpeg_with_gps(), content_type="image/jpeg")
        response = reviewer._client.post(
            f"/api/v1/reviews/{review_id}/photos",
            {"photo": upload},
            headers={"Authorization": f"Bearer {reviewer.token}"},
        )
        assert response.status_code == 201, response.json()
    stored = ReviewPhoto.objects.first()
    with stored.image.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    tenth = SimpleUploadedFile("p9.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = reviewer._client.post(
        f"/api/v1/reviews/{review_id}/photos", {"photo": tenth}, headers={"Authorization": f"Bearer {reviewer.token}"}
    )
    assert response.status_code == 422 and ReviewPhoto.objects.count() == 9
    # the public list shows them
    listed = reviewer.get(f"stores/{done.store_id}/reviews").json()["items"][0]
    assert len(listed["photos"]) == 9


def test_not_an_image(reviewer, done):
    review_id = _write(reviewer, done).json()["id"]
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = reviewer._client.post(
        f"/api/v1/reviews/{review_id}/photos", {"photo": upload}, headers={"Authorization": f"Bearer {reviewer.token}"}
    )
    assert response.status_code == 422 and not ReviewPhoto.objects.exists()


def test_a_review_waits_for_a_booking_made_by_someone_else_in_the_same_store(make_client):
    # a store's reviews come only from its own completed bookings: the owner of another store's booking cannot
    # review this store
    store = make_shop()
    booking = book(another_owner(), store, local(tomorrow(), 10))
    assert _write(make_client(booking.owner), booking).status_code == 403
