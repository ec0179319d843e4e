"""What happens to a store's standing, for subscribers (``chefu.events``)."""

from dataclasses import dataclass

from chefu.events import Event


@dataclass(frozen=True)
class StoreSuspended(Event):
    """The store was suspended or terminated; ``booking_ids``: its bookings the move cancelled."""

    name = "quality.store_suspended"
    store_id: int
    to_status: str
    booking_ids: tuple[int, ...]
