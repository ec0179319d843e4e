"""A published report never changes: PostgreSQL refuses any UPDATE or DELETE of it, of its items and photos, and any
new item or photo (migration 0002's triggers), and the API answers 409 ``inspection_report_published``."""

import pytest
from django.db import IntegrityError, connection, transaction

from consignment.models import InspectionItem, InspectionPhoto, InspectionReport
from tests.bookings.floor_fixtures import image_bytes
from tests.conftest import error_code, issue_token
from tests.consignment.inspection.fixtures import (
    complete,
    inspection_booking,
    inspector_of,
    post_report_photo,
    report_body,
    save_report,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(committing):
    booking = inspection_booking()
    save_report(booking)
    photo_owner = inspector_of(booking.store)
    assert post_report_photo(issue_token(photo_owner), booking.pk, image_bytes()).status_code == 201
    complete(booking)
    report = InspectionReport.objects.get(booking=booking)
    assert report.published_at is not None
    return report


def _sql(statement: str, *params) -> None:
    """Straight to PostgreSQL, past the ORM's own checks (a listing PROTECTs its report)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _refused(statement) -> None:
    with pytest.raises(IntegrityError, match="published"), transaction.atomic():
        statement()


def test_the_report_row_cannot_change(published):
    _refused(lambda: InspectionReport.objects.filter(pk=published.pk).update(grade="A", summary="改过了"))
    _refused(lambda: _sql("DELETE FROM consignment_inspectionreport WHERE id = %s", published.pk))


def test_its_items_cannot_change_nor_grow(published):
    item = InspectionItem.objects.filter(report=published).first()

    _refused(lambda: InspectionItem.objects.filter(pk=item.pk).update(result="major"))
    _refused(lambda: InspectionItem.objects.filter(pk=item.pk).delete())
    _refused(lambda: InspectionItem.objects.create(report=published, code="extra", result="ok"))


def test_its_photos_cannot_change_nor_grow(published):
    photo = InspectionPhoto.objects.get(report=published)

    _refused(lambda: InspectionPhoto.objects.filter(pk=photo.pk).update(item_code="roof"))
    _refused(
        lambda: InspectionPhoto.objects.create(
            report=published, image=photo.image.name, width=1, height=1, size=1, item_code="roof"
        )
    )


def test_the_api_refuses_a_new_draft_with_409(published, make_client):
    client = make_client(inspector_of(published.store))

    response = client.put(f"partner/bookings/{published.booking_id}/inspection-report", report_body(mileage_km=1))

    assert response.status_code == 409 and error_code(response) == "inspection_report_published"
    assert InspectionReport.objects.get(pk=published.pk).mileage_km == 86500


def test_the_api_refuses_a_new_photo_with_409(published):
    token = issue_token(inspector_of(published.store))

    response = post_report_photo(token, published.booking_id, image_bytes())

    assert response.status_code == 409 and error_code(response) == "inspection_report_published"
    assert InspectionPhoto.objects.filter(report=published).count() == 1
