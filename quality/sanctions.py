"""Sanctions: moving a store's status for quality reasons.

A stand-in until the lead's module lands (it adds the effects: future bookings cancelled and refunded, alternatives
offered, the probation badge): only the status change itself, through the stores app's transition service.
"""

from django.db import transaction

from accounts.models import User
from stores.models import Store
from stores.services import store_status_transition


@transaction.atomic
def store_sanction(
    *,
    store_id: int,
    to_status: str,
    reason_category: str,
    evidence: dict,
    by: User | None = None,
    reason: str,
) -> Store:
    """Move store ``store_id`` to ``to_status`` with ``reason_category`` and ``evidence`` on its status event.
    Raises ``stores.exceptions.InvalidTransition`` when the move is not allowed from the store's status."""
    store = Store.objects.get(pk=store_id)
    return store_status_transition(
        store=store, to_status=to_status, by=by, reason=reason, reason_category=reason_category, evidence=evidence
    )
