from celery import shared_task

from catalog import reference


@shared_task(acks_late=True, max_retries=5, default_retry_delay=30)
def reference_prices_recompute_task(service_code: str, city: str) -> None:
    reference.reference_prices_recompute(service_code=service_code, city=city)
