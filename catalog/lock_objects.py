"""Row locks on price lists, in one place: a price change or a withdrawal locks its (store, service) offering's row
``FOR UPDATE OF`` the offering alone, with nothing held before it; the versions and part lines it writes are new rows
and need no lock.
"""

from catalog.models import Offering, Service
from stores.models import Store


def offering_lock_or_create(*, store: Store, service: Service) -> Offering:
    """The (store, service) offering, created inactive if missing, locked until the transaction ends (its service
    read along, not locked).

    Two first prices at once: both may miss the row; get_or_create inserts inside a savepoint, and the loser of
    the unique (store, service) index rolls back to it and reads the winner's row once that commits.
    """
    offering, _created = Offering.objects.get_or_create(
        store=store, service=service, defaults={"is_active": False, "current": None, "total": None}
    )
    return Offering.objects.select_for_update(of=("self",)).select_related("service").get(pk=offering.pk)


def offering_lock(*, store: Store, service: Service) -> Offering | None:
    """The (store, service) offering, its row locked; None when the store never priced the service."""
    return Offering.objects.select_for_update(of=("self",)).filter(store=store, service=service).first()
