"""bookings' data migrations, run forward on rows written before them."""

import importlib
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Booking
from catalog.models import Service
from catalog.pricing import offering_set_price
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.factories import VehicleFactory

BEFORE_NOTES_APART = [("bookings", "0003_photo_private_storage")]
NOTES_APART = [("bookings", "0004_quote_internal_notes_apart")]
ZH_NOTE = "（目录价：门店自有配件不适配本车）"
EN_NOTE = " (catalogue list price: the shop's own part does not fit)"

notes_apart = importlib.import_module("bookings.migrations.0004_quote_internal_notes_apart")


@pytest.fixture
def shop(db):
    # priced for a 朗逸: a Camry's oil filter is a catalogue substitute
    store = make_shop()
    offering_set_price(
        store=store,
        service=Service.objects.get(code="minor_service"),
        by=None,
        labour=Decimal("120.00"),
        parts=[
            {"sku": "OIL-MOB1-0W20", "qty": Decimal("4"), "unit_price": Decimal("118.00")},
            {"sku": "OFL-MANN-EA211", "qty": Decimal("1"), "unit_price": Decimal("55.00")},
        ],
        duration_min=60,
    )
    return store


def _book_a_camry(client, owner, store, hour: int) -> int:
    camry = VehicleFactory(owner=owner, make="丰田", model="凯美瑞", year=2020)
    body = {
        "store_id": store.pk,
        "service_code": "minor_service",
        "vehicle_id": camry.pk,
        "start": local(tomorrow(), hour).isoformat(),
    }
    response = client.post("bookings", body)
    assert response.status_code == 201, response.json()
    return response.json()["id"]


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


@pytest.mark.django_db(transaction=True)
def test_old_bookings_notes_move_from_the_owners_descriptions_to_internal_notes(
    owner, owner_client, shop, shop_manager, make_client
):
    # given two bookings made before the notes were kept apart (in Chinese and in English) and one made since
    ids = [_book_a_camry(owner_client, owner, shop, hour) for hour in (10, 11, 14)]
    legacy_zh = _as_booked_before_notes_were_apart(ids[0], ZH_NOTE)
    legacy_en = _as_booked_before_notes_were_apart(ids[1], EN_NOTE)
    recent = Booking.objects.get(pk=ids[2]).quote
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_NOTES_APART)

    # when
    executor = MigrationExecutor(connection)
    executor.migrate(NOTES_APART)

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
    # the owner reads the part's name; the store reads the note (through today's code: every migration applied)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    owners = owner_client.get(f"bookings/{ids[0]}").json()["quote"]
    assert owners["lines"][2]["description"] == quotes[ids[0]]["lines"][2]["description"]
    assert make_client(shop_manager).get(f"partner/bookings/{ids[0]}").json()["quote"]["internal_notes"] == [
        legacy_zh["lines"][2]["description"]
    ]


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
