"""The owner's pages: the order page is only its owner's (404 for anyone else's, as for a missing booking), 我的预约
takes its tab from the URL, and the inbox renders."""

import re

import pytest
from django.test import Client

from bookings.models import BookingStatus
from tests.bookings.conftest import another_owner
from tests.bookings.floor_fixtures import make_booking
from tests.cms.test_views import script_config, script_texts
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(phone=user.phone, password=PASSWORD)
    return client


@pytest.fixture
def booking(db):
    return make_booking(status=BookingStatus.IN_SERVICE)


def test_the_owner_sees_the_order_page_with_the_store_phone_and_map_link(booking):
    response = _signed_in(booking.owner).get(f"/me/bookings/{booking.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    store = booking.store
    assert f'href="tel:{store.phone}"' in html
    lng, lat = f"{store.location.x:.6f}", f"{store.location.y:.6f}"
    assert re.search(rf'href="https://uri\.amap\.com/marker\?position={lng}%2C{lat}&amp;[^"]*coordinate=wgs84"', html)
    assert script_config(response)["bookingId"] == booking.pk
    assert script_config(response)["orderUrl"] == "/me/bookings/%(id)s/"


def test_someone_elses_booking_is_not_found(booking):
    response = _signed_in(another_owner()).get(f"/me/bookings/{booking.pk}/")

    assert response.status_code == 404
    assert booking.store.phone not in response.content.decode()


def test_a_missing_booking_is_not_found(booking):
    assert _signed_in(booking.owner).get("/me/bookings/999999999/").status_code == 404


def test_a_booking_id_that_is_not_a_number_is_not_found(booking):
    assert _signed_in(booking.owner).get("/me/bookings/abc/").status_code == 404


def test_signed_out_the_page_shows_the_sign_in_box_and_nothing_of_the_booking(booking, client):
    response = client.get(f"/me/bookings/{booking.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="auth"' in html and 'data-rendered-for="nobody"' in html
    assert booking.store.phone not in html and booking.store.name not in html


def test_my_bookings_takes_its_tab_from_the_url(client):
    response = client.get("/me/bookings/?tab=to_review")

    config = script_config(response)
    assert config["tab"] == "to_review"
    tabs = {tab["key"]: tab for tab in config["tabs"]}
    assert [tab["label"] for tab in config["tabs"]] == ["全部", "待支付", "待服务", "待评价", "已完成", "已取消"]
    assert tabs["to_review"] == {"key": "to_review", "label": "待评价", "statuses": ["completed"], "toReview": True}
    assert tabs["upcoming"]["statuses"] == ["confirmed", "checked_in", "in_service"]
    assert 'href="?tab=to_review" data-tab="to_review" aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("tab", ["", "nonsense", "TO_PAY", "x" * 500])
def test_an_unknown_tab_shows_all_bookings(client, tab):
    response = client.get(f"/me/bookings/?tab={tab}")

    assert response.status_code == 200
    assert script_config(response)["tab"] == "all"


def test_the_pages_give_their_scripts_the_labels_they_show(client):
    texts = script_texts(client.get("/me/notifications/"))

    assert texts["amountPaid"] == "实付金额"
    assert texts["amountDue"] == "应付金额"
    assert texts["supplementStatus"]["proposed"] == "待车主确认"
    assert texts["complaintCategory"]["workmanship"]


def test_the_header_links_the_inbox(booking):
    html = _signed_in(booking.owner).get("/me/bookings/").content.decode()

    assert 'href="/me/notifications/" class="inbox-link" data-signed-in="true"' in html
