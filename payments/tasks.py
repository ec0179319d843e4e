"""Payment background work: thin tasks over the services, which re-check state so a repeat changes nothing."""

import urllib.error
import urllib.parse
import urllib.request

from celery import shared_task
from django.db import InterfaceError, OperationalError

from payments import payouts, services
from payments.providers.base import ProviderUnavailable, notify_url_for


@shared_task(
    name="payments.tasks.refund_execute_task",
    autoretry_for=(OperationalError, InterfaceError, ProviderUnavailable),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def refund_execute_task(refund_id: int) -> str:
    """Queued after commit by ``refund_request``; the refunds sweep picks up what this missed."""
    return services.refund_execute(refund_id=refund_id)


@shared_task(name="payments.tasks.refunds_pending_sweep_task")
def refunds_pending_sweep_task() -> int:
    """CELERY_BEAT_SCHEDULE: queue every refund still pending after a few minutes (broker down, worker lost)."""
    return services.refunds_pending_requeue()


@shared_task(
    name="payments.tasks.payment_query_task",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=3,
)
def payment_query_task(payment_id: int) -> str:
    """Queued by the payments query sweep; a provider that is down leaves the payment for a later sweep."""
    return services.payment_query(payment_id=payment_id)


@shared_task(name="payments.tasks.payments_pending_query_task")
def payments_pending_query_task() -> int:
    """CELERY_BEAT_SCHEDULE: ask the provider about the pending payments whose notification has not come."""
    return services.payments_pending_query()


@shared_task(
    name="payments.tasks.payout_execute_task",
    autoretry_for=(OperationalError, InterfaceError, ProviderUnavailable),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def payout_execute_task(payout_id: int) -> str:
    """Queued after commit by ``payout_request``; the payouts sweep picks up what this missed."""
    return payouts.payout_execute(payout_id=payout_id)


@shared_task(name="payments.tasks.payouts_pending_sweep_task")
def payouts_pending_sweep_task() -> int:
    """CELERY_BEAT_SCHEDULE: queue every payout still pending after a few minutes (broker down, provider away)."""
    return payouts.payouts_pending_requeue()


class NotificationNotAccepted(Exception):
    """Our notify endpoint did not answer ``success``: the provider sends again later."""


@shared_task(
    name="payments.tasks.sandbox_notify_deliver_task",
    autoretry_for=(OSError, NotificationNotAccepted),
    retry_backoff=4,
    retry_backoff_max=3600,
    max_retries=8,
)
def sandbox_notify_deliver_task(params: dict) -> str:
    """The sandbox's notification, POSTed form-encoded to our own notify URL over HTTP like Alipay's servers do;
    retried (4 s, 8 s, … up to an hour) until the answer is the literal ``success``."""
    url = notify_url_for("sandbox")
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read().decode()
    except urllib.error.HTTPError as error:
        raise NotificationNotAccepted(f"{error.code}") from error
    if answer.strip() != "success":
        raise NotificationNotAccepted(answer[:100])
    return answer
