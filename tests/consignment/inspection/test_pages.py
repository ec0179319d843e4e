"""The inspection's server-rendered pages: the inspector's form (sign-in, who sees it, saving, refusals shown by their
item, read-only once published) and the seller's "my cars" with each car's report."""

import pytest
from django.test import Client

from bookings.models import BookingStatus
from consignment.inspection.template import ITEMS
from consignment.models import InspectionPhoto, InspectionReport, Listing
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.bookings.floor_fixtures import image_bytes, make_booking
from tests.consignment.inspection.fixtures import (
    VIN,
    VIN_BAD_CHECK,
    complete,
    inspection_booking,
    inspector_of,
    item_answers,
    save_report,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    if user is not None:
        client.force_login(user)
    return client


def _form(**fields) -> dict:
    data = {"vin": VIN, "mileage_km": "86500", "first_registered": "2018-06-20", "transfers": "1", "summary": "良好"}
    for answer in item_answers():
        data[f"result-{answer['code']}"] = answer["result"]
        if answer.get("reading"):
            data[f"reading-{answer['code']}"] = answer["reading"]
    return data | fields


def _url(booking) -> str:
    return f"/consignment/inspection/{booking.pk}/"


@pytest.fixture
def booking():
    return inspection_booking()


def test_a_visitor_gets_the_sign_in_box(booking):
    response = _client().get(_url(booking))

    assert response.status_code == 200
    assert 'id="auth"' in response.text and "检测报告" in response.text


def test_the_form_shows_every_item_by_group(booking):
    response = _client(inspector_of(booking.store)).get(_url(booking))

    assert response.status_code == 200
    page = response.text
    assert page.count('<li class="insp-item') == len(ITEMS)
    assert "外观与漆面" in page and "引擎盖" in page and "事故排查" in page
    assert 'name="reading-hood"' in page and 'name="reading-horn"' not in page
    assert booking.vehicle.plate in page


def test_the_inspector_saves_the_report_with_photos(booking):
    inspector = inspector_of(booking.store)
    form = _form(**{"result-seats": "minor", "note-seats": "主驾座椅侧面磨损"})
    form["photo-seats"] = _upload()

    response = _client(inspector).post(_url(booking), form)

    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    report = InspectionReport.objects.get(booking=booking)
    assert report.vin == VIN and report.items.get(code="seats").note == "主驾座椅侧面磨损"
    assert InspectionPhoto.objects.get(report=report).item_code == "seats"
    shown = _client(inspector).get(response["Location"]).text
    assert 'id="computed-grade"' in shown and "得分 98 / 100" in shown


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("seat.png", image_bytes(), content_type="image/png")


def test_refusals_are_shown_by_their_item_and_nothing_is_saved(booking):
    form = _form(vin=VIN_BAD_CHECK, **{"reading-roof": ""})
    del form["result-horn"]

    response = _client(inspector_of(booking.store)).post(_url(booking), form)

    assert response.status_code == 200
    page = response.text
    assert "报告未保存" in page and "校验位" in page
    assert not InspectionReport.objects.exists()
    # what was typed is kept
    assert f'value="{VIN_BAD_CHECK}"' in page


def _item(page: str, code: str) -> str:
    """The item's <li> in the form."""
    start = page.rindex("<li", 0, page.index(f'id="item-{code}"'))
    return page[start : page.index("</li>", start)]


def test_item_refusals_point_at_their_item(booking):
    form = _form(**{"reading-roof": ""})
    del form["result-horn"]

    page = _client(inspector_of(booking.store)).post(_url(booking), form).text

    assert not InspectionReport.objects.exists()
    roof, horn = _item(page, "roof"), _item(page, "horn")
    assert "has-error" in roof and "漆膜厚度" in roof
    assert "has-error" in horn and "请填写此项" in horn


def test_an_advisor_reads_the_form_but_cannot_save(booking):
    advisor = inspector_of(booking.store, role="advisor")

    page = _client(advisor).get(_url(booking)).text
    response = _client(advisor).post(_url(booking), _form())

    assert "只有门店店长和技师可以填写报告" in page and "disabled" in page
    assert response.status_code == 200 and not InspectionReport.objects.exists()


def test_strangers_and_other_bookings_are_404(booking):
    other_store = inspector_of(make_shop())
    standard = make_booking(store=booking.store, status=BookingStatus.IN_SERVICE, start=local(tomorrow(), 14))
    staff = inspector_of(booking.store)

    assert _client(other_store).get(_url(booking)).status_code == 404
    assert _client(booking.owner).get(_url(booking)).status_code == 404
    assert _client(staff).get(_url(standard)).status_code == 404
    assert _client(staff).get("/consignment/inspection/999999/").status_code == 404


def test_a_published_report_is_shown_read_only(booking, committing):
    save_report(booking, items=item_answers(seats="minor"))
    complete(booking)

    page = _client(inspector_of(booking.store)).get(_url(booking)).text

    assert "已发布" in page and "<form" not in page.split('class="page inspection"')[1].split("</main>")[0]
    assert 'id="defects"' in page and "座椅：面料与调节" in page


def test_the_seller_lists_their_cars_and_reads_the_report(committing):
    booking = inspection_booking()
    save_report(booking, items=item_answers(accident="minor", seats="major", horn="minor"))
    complete(booking)
    listing = Listing.objects.get()
    seller = _client(booking.owner)

    mine = seller.get("/consignment/my/")
    page = seller.get(f"/consignment/my/{listing.pk}/")

    assert mine.status_code == 200 and f"/consignment/my/{listing.pk}/" in mine.text and "凯美瑞" in mine.text
    assert page.status_code == 200
    text = page.text
    assert 'data-grade="C"' in text  # capped by the accident check
    # defects first: the major one before the minor one
    assert text.index("defect-seats") < text.index("defect-horn")
    assert "车辆档案" in text and VIN in text


def test_another_users_listing_is_404(committing):
    booking = inspection_booking()
    save_report(booking)
    complete(booking)
    listing = Listing.objects.get()

    assert _client(UserFactory(roles=["owner"])).get(f"/consignment/my/{listing.pk}/").status_code == 404
    assert _client(inspector_of(booking.store)).get(f"/consignment/my/{listing.pk}/").status_code == 404
