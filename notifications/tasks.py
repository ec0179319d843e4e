"""Outbox delivery. The tasks own no retry policy: a delivery that fails, or a task that is lost, is retried by the
sweep (CELERY_BEAT_SCHEDULE "notifications.deliver-due", every 30 s) from what the rows say."""

from celery import shared_task
from django.conf import settings

from notifications import retention, services

# A delivery must end well inside its claim's lease, or another worker could take the message while it is sent.
_DELIVER_TIME_LIMIT_S = max(10, settings.NOTIFICATION_CLAIM_LEASE_S // 3)


@shared_task(
    name="notifications.tasks.message_deliver_task",
    soft_time_limit=_DELIVER_TIME_LIMIT_S,
    time_limit=_DELIVER_TIME_LIMIT_S + 10,
)
def message_deliver_task(message_id: int) -> str:
    """Queued on commit by the services that write messages; running it twice is harmless (the claim decides)."""
    return services.message_deliver(message_id=message_id)


@shared_task(name="notifications.tasks.messages_deliver_due_task")
def messages_deliver_due_task() -> int:
    return services.messages_deliver_due()


@shared_task(name="notifications.tasks.messages_purge_task")
def messages_purge_task() -> int:
    """CELERY_BEAT_SCHEDULE, nightly: final messages past NOTIFICATION_RETENTION_DAYS (notifications.retention)."""
    return retention.messages_purge()
