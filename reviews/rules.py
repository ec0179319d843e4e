"""The one rule of who may review a booking, and until when.

Used by :func:`reviews.services.review_create` (which refuses a review the rule does not allow) and by the booking's
answer (``reviewable_until``, :mod:`reviews.parts`), so the two never disagree.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus
from reviews.exceptions import NotReviewable
from stores.models import StoreMembership


def owner_works_at_store(*, booking: Booking) -> bool:
    """Whether the booking's owner is staff of the booking's store (one query)."""
    return StoreMembership.objects.filter(store_id=booking.store_id, user_id=booking.owner_id).exists()


def owner_works_at_store_expression() -> Exists:
    """:func:`owner_works_at_store` as an annotation of a Booking queryset (no query of its own)."""
    return Exists(StoreMembership.objects.filter(store_id=OuterRef("store_id"), user_id=OuterRef("owner_id")))


def review_deadline(*, booking: Booking, own_store: bool, completed_at: dt.datetime | None) -> dt.datetime:
    """Until when the booking's owner may review it: ``REVIEW_WINDOW_DAYS`` after the job was completed
    (``completed_at``, its latest move to completed). Whether a review was already written is not this rule's.

    Raises ``NotReviewable`` when the owner never may: the booking is not completed, not paid in full, or is at a
    store the owner works at (``own_store``); a completed booking without its completion event is ``too_late``."""
    if booking.status != BookingStatus.COMPLETED:
        raise NotReviewable(details={"reason": "not_completed", "status": booking.status})
    if booking.amount_paid <= 0 or booking.amount_paid < booking.quote_total:
        raise NotReviewable(_("Only a paid booking can be reviewed."), details={"reason": "not_paid"})
    if own_store:
        raise NotReviewable(_("Staff cannot review their own store."), details={"reason": "own_store"})
    if completed_at is None:
        raise too_late()
    return completed_at + dt.timedelta(days=settings.REVIEW_WINDOW_DAYS)


def too_late() -> NotReviewable:
    return NotReviewable(
        _("A booking can be reviewed within %(days)d days of completion.") % {"days": settings.REVIEW_WINDOW_DAYS},
        details={"reason": "too_late"},
    )
