"""The price shown is the price charged: a booking is made at exactly the quote GET /stores/{id}/quote gives for the
car, refused for a service that is not for the car, and never shows the owner what is meant for the store and QA."""

from decimal import Decimal

import pytest

from bookings.models import Booking
from tests.bookings.conftest import booking_body, manager_of, price_the_minor_service
from tests.chefu.envelope import assert_error
from tests.factories import UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def han_ev(owner):
    return VehicleFactory(owner=owner, plate="沪AD12345", make="比亚迪", model="汉EV", year=2022)


def _quote(client, store, car):
    response = client.get(f"/api/v1/stores/{store.pk}/quote", {"service": "minor_service", "vehicle_id": car.pk})
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_booking_costs_exactly_the_quote_for_the_car_not_the_listed_price(owner_client, lavida_shop, camry):
    # given the price list's total, for a 朗逸, and the quote for the owner's Camry (5 L of oil, another filter)
    listed = owner_client.get(f"/api/v1/stores/{lavida_shop.pk}/prices").json()[0]
    quote = _quote(owner_client, lavida_shop, camry)
    assert listed["total"] == "647.00"  # 120 + 4 × 118 + 55
    assert quote["total"] != listed["total"]

    # when the owner books
    response = owner_client.post("bookings", booking_body(lavida_shop, camry))

    # then the booking's quote and amount due are the quote's, line for line
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert booking["quote"]["lines"] == quote["lines"]
    assert booking["quote"]["total"] == booking["amount_due"] == quote["total"]
    assert Booking.objects.get().quote_total == Decimal(quote["total"])


def test_the_owner_never_sees_the_internal_note_that_staff_keep(owner_client, lavida_shop, camry):
    # the Camry's oil filter is a catalogue substitute for the shop's EA211 filter
    booking_id = owner_client.post("bookings", booking_body(lavida_shop, camry)).json()["id"]

    for body in (
        owner_client.get(f"bookings/{booking_id}").json(),
        owner_client.get("bookings").json()["items"][0],
    ):
        assert set(body["quote"]) == {"lines", "total", "notes"}
        for line in body["quote"]["lines"]:
            assert set(line) == {"kind", "description", "sku", "qty", "unit_price", "amount"}
            assert "目录价" not in line["description"]
        assert not any("目录价" in note for note in body["quote"]["notes"])
    record = Booking.objects.get().quote
    assert [line["price_source"] for line in record["lines"]] == ["store", "store", "catalogue"]
    assert len(record["internal_notes"]) == 1 and "目录价" in record["internal_notes"][0]


def test_an_oil_change_for_an_electric_car_is_refused_and_nothing_is_booked(owner_client, lavida_shop, han_ev):
    response = owner_client.post("bookings", booking_body(lavida_shop, han_ev))

    error = assert_error(response, 422, "service_not_applicable")
    assert error["details"] == {"service": "minor_service", "reason": "needs_engine"}
    assert not Booking.objects.exists()


def test_a_price_changed_since_it_was_shown_is_not_booked(owner_client, lavida_shop, camry):
    shown = _quote(owner_client, lavida_shop, camry)["total"]
    price_the_minor_service(lavida_shop, labour="150.00")

    response = owner_client.post("bookings", booking_body(lavida_shop, camry, expected_total=shown))

    error = assert_error(response, 409, "quote_changed")
    assert error["details"] == {"total": f"{Decimal(shown) + 30:.2f}"}
    assert not Booking.objects.exists()
    again = owner_client.post("bookings", booking_body(lavida_shop, camry, expected_total=error["details"]["total"]))
    assert again.status_code == 201
    assert again.json()["amount_due"] == error["details"]["total"]


def test_the_expected_total_is_checked_as_money(owner_client, lavida_shop, camry):
    assert_error(
        owner_client.post("bookings", booking_body(lavida_shop, camry, expected_total="1.234")), 422, "validation_error"
    )
    assert_error(
        owner_client.post("bookings", booking_body(lavida_shop, camry, expected_total="-1.00")), 422, "validation_error"
    )
    assert not Booking.objects.exists()


def test_the_store_sees_the_internal_note_the_owner_never_sees(owner_client, lavida_shop, camry, make_client):
    # given a booking whose oil filter is a catalogue substitute
    booking_id = owner_client.post("bookings", booking_body(lavida_shop, camry)).json()["id"]
    owners = owner_client.get(f"bookings/{booking_id}").json()["quote"]

    # when the store's staff read the booking
    response = make_client(manager_of(lavida_shop)).get(f"partner/bookings/{booking_id}")

    # then they see how each line was priced and the note, on the owner's lines
    assert_staff_quote(response, owners)
    assert "internal_notes" not in owners and "price_source" not in owners["lines"][2]


def assert_staff_quote(response, owners: dict) -> None:
    """``response`` shows the booking's quote as the store and QA see it: ``owners`` (the owner's view), with each
    line's price source and the substitute's internal note."""
    assert response.status_code == 200, response.json()
    quote = response.json()["quote"]
    assert [line["price_source"] for line in quote["lines"]] == ["store", "store", "catalogue"]
    substitute = quote["lines"][2]["description"]
    assert quote["internal_notes"] == [f"{substitute}（目录价：门店自有配件不适配本车）"]
    assert [{k: v for k, v in line.items() if k != "price_source"} for line in quote["lines"]] == owners["lines"]
    assert (quote["total"], quote["notes"]) == (owners["total"], owners["notes"])


def test_qa_see_the_internal_note_the_owner_never_sees(owner_client, lavida_shop, camry, qa_client):
    booking_id = owner_client.post("bookings", booking_body(lavida_shop, camry)).json()["id"]
    owners = owner_client.get(f"bookings/{booking_id}").json()["quote"]

    assert_staff_quote(qa_client.get(f"qa/bookings/{booking_id}"), owners)


def test_only_qa_and_admins_read_bookings_through_the_qa_console(owner_client, lavida_shop, camry, make_client):
    booking_id = owner_client.post("bookings", booking_body(lavida_shop, camry)).json()["id"]
    admin = make_client(UserFactory(roles=["admin"]))

    assert_error(owner_client.get(f"qa/bookings/{booking_id}"), 403, "permission_denied")
    assert_error(make_client(manager_of(lavida_shop)).get(f"qa/bookings/{booking_id}"), 403, "permission_denied")
    assert admin.get(f"qa/bookings/{booking_id}").json()["quote"]["internal_notes"]
    assert_error(admin.get(f"qa/bookings/{booking_id + 1000}"), 404, "not_found")
