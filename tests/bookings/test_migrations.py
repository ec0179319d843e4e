"""bookings' data migrations, run forward on rows written before them."""

import importlib

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Booking
from tests.bookings.conftest import booking_body, manager_of
from tests.migrator import data_migration_rerun

NOTES_APART = ("bookings", "0004_quote_internal_notes_apart")
ZH_NOTE = "（目录价：门店自有配件不适配本车）"
EN_NOTE = " (catalogue list price: the shop's own part does not fit)"

notes_apart = importlib.import_module("bookings.migrations.0004_quote_internal_notes_apart")


def _as_booked_before_notes_were_apart(booking_id: int, note: str) -> dict:
    """Rewrite the booking's quote as bookings made before had it: the note at the end of the substitute's
    description, no internal_notes (the trigger that fixes quotes is set aside for the rewrite only)."""
    quote = Booking.objects.get(pk=booking_id).quote
    del quote["internal_notes"]
    for line in quote["lines"]:
        if line["price_source"] == "catalogue":
            line["description"] += note
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE bookings_booking DISABLE TRIGGER booking_price_frozen")
        Booking.objects.filter(pk=booking_id).update(quote=quote)
        cursor.execute("ALTER TABLE bookings_booking ENABLE TRIGGER booking_price_frozen")
    return quote


@pytest.mark.django_db(transaction=True)  # ALTER TABLE refuses a table with deferred checks pending
def test_old_bookings_notes_move_from_the_owners_descriptions_to_internal_notes(
    owner_client, lavida_shop, camry, make_client
):
    # given two bookings of a Camry (its oil filter a catalogue substitute) made before the notes were kept apart,
    # in Chinese and in English, and one made since
    ids = []
    for hour in (10, 11, 14):
        response = owner_client.post("bookings", booking_body(lavida_shop, camry, hour=hour))
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    legacy_zh = _as_booked_before_notes_were_apart(ids[0], ZH_NOTE)
    legacy_en = _as_booked_before_notes_were_apart(ids[1], EN_NOTE)
    recent = Booking.objects.get(pk=ids[2]).quote

    # when the migration runs on them
    data_migration_rerun(*NOTES_APART)

    # then each note is an internal note, the part's name the description, nothing else changed
    quotes = dict(Booking.objects.filter(pk__in=ids).values_list("pk", "quote"))
    for old, pk in ((legacy_zh, ids[0]), (legacy_en, ids[1])):
        substitute = old["lines"][2]["description"]
        assert quotes[pk]["internal_notes"] == [substitute]
        assert quotes[pk]["lines"][2]["description"] == substitute.removesuffix(ZH_NOTE).removesuffix(EN_NOTE)
        assert quotes[pk]["lines"][:2] == old["lines"][:2]
        assert {k: v for k, v in quotes[pk]["lines"][2].items() if k != "description"} == {
            k: v for k, v in old["lines"][2].items() if k != "description"
        }
        assert {k: v for k, v in quotes[pk].items() if k not in ("lines", "internal_notes")} == {
            k: v for k, v in old.items() if k != "lines"
        }
    assert quotes[ids[2]] == recent
    # the quote is fixed again
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=ids[0]).update(quote=legacy_zh)
    # the owner reads the part's name; the store reads the note (through today's code)
    owners = owner_client.get(f"bookings/{ids[0]}").json()["quote"]
    assert owners["lines"][2]["description"] == quotes[ids[0]]["lines"][2]["description"]
    stores = make_client(manager_of(lavida_shop)).get(f"partner/bookings/{ids[0]}").json()["quote"]
    assert stores["internal_notes"] == [legacy_zh["lines"][2]["description"]]


def test_only_a_catalogue_lines_note_is_moved():
    quote = {
        "lines": [
            {"kind": "part", "description": f"门店自有{ZH_NOTE}", "price_source": "store"},
            {"kind": "part", "description": ZH_NOTE, "price_source": "catalogue"},
        ],
        "total": "1.00",
        "notes": [],
    }

    assert notes_apart.notes_moved(quote) is None
    assert notes_apart.notes_moved({**quote, "internal_notes": []}) is None
