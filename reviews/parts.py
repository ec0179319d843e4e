"""The review's part of a booking's answer (:mod:`bookings.parts`): ``review`` and ``reviewable_until``."""

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from bookings.models import Booking, BookingStatus
from bookings.parts import BookingPart
from reviews.exceptions import NotReviewable
from reviews.rules import owner_works_at_store_expression, review_deadline

# The annotation that tells whether the booking's owner works at its store (read by ReviewPart.fields).
OWN_STORE = "review_owner_is_store_staff"


class ReviewPart(BookingPart):
    select_related = ("review",)

    def annotations(self):
        return {OWN_STORE: owner_works_at_store_expression()}

    def when_new(self):
        # not known without a query, and not needed: only a completed booking asks (review_deadline)
        return {OWN_STORE: None}

    def fields(self, booking: Booking) -> dict[str, Any]:
        review = _review(booking)
        return {"review": review, "reviewable_until": None if review else _reviewable_until(booking)}


def _review(booking: Booking) -> dict | None:
    """The booking's review {id, status} (its reverse relation, joined), if written."""
    try:
        review = booking.review
    except ObjectDoesNotExist:
        return None
    return {"id": review.pk, "status": review.status}


def _reviewable_until(booking: Booking) -> dt.datetime | None:
    """:func:`reviews.rules.review_deadline` from what the detail loaded (the booking's events, the annotation);
    None when the owner never may review it."""
    done = [e.at for e in booking.events.all() if e.to_status == BookingStatus.COMPLETED]
    try:
        return review_deadline(
            booking=booking, own_store=getattr(booking, OWN_STORE), completed_at=max(done, default=None)
        )
    except NotReviewable:
        return None
