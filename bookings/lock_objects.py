"""Row locks on bookings, in one place (the order they are taken in is the order written here).

A function that changes a booking takes the booking's row first, then (for extra work) the supplement's. No function
locks two bookings. A booking made or moved also takes its store's row ``FOR KEY SHARE`` (after the booking's, when
there is one): bookings at one store do not wait for each other nor for plain updates of the store's row (its rating),
but a change of the store's status (``FOR UPDATE``, in ``stores.services.store_status_transition``) waits for them,
and they for it. A change of a store's booking rules locks its policy row alone, with nothing held before it.
Every ``FOR UPDATE`` here is ``OF`` the model's own table.
"""

from django.db import connection

from bookings.models import Booking, BookingPolicy, Supplement
from chefu.errors import NotFound
from stores.models import Store


def booking_lock(booking_id: int) -> Booking:
    """``SELECT ... FOR UPDATE`` of the booking's own row, read with its service (joined, not locked: the services
    ask its kind, the events carry it); NotFound when there is none."""
    booking = Booking.objects.select_for_update(of=("self",)).select_related("service").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking


def supplement_lock(*, booking_id: int, supplement_id: int) -> Supplement:
    """``SELECT ... FOR UPDATE`` of the booking's supplement (extra work); expects the booking locked first. NotFound
    when the booking has no such supplement."""
    supplement = (
        Supplement.objects.select_for_update(of=("self",)).filter(pk=supplement_id, booking_id=booking_id).first()
    )
    if supplement is None:
        raise NotFound()
    return supplement


def booking_policy_lock(store_id: int) -> BookingPolicy:
    """The store's booking policy, created with the defaults if missing, its row locked ``FOR UPDATE``."""
    BookingPolicy.objects.get_or_create(store_id=store_id)
    return BookingPolicy.objects.select_for_update(of=("self",)).get(store_id=store_id)


def store_share_lock(store_id: int) -> str:
    """``SELECT status ... FOR KEY SHARE`` of the store's row: its status as committed, which cannot change until the
    caller's transaction ends (a status change takes ``FOR UPDATE``, which conflicts with it). A status change in
    progress is waited for, and its outcome read; plain ``UPDATE``s of other columns (the rating refresh) are not.
    NotFound when there is no such store. (Django's ``select_for_update`` has no ``FOR KEY SHARE``.)"""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Store._meta.db_table)
        cursor.execute(f"SELECT status FROM {table} WHERE id = %s FOR KEY SHARE", [store_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    return row[0]


def store_key_share_get(store_id: int) -> Store:
    """:func:`store_share_lock` reading the store's plain columns with its status (its geometry deferred): the one
    read of the store a new booking needs. NotFound when there is no such store."""
    low, high = connection.ops.integer_field_range(Store._meta.pk.get_internal_type())
    if not low <= store_id <= high:  # the ORM would find nothing; a raw query would fail
        raise NotFound()
    table = connection.ops.quote_name(Store._meta.db_table)
    columns = [f.column for f in Store._meta.concrete_fields if not hasattr(f, "geom_type")]
    select = ", ".join(connection.ops.quote_name(c) for c in columns)
    store = next(iter(Store.objects.raw(f"SELECT {select} FROM {table} WHERE id = %s FOR KEY SHARE", [store_id])), None)
    if store is None:
        raise NotFound()
    return store
