"""Accounts housekeeping."""

from celery import shared_task

from accounts import services


@shared_task(name="accounts.tasks.sms_codes_purge_task")
def sms_codes_purge_task() -> int:
    """CELERY_BEAT_SCHEDULE, nightly."""
    return services.sms_codes_purge()
