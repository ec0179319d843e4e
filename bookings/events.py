"""What happens to a booking, for the apps above bookings to react to (``chefu.events``). Emitted by the service that
makes the change, inside its transaction; delivered after commit. ``kind`` is the service kind's code, so a kind's
app can pick its own bookings without a query."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from chefu.events import Event


@dataclass(frozen=True)
class BookingCreated(Event):
    name = "booking.created"
    booking_id: int
    store_id: int
    owner_id: int
    kind: str
    start: dt.datetime
    pay_before: dt.datetime


@dataclass(frozen=True)
class BookingConfirmed(Event):
    """Paid: the bay is the owner's."""

    name = "booking.confirmed"
    booking_id: int
    kind: str


@dataclass(frozen=True)
class BookingRescheduled(Event):
    """``generation``: how many times the booking has been moved, this move included."""

    name = "booking.rescheduled"
    booking_id: int
    from_start: dt.datetime
    to_start: dt.datetime
    generation: int


@dataclass(frozen=True)
class BookingCheckedIn(Event):
    name = "booking.checked_in"
    booking_id: int


@dataclass(frozen=True)
class BookingCompleted(Event):
    name = "booking.completed"
    booking_id: int
    kind: str


@dataclass(frozen=True)
class BookingCancelled(Event):
    """Called off before the service by the owner (``by_store`` false) or by the store (or the platform on its
    behalf). ``cancellation_fee`` is kept from what was paid, ``refund_due`` owed back."""

    name = "booking.cancelled"
    booking_id: int
    by_store: bool
    cancellation_fee: Decimal
    refund_due: Decimal


@dataclass(frozen=True)
class BookingNoShow(Event):
    """The owner did not come: settled like a late cancellation by the owner."""

    name = "booking.no_show"
    booking_id: int
    cancellation_fee: Decimal
    refund_due: Decimal


@dataclass(frozen=True)
class BookingExpired(Event):
    """Not paid by ``pay_before``: the bay is free again."""

    name = "booking.expired"
    booking_id: int


@dataclass(frozen=True)
class SupplementProposed(Event):
    """The store asks the owner to approve extra work on the booking."""

    name = "booking.supplement_proposed"
    supplement_id: int
    booking_id: int


# A booking called off without the service: its money is refunded or kept by the same rules.
CALLED_OFF = (BookingCancelled, BookingNoShow, BookingExpired)
