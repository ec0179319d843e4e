"""Bookings made before internal notes were kept apart carry the note in the description the owner reads: a
catalogue substitute's line says "<part>（目录价：门店自有配件不适配本车）" (or the English, as the booking's language
was). Move each such note to the quote's ``internal_notes`` (for the store and QA) and leave the part's name.

The quote is fixed by the ``booking_price_frozen`` trigger (0002_price_is_fixed), which refuses every change to it.
This migration is the one deliberate exception: inside its transaction it disables that trigger, rewrites the
descriptions and adds the notes (never an amount, a quantity or a total), and enables the trigger again, so no other
transaction ever sees it disabled (ALTER TABLE is transactional and holds an exclusive lock on bookings_booking until
the commit). The lock is taken only when there is something to move.
"""

from django.db import migrations

# The note as catalog.quotes wrote it into the description, in each language bookings were made in (the
# template "%(part)s (catalogue list price: the shop's own part does not fit)" and its zh-Hans translation).
# Spelled out here so that a later edit of the translation cannot change what this migration recognises.
LEGACY_NOTE_SUFFIXES = (
    "（目录价：门店自有配件不适配本车）",
    " (catalogue list price: the shop's own part does not fit)",
)
CATALOGUE_PRICE = "catalogue"  # catalog.quotes.CATALOGUE_PRICE when this was written


def notes_moved(quote: dict) -> dict | None:
    """``quote`` with its substitute lines' notes moved to ``internal_notes``; None when it has none to move."""
    if "internal_notes" in quote:
        return None  # made since the notes were kept apart
    lines, notes = [], []
    for line in quote.get("lines", []):
        description = line.get("description", "")
        suffix = next((s for s in LEGACY_NOTE_SUFFIXES if description.endswith(s)), None)
        if line.get("price_source") == CATALOGUE_PRICE and suffix and description != suffix:
            lines.append({**line, "description": description.removesuffix(suffix)})
            notes.append(description)
        else:
            lines.append(line)
    if not notes:
        return None
    return {**quote, "lines": lines, "internal_notes": notes}


def move_internal_notes(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    candidates = Booking.objects.filter(quote__lines__contains=[{"price_source": CATALOGUE_PRICE}]).exclude(
        quote__has_key="internal_notes"
    )
    moved = {}
    for pk, quote in candidates.values_list("pk", "quote").iterator():
        if (rewritten := notes_moved(quote)) is not None:
            moved[pk] = rewritten
    if not moved:
        return
    schema_editor.execute("ALTER TABLE bookings_booking DISABLE TRIGGER booking_price_frozen")
    for pk, quote in moved.items():
        Booking.objects.filter(pk=pk).update(quote=quote)
    schema_editor.execute("ALTER TABLE bookings_booking ENABLE TRIGGER booking_price_frozen")


class Migration(migrations.Migration):
    # atomic (the default): the trigger is never left disabled, whatever happens in between.
    dependencies = [("bookings", "0003_photo_private_storage")]

    operations = [migrations.RunPython(move_internal_notes, migrations.RunPython.noop)]
