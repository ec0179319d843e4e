"""What happens to partner stores, for the apps above stores to react to (``chefu.events``)."""

from dataclasses import dataclass

from chefu.events import Event


@dataclass(frozen=True)
class StoreStatusChanged(Event):
    """``from_status`` is empty for a store just opened (its application approved)."""

    name = "store.status_changed"
    store_id: int
    from_status: str
    to_status: str
