"""The platform's Prometheus metrics beyond django-prometheus's (requests, database): business counters moved by the
domain events after their commit, and gauges read when Prometheus scrapes (unresolved complaints, Celery queues).

Counters work in several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set before prometheus_client is imported
(scripts/serve.sh), each process writes its own file there and a scrape adds them up, whichever process answers it,
Celery workers included (a reaction retried by a worker counts there)."""

import logging
from collections.abc import Iterator
from decimal import Decimal

from kombu.exceptions import ChannelError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bookings.events import BookingCancelled, BookingCreated
from chefu.celery import app as celery_app
from chefu.events import subscribe
from payments.events import PaymentSettled, PurposePaymentSettled, PurposeRefundIssued, RefundIssued
from quality.complaints.selectors import complaints_unresolved_counts

logger = logging.getLogger(__name__)

# A booking's own payments and refunds are the "booking" purpose; other purposes (payments.purposes) name theirs.
BOOKING_PURPOSE = "booking"

bookings_created = Counter("chefu_bookings_created", "Bookings created, by service kind.", ["kind"])
bookings_cancelled = Counter(
    "chefu_bookings_cancelled", "Bookings called off before the service, by who: owner or store.", ["by"]
)
payments_succeeded = Counter(
    "chefu_payments_succeeded",
    "Payments the provider confirmed, by purpose; applied=false: a duplicate or late one, refunded in full.",
    ["purpose", "applied"],
)
payments_succeeded_amount = Counter(
    "chefu_payments_succeeded_amount_cny", "Money of the payments the provider confirmed, in CNY.", ["purpose"]
)
refunds = Counter("chefu_refunds", "Refunds the provider paid back, by purpose.", ["purpose"])
refunds_amount = Counter("chefu_refunds_amount_cny", "Money refunded, in CNY.", ["purpose"])


def _yuan(amount: Decimal) -> float:
    return float(amount)


def booking_created_count(event: BookingCreated) -> None:
    bookings_created.labels(kind=event.kind).inc()


def booking_cancelled_count(event: BookingCancelled) -> None:
    bookings_cancelled.labels(by="store" if event.by_store else "owner").inc()


def payment_settled_count(event: PaymentSettled | PurposePaymentSettled) -> None:
    purpose = getattr(event, "purpose", BOOKING_PURPOSE)
    payments_succeeded.labels(purpose=purpose, applied=str(event.applied).lower()).inc()
    payments_succeeded_amount.labels(purpose=purpose).inc(_yuan(event.amount))


def refund_issued_count(event: RefundIssued | PurposeRefundIssued) -> None:
    purpose = getattr(event, "purpose", BOOKING_PURPOSE)
    refunds.labels(purpose=purpose).inc()
    refunds_amount.labels(purpose=purpose).inc(_yuan(event.amount))


def subscribe_all() -> None:
    """Not durable: a count lost to a crash between a commit and its reaction is not worth an outbox row per event.
    Not atomic: they write nothing to the database, so they cost it nothing."""
    for event_class, handler in (
        (BookingCreated, booking_created_count),
        (BookingCancelled, booking_cancelled_count),
        (PaymentSettled, payment_settled_count),
        (PurposePaymentSettled, payment_settled_count),
        (RefundIssued, refund_issued_count),
        (PurposeRefundIssued, refund_issued_count),
    ):
        subscribe(event_class, handler, atomic=False)


# --- Read at scrape time -------------------------------------------------------------------------------------------

BROKER_TIMEOUT_S = 1.0


def celery_queue_names() -> list[str]:
    """The queues the workers consume: ``task_queues`` when configured, else the default queue."""
    queues = celery_app.conf.task_queues
    if queues:
        return sorted({queue.name for queue in queues})
    return [celery_app.conf.task_default_queue]


def celery_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each queue, as the broker counts them (a passive declare: Redis's LLEN, RabbitMQ's
    message count); None when the broker does not answer within ``BROKER_TIMEOUT_S``."""
    lengths: dict[str, int] = {}
    try:
        with celery_app.connection_for_read(connect_timeout=BROKER_TIMEOUT_S) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_S)
            for name in celery_queue_names():
                # A channel each: RabbitMQ closes a channel on a passive declare of a queue nobody declared yet.
                channel = conn.channel()
                try:
                    lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    lengths[name] = 0  # never declared: nothing waits in it
                finally:
                    channel.close()
    except Exception as error:
        logger.warning("metrics: could not read the Celery queues: %s", error)
        return None
    return lengths


class ScrapeTimeCollector(Collector):
    """Gauges computed by the process answering the scrape (one database query, one broker connection)."""

    def collect(self) -> Iterator[Metric]:
        complaints = GaugeMetricFamily(
            "chefu_complaints_open",
            "Unresolved complaints: open (waiting for the store) or answered.",
            labels=["status"],
        )
        for status, count in sorted(complaints_unresolved_counts().items()):
            complaints.add_metric([status], count)
        yield complaints

        lengths = celery_queue_lengths()
        broker_up = GaugeMetricFamily("chefu_broker_up", "1 when the broker answered this scrape.")
        broker_up.add_metric([], 0 if lengths is None else 1)
        yield broker_up
        queues = GaugeMetricFamily("chefu_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
        for name, length in sorted((lengths or {}).items()):
            queues.add_metric([name], length)
        yield queues


class _ProcessRegistry(Collector):
    """This process's own metrics (no ``PROMETHEUS_MULTIPROC_DIR``: a single process, ``runserver``, the tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(multiprocess_dir: str | None) -> CollectorRegistry:
    """What one scrape reports: every process's metrics (from ``multiprocess_dir``) or this one's, and the gauges
    read now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir:
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
    else:
        registry.register(_ProcessRegistry())
    registry.register(ScrapeTimeCollector())
    return registry
