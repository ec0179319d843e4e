"""Parts of a booking's answer that higher apps own: the read side of composition across layers.

A booking's answer shows its refunds and coupon (payments) and its review (reviews). Bookings stands below both and
must not copy what they know, so each of them registers a :class:`BookingPart` from its ``AppConfig.ready()``: what
it needs loaded with the bookings (joined, prefetched or annotated in the same queries as the rest of the detail) and
the fields it renders from them. :func:`bookings.selectors._detailed` loads every part; :func:`bookings.schemas.
booking_dict` asks every part for its fields.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import Expression, Prefetch

from bookings.models import Booking


class BookingPart:
    """One app's part of a booking's answer. Subclasses set what to load and implement :meth:`fields`."""

    # Forward one-to-one or reverse one-to-one relations, joined into the booking's own query.
    select_related: tuple[str, ...] = ()
    # Reverse relations read by ``fields``; each costs one query per page of bookings.
    prefetch_related: tuple[str | Prefetch, ...] = ()
    # Of ``prefetch_related``'s relations, those a booking just made never has a row in: given empty, not read
    # (:func:`bookings.selectors.booking_as_created`).
    empty_when_new: tuple[str, ...] = ()

    def annotations(self) -> Mapping[str, Expression]:
        """Values computed in the booking's own query (an ``Exists``, a ``Subquery``), under names of the part's."""
        return {}

    def when_new(self) -> Mapping[str, Any]:
        """The values of :meth:`annotations` for a booking just made, which is given them instead of being read again
        (:func:`bookings.selectors.booking_as_created`). A part with annotations must say."""
        if self.annotations():
            raise NotImplementedError(f"{type(self).__name__} annotates the booking and must give when_new()")
        return {}

    def fields(self, booking: Booking) -> dict[str, Any]:
        """The part's top-level fields of the answer, from what was loaded (no query)."""
        raise NotImplementedError

    def cancellation_fields(self, booking: Booking) -> dict[str, Any]:
        """The part's fields of the ``cancellation`` object, for a cancelled booking (no query)."""
        return {}


_parts: dict[str, BookingPart] = {}


def part_register(name: str, part: BookingPart) -> None:
    """Add ``part`` to every booking's answer (once per name: ``ready()`` may run again in tests)."""
    _parts[name] = part


def booking_parts() -> tuple[BookingPart, ...]:
    return tuple(_parts.values())
