"""The higher apps' parts of a booking's answer (bookings.parts): registered from their apps, loaded with the
booking in the same queries, merged into the answer."""

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from bookings import parts, selectors
from bookings.models import BookingEvent, BookingStatus
from bookings.parts import BookingPart, booking_parts
from bookings.schemas import booking_dict
from payments.parts import PaymentsPart
from reviews.parts import ReviewPart
from tests.bookings.floor_fixtures import make_booking

pytestmark = pytest.mark.django_db


class EventCount(BookingPart):
    """A part that counts the booking's events in the booking's own query and tells the cancellation too."""

    def annotations(self):
        counted = BookingEvent.objects.filter(booking=OuterRef("pk")).values("booking").annotate(n=Count("pk"))
        return {"test_event_count": Subquery(counted.values("n"))}

    def fields(self, booking):
        return {"event_count": booking.test_event_count}

    def cancellation_fields(self, booking):
        return {"events_before": booking.test_event_count}


def _detail(booking) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = booking_dict(selectors.booking_get_for_owner(user=booking.owner, booking_id=booking.pk))
    return answer, len(queries)


def test_payments_and_reviews_add_their_parts_from_their_apps():
    assert {PaymentsPart, ReviewPart} <= {type(part) for part in booking_parts()}


def test_a_part_adds_its_fields_without_a_query_of_its_own(monkeypatch):
    # given a booking and what its detail costs without the part
    booking = make_booking(status=BookingStatus.CONFIRMED)
    _detail(booking)  # warm: the first read may fill caches
    before, queries = _detail(booking)
    # when a part is registered
    monkeypatch.setitem(parts._parts, "test", EventCount())
    answer, queries_with_part = _detail(booking)
    # then its field is in the answer, computed in the booking's own query
    assert answer["event_count"] == booking.events.count() and "event_count" not in before
    assert queries_with_part == queries
    assert answer["cancellation"] is None


def test_a_part_adds_its_fields_to_the_cancellation(monkeypatch):
    monkeypatch.setitem(parts._parts, "test", EventCount())
    booking = make_booking(status=BookingStatus.CANCELLED)
    answer, _ = _detail(booking)
    assert answer["cancellation"]["events_before"] == booking.events.count()
    assert answer["cancellation"]["refund_to_owner"] == "0.00"  # the payments' part, beside it
