"""A free rework after an upheld complaint: the owner pays nothing; done elsewhere, the store at fault pays the
working store through their statements, and the books still reconcile."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.events import BookingCompleted
from bookings.models import Booking
from bookings.selectors import amount_owed
from bookings.services import booking_cancel
from payments.models import EntryKind, JournalEntry, Statement
from payments.reconciliation import mismatches
from payments.settlements import statements_issue
from quality.complaints import rework as services_rework
from quality.complaints import services
from quality.models import Complaint
from tests.bookings.conftest import local, make_shop, tomorrow
from tests.conftest import ApiClient, error_code, issue_token
from tests.payments.paying import pay
from tests.payments.test_settlements import complete, new_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def complaint() -> Complaint:
    booking = new_booking()
    pay(booking)
    complete(booking)
    return services.complaint_file(
        booking_id=booking.pk, owner=booking.owner, category="workmanship", description="机油漏了"
    )


def _rework_start() -> dt.datetime:
    return local(tomorrow() + dt.timedelta(days=4), 14)


def test_a_rework_at_another_store_is_free_and_charged_to_the_store_at_fault(complaint, qa_user):
    elsewhere = make_shop()
    body = {
        "outcome": "upheld",
        "resolution": "换到其他门店免费返工",
        "rework": True,
        "rework_store_id": elsewhere.pk,
        "rework_start": _rework_start().isoformat(),
        "penalty_points": 5,
    }
    response = ApiClient(issue_token(qa_user)).post(f"qa/complaints/{complaint.pk}/resolve", body)
    assert response.status_code == 200, response.json()
    rework = Booking.objects.get(pk=response.json()["rework_booking_id"])
    assert (rework.store, rework.status, rework.quote_total) == (elsewhere, "confirmed", Decimal("0.00"))
    assert rework.vehicle_id == complaint.booking.vehicle_id and rework.service_id == complaint.booking.service_id
    assert rework.quote["free_of_charge"]["value"] == "299.00" and amount_owed(rework) == Decimal("0.00")
    # Nothing is charged until the work is done.
    assert not JournalEntry.objects.filter(kind=EntryKind.REWORK).exists()
    Booking.objects.filter(pk=rework.pk).update(checklist=[])  # nothing to answer on the way to completed
    complete(rework)
    # A repeated delivery of the event charges nothing more.
    services_rework.rework_completed_charge(BookingCompleted(booking_id=rework.pk, kind="standard"))
    entry = JournalEntry.objects.get(kind=EntryKind.REWORK)
    lines = {line.account.store_id: line.amount for line in entry.lines.select_related("account")}
    assert lines == {complaint.store_id: Decimal("299.00"), elsewhere.pk: Decimal("-299.00")}

    statements_issue(day=timezone.localdate())
    at_fault = Statement.objects.get(store_id=complaint.store_id)
    working = Statement.objects.get(store=elsewhere)
    assert at_fault.rework == Decimal("299.00") and at_fault.net == at_fault.gross - at_fault.commission - Decimal(
        "299.00"
    )
    assert (working.rework, working.net) == (Decimal("-299.00"), Decimal("299.00"))
    assert mismatches() == []


def test_a_rework_at_the_same_store_moves_no_money(complaint, qa_user):
    done = services.complaint_resolve(
        complaint_id=complaint.pk,
        by=qa_user,
        outcome="upheld",
        resolution="原门店免费返工",
        rework=True,
        rework_start=_rework_start(),
    )
    assert done.rework_booking.store_id == complaint.store_id and done.rework_booking.quote_total == 0
    assert not JournalEntry.objects.filter(kind=EntryKind.REWORK).exists()
    assert [e.kind for e in done.events.all()] == ["filed", "rework", "resolved"]


def test_a_rework_the_store_cannot_take_writes_nothing(complaint, qa_user):
    night = local(tomorrow() + dt.timedelta(days=4), 23)
    body = {"outcome": "upheld", "resolution": "返工", "rework": True, "rework_start": night.isoformat()}
    response = ApiClient(issue_token(qa_user)).post(f"qa/complaints/{complaint.pk}/resolve", body)
    assert response.status_code == 422 and "rework_start" in response.json()["error"]["details"]["fields"]
    complaint.refresh_from_db()
    assert complaint.status == "open" and Booking.objects.count() == 1
    missing = {**body, "rework_start": _rework_start().isoformat(), "rework_store_id": 999999}
    response = ApiClient(issue_token(qa_user)).post(f"qa/complaints/{complaint.pk}/resolve", missing)
    assert response.status_code == 422 and error_code(response) == "validation_error"


def test_a_rework_cancelled_before_it_is_done_charges_nobody(complaint, qa_user):
    elsewhere = make_shop()
    done = services.complaint_resolve(
        complaint_id=complaint.pk,
        by=qa_user,
        outcome="upheld",
        resolution="换店返工",
        rework=True,
        rework_store_id=elsewhere.pk,
        rework_start=_rework_start(),
    )
    booking_cancel(booking_id=done.rework_booking_id, by=done.rework_booking.owner, reason="不需要了")
    assert not JournalEntry.objects.filter(kind=EntryKind.REWORK).exists()
    statements_issue(day=timezone.localdate())
    assert not Statement.objects.filter(store=elsewhere).exclude(rework=0).exists()
    assert mismatches() == []
