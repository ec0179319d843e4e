"""Row locks on stores, in one place. Every lock is ``FOR UPDATE OF`` the model's own table.

A partner application's row is locked first when it is decided (approving it then locks the applicant's user row,
``accounts.lock_objects.user_lock``). A store's row is locked ``FOR UPDATE`` by a status change and by replacing its
opening hours, with nothing held before it; bookings hold it ``FOR KEY SHARE``
(``bookings.lock_objects.store_share_lock``), so a status change waits for bookings being made, and they for it.
A closure's row is locked alone when it is lifted, with nothing held before it.
"""

from stores.models import Closure, PartnerApplication, Store


def application_lock(application_id: int) -> PartnerApplication:
    """``SELECT ... FOR UPDATE`` of the application's row; DoesNotExist when there is none."""
    return PartnerApplication.objects.select_for_update(of=("self",)).get(pk=application_id)


def store_lock(store_id: int) -> Store | None:
    """``SELECT ... FOR UPDATE`` of the store's row; None when there is none."""
    return Store.objects.select_for_update(of=("self",)).filter(pk=store_id).first()


def closure_lock(*, store_id: int, closure_id: int) -> Closure | None:
    """``SELECT ... FOR UPDATE`` of the store's closure ``closure_id``; None when the store has no such closure."""
    return Closure.objects.select_for_update(of=("self",)).filter(store_id=store_id, pk=closure_id).first()
