"""Row locks on the kernel's tables. The event retry takes the due deliveries it runs, skipping those another
worker holds, so two beat runs never deliver one row twice; no other lock is held before it."""

import datetime as dt

from chefu.models import EventDelivery


def event_delivery_due_lock(*, now: dt.datetime) -> EventDelivery | None:
    """``SELECT ... FOR UPDATE OF self SKIP LOCKED`` the oldest due, live delivery; None when there is none free."""
    return (
        EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(dead_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .first()
    )


def event_delivery_lock(delivery_id: int) -> EventDelivery | None:
    """``SELECT ... FOR UPDATE OF self SKIP LOCKED`` one delivery; None when it is gone or another worker holds it."""
    return EventDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=delivery_id).first()
