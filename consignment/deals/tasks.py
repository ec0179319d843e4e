"""The deals' beat tasks: thin, over services that re-check state, so running one twice is harmless."""

from celery import shared_task

from consignment.deals.handover import handovers_book_missing
from consignment.deals.settlement import deals_settle_due


@shared_task(name="consignment.deals.tasks.deals_settle_due_task")
def deals_settle_due_task() -> int:
    """CELERY_BEAT_SCHEDULE: pay the sellers whose claim window has passed with no open claim."""
    return deals_settle_due()


@shared_task(name="consignment.deals.tasks.handovers_book_missing_task")
def handovers_book_missing_task() -> int:
    """CELERY_BEAT_SCHEDULE: book the handover of paid deals that have none (or lost theirs)."""
    return handovers_book_missing()
