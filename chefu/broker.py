"""Celery's queues by concern, which task goes to which, and the broker's options (Redis or RabbitMQ).

Settings build ``CELERY_TASK_QUEUES``, ``CELERY_TASK_ROUTES`` and ``CELERY_BROKER_TRANSPORT_OPTIONS`` from here, so the
layout is written once and a test (tests/chefu/test_broker.py) can hold every registered task to it. A queue per
concern lets one kind of work (a storm of messages, a slow provider) queue up without holding back the others, and
lets production give each its own workers (README: "Queues and workers").
"""

from kombu import Exchange, Queue

DEFAULT = "default"
NOTIFICATIONS = "notifications"
PAYMENTS = "payments"
QUALITY = "quality"
CONSIGNMENT = "consignment"
QUEUES = (DEFAULT, NOTIFICATIONS, PAYMENTS, QUALITY, CONSIGNMENT)

# Every task by name. A task missing here would fall into the default queue unnoticed: the test fails instead.
TASKS_BY_QUEUE: dict[str, tuple[str, ...]] = {
    DEFAULT: (
        "accounts.tasks.sms_codes_purge_task",
        "bookings.tasks.booking_expire_task",
        "bookings.tasks.bookings_expire_due_task",
        "catalog.tasks.reference_prices_nightly_task",
        "catalog.tasks.reference_prices_recompute_task",
        "chefu.tasks.event_deliveries_dead_purge_task",
        "chefu.tasks.events_retry_due_task",
        "chefu.tasks.idempotency_records_purge_task",
        "chefu.tasks.sessions_clear_task",
        # Housekeeping of the outbox: here, not on notifications, so a night's purge never holds deliveries back.
        "notifications.tasks.messages_purge_task",
        "reviews.tasks.ratings_refresh_task",
    ),
    NOTIFICATIONS: (
        "notifications.tasks.message_deliver_task",
        "notifications.tasks.messages_deliver_due_task",
    ),
    PAYMENTS: (
        "payments.settlements.statements_daily_task",
        "payments.tasks.payment_query_task",
        "payments.tasks.payments_pending_query_task",
        "payments.tasks.payout_execute_task",
        "payments.tasks.payouts_pending_sweep_task",
        "payments.tasks.refund_execute_task",
        "payments.tasks.refunds_pending_sweep_task",
        "payments.tasks.sandbox_notify_deliver_task",
    ),
    QUALITY: (
        "quality.tasks.actions_overdue_alert_task",
        "quality.tasks.complaints_sla_sweep_task",
        "quality.tasks.quality_run_task",
    ),
    CONSIGNMENT: (
        "consignment.auctions.tasks.auction_close_task",
        "consignment.auctions.tasks.auctions_sweep_task",
        "consignment.deals.defaults.deal_default_task",
        "consignment.deals.defaults.deals_default_sweep_task",
        "consignment.deals.tasks.deals_settle_due_task",
        "consignment.deals.tasks.handovers_book_missing_task",
    ),
}


def is_amqp(broker_url: str) -> bool:
    return broker_url.split("://", 1)[0] in {"amqp", "amqps", "pyamqp"}


def queue_names(prefix: str = "") -> list[str]:
    """The queues' names as the broker knows them (``prefix`` keeps test runs apart on a shared RabbitMQ)."""
    return [prefix + name for name in QUEUES]


def task_queues(prefix: str = "") -> tuple[Queue, ...]:
    """Durable classic queues, each on a direct exchange of its own name. Classic rather than quorum: the short ETAs
    the services still use (at most ``CELERY_ETA_MAX_S``) work on them as on Redis, whereas quorum queues need
    Celery's native delayed delivery; one RabbitMQ node with durable queues and publisher confirms loses nothing."""
    return tuple(
        Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True)
        for name in queue_names(prefix)
    )


def task_routes(prefix: str = "") -> dict[str, dict[str, str]]:
    return {
        task: {"queue": prefix + queue, "routing_key": prefix + queue}
        for queue, tasks in TASKS_BY_QUEUE.items()
        for task in tasks
    }


def transport_options(broker_url: str, *, visibility_timeout: int) -> dict:
    """RabbitMQ: publisher confirms, so a task the web queued on commit is on the broker once ``send`` returns.
    Redis: the visibility timeout after which a message a worker took but never acknowledged (the worker died) is
    delivered again; it must exceed the longest ETA (``CELERY_ETA_MAX_S``), or a task held for its ETA would be
    delivered a second time while it waits."""
    if is_amqp(broker_url):
        return {"confirm_publish": True}
    return {"visibility_timeout": visibility_timeout}
