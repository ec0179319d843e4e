"""How the catalog reacts to what happens in the apps below it (``chefu.events``), registered in ``CatalogConfig``."""

from catalog.reference import reference_prices_schedule_for_store
from stores.events import StoreStatusChanged
from stores.models import Store


def store_status_changed_reprice(event: StoreStatusChanged) -> None:
    """A store entering or leaving the visible statuses changes its city's reference prices: recompute its bands.
    Not durable: the nightly pass repairs a band a lost recompute missed."""
    store = Store.objects.filter(pk=event.store_id).first()
    if store is not None:
        reference_prices_schedule_for_store(store=store)
