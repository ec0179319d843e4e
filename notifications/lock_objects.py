"""Row locks on the outbox, in one place. Delivery claims a message with a conditional ``UPDATE``, not a lock; the
only lock is taken by a retry, on the failed messages it makes due again, in id order (so two retries of
overlapping sets wait for each other instead of deadlocking). No other lock is held before it.
"""

from collections.abc import Iterable

from notifications.models import Message, MessageStatus


def failed_messages_lock(message_ids: Iterable[int]) -> list[int]:
    """``SELECT ... FOR UPDATE OF`` the messages among ``message_ids`` that have failed, locked in id order; their
    ids, ascending."""
    return list(
        Message.objects.select_for_update(of=("self",))
        .filter(pk__in=list(message_ids), status=MessageStatus.FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
