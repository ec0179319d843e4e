"""Parts of a store's public page (``GET /stores/{id}``) that higher apps own: the read side of composition across
layers, as :mod:`bookings.parts` is for a booking's answer.

Stores gives the page's ``quality`` record from what it knows itself (the badge of its status, its sanction periods);
the quality app, above, registers a part from its ``AppConfig.ready()`` that completes it (the latest audit, the
complaints of the last 12 months). A part may read (one or two queries): it serves one store's page, never a list.
"""

from typing import Any

from stores.models import Store


class StorePart:
    """One app's part of the store page. Subclasses implement :meth:`fields`."""

    def fields(self, store: Store, answer: dict[str, Any]) -> dict[str, Any]:
        """Top-level fields to set on the page's ``answer`` (which holds what stores and earlier parts gave)."""
        raise NotImplementedError


_parts: dict[str, StorePart] = {}


def store_part_register(name: str, part: StorePart) -> None:
    """Add ``part`` to every store page (once per name: ``ready()`` may run again in tests)."""
    _parts[name] = part


def store_parts() -> tuple[StorePart, ...]:
    return tuple(_parts.values())


def store_page_parts(store: Store, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` completed by every registered part (in registration order), as ``GET /stores/{id}`` and the store's
    HTML page show it."""
    for part in store_parts():
        answer.update(part.fields(store, answer))
    return answer
