"""Every answer an owner gets about a price (the quote, the store's quotes for the car, the search, the booking made
and read back) leaves out what the quote keeps for the store and QA: each line's ``price_source`` and
``internal_notes`` ("…（目录价：门店自有配件不适配本车）" for a catalogue part quoted in place of the shop's own).
API.md names neither field for owners, so they are left out of owners' answers, not emptied."""

import json

import pytest

from bookings.models import Booking
from tests.bookings.conftest import booking_body
from tests.factories import SHANGHAI

pytestmark = pytest.mark.django_db


def test_no_answer_to_the_owner_carries_the_note_meant_for_staff(owner_client, lavida_shop, camry):
    # given a Camry whose oil filter at this shop is a catalogue substitute, with its note for staff
    query = {"service": "minor_service", "vehicle_id": camry.pk}
    booked = owner_client.post("bookings", booking_body(lavida_shop, camry))
    assert booked.status_code == 201, booked.json()
    (note,) = Booking.objects.get().quote["internal_notes"]

    # when the owner asks about the price in every way the pages do
    answers = {
        "quote": owner_client.get(f"/api/v1/stores/{lavida_shop.pk}/quote", query),
        "quotes": owner_client.get(f"/api/v1/stores/{lavida_shop.pk}/quotes", {"vehicle_id": camry.pk}),
        "nearby": owner_client.get("/api/v1/stores/nearby", {"lat": SHANGHAI[0], "lng": SHANGHAI[1], **query}),
        "booked": booked,
        "booking": owner_client.get(f"bookings/{booked.json()['id']}"),
        "bookings": owner_client.get("bookings"),
    }

    # then none carries the note, nor the fields that keep it
    for name, response in answers.items():
        assert response.status_code == 200 or name == "booked", (name, response.content)
        text = json.dumps(response.json(), ensure_ascii=False)
        assert note not in text, name
        assert "目录价" not in text, name
        assert "internal_notes" not in text and "price_source" not in text, name
