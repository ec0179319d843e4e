"""Completing an inspection booking: refused without a complete report (the kind's completion hook), and once done
the report is published with its passport and the seller's listing is made, exactly once."""

import threading

import pytest
from django.db import connection

from bookings.models import Booking, BookingStatus
from bookings.services import booking_complete
from chefu.events import recording
from chefu.models import EventDelivery
from consignment.inspection.events import ReportPublished
from consignment.inspection.exceptions import ReportIncomplete
from consignment.inspection.services import report_publish
from consignment.models import InspectionReport, Listing, ListingStatus
from tests.bookings.floor_fixtures import make_booking
from tests.conftest import error_code
from tests.consignment.inspection.fixtures import complete, inspection_booking, inspector_of, save_report


def _complete_url(booking) -> str:
    return f"partner/bookings/{booking.pk}/complete"


@pytest.mark.django_db
def test_completion_is_refused_without_a_report(make_client):
    booking = inspection_booking()
    client = make_client(inspector_of(booking.store))
    required = [i["code"] for i in booking.checklist if i.get("required")]
    client.put(f"partner/bookings/{booking.pk}/checklist", {"items": [{"code": c, "result": "pass"} for c in required]})

    response = client.post(_complete_url(booking))

    assert response.status_code == 409 and error_code(response) == "inspection_report_missing"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.IN_SERVICE
    assert not Listing.objects.exists()


@pytest.mark.django_db
def test_completion_is_refused_with_a_report_of_an_older_template():
    booking = inspection_booking()
    save_report(booking)
    InspectionReport.objects.filter(booking=booking).update(template_version="2025.9")

    with pytest.raises(ReportIncomplete) as refused:
        complete(booking)

    assert refused.value.code == "inspection_report_incomplete"
    assert refused.value.details["template_version"] == "2025.9"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.IN_SERVICE


@pytest.mark.django_db
def test_a_standard_booking_completes_without_any_report():
    booking = make_booking(status=BookingStatus.COMPLETED)

    assert booking.status == BookingStatus.COMPLETED
    assert not InspectionReport.objects.exists()


@pytest.mark.django_db
def test_completing_publishes_the_report_and_lists_the_car(make_client):
    booking = inspection_booking()
    save_report(booking, mileage_km=86500)
    inspector = make_client(inspector_of(booking.store))
    required = [i["code"] for i in booking.checklist if i.get("required")]
    inspector.put(
        f"partner/bookings/{booking.pk}/checklist", {"items": [{"code": c, "result": "pass"} for c in required]}
    )

    response = inspector.post(_complete_url(booking))

    assert response.status_code == 200, response.content
    report = InspectionReport.objects.get(booking=booking)
    assert report.published_at is not None
    listing = Listing.objects.get(report=report)
    assert listing.status == ListingStatus.DRAFT and listing.seller == booking.owner
    assert (listing.make, listing.model, listing.year, listing.mileage_km) == ("丰田", "凯美瑞", 2018, 86500)
    # the durable delivery ran and was cleared
    assert not EventDelivery.objects.filter(subscriber__endswith="inspection_booking_completed").exists()
    # and the inspector now reads it as published
    body = inspector.get(f"partner/bookings/{booking.pk}/inspection-report").json()
    assert body["status"] == "published" and body["listing_id"] == listing.pk


@pytest.mark.django_db
def test_publication_happens_exactly_once(committing):
    booking = inspection_booking()
    save_report(booking)

    with recording() as events:
        complete(booking)
    first = Listing.objects.get()
    published_at = InspectionReport.objects.get().published_at

    # the handler delivered twice (a retry), or called again: nothing new
    again = report_publish(booking_id=booking.pk)

    assert again == first and Listing.objects.count() == 1
    assert InspectionReport.objects.get().published_at == published_at
    assert [type(e) for e in events if isinstance(e, ReportPublished)] == [ReportPublished]


@pytest.mark.django_db
def test_nothing_is_published_before_the_booking_completes():
    booking = inspection_booking()
    save_report(booking)

    assert report_publish(booking_id=booking.pk) is None
    assert InspectionReport.objects.get().published_at is None and not Listing.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_list_the_car_once():
    # given a completed inspection whose publication has not run yet (its event's delivery is pending)
    booking = inspection_booking()
    save_report(booking)
    required = [i["code"] for i in Booking.objects.get(pk=booking.pk).checklist if i.get("required")]
    from bookings.checklists import checklist_answer

    checklist_answer(booking_id=booking.pk, by=None, items=[{"code": c, "result": "pass"} for c in required])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("consignment.inspection.subscribers.report_publish", lambda **kwargs: None)
        booking_complete(booking_id=booking.pk, by=None)
    assert not Listing.objects.exists()

    # when four workers publish it at once
    barrier = threading.Barrier(4)
    results, errors = [], []

    def publish():
        try:
            barrier.wait()
            results.append(report_publish(booking_id=booking.pk))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one listing, and every worker got it
    assert not errors
    assert Listing.objects.count() == 1
    assert {listing.pk for listing in results} == {Listing.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_a_draft_racing_the_completion_is_published_whole_or_refused():
    # given an inspection with its report and checklist done
    from bookings.checklists import checklist_answer
    from bookings.exceptions import BookingNotAtShop
    from consignment.inspection.exceptions import ReportPublished as Published

    booking = inspection_booking()
    save_report(booking, mileage_km=80000)
    required = [i["code"] for i in Booking.objects.get(pk=booking.pk).checklist if i.get("required")]
    checklist_answer(booking_id=booking.pk, by=None, items=[{"code": c, "result": "pass"} for c in required])

    # when the inspector saves again while the booking is being completed
    barrier = threading.Barrier(2)
    outcome: dict = {}

    def run(name, action):
        try:
            barrier.wait()
            action()
            outcome[name] = "done"
        except (BookingNotAtShop, Published) as refused:
            outcome[name] = refused.code
        except Exception as error:  # pragma: no cover - reported below
            outcome[name] = repr(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("save", lambda: save_report(booking, mileage_km=90000))),
        threading.Thread(target=run, args=("complete", lambda: booking_complete(booking_id=booking.pk, by=None))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then the completion went through and the published report is the one saved last before it
    assert outcome["complete"] == "done", outcome
    report = InspectionReport.objects.get(booking=booking)
    assert report.published_at is not None and Listing.objects.filter(report=report).count() == 1
    if outcome["save"] == "done":
        assert report.mileage_km == 90000
    else:
        assert outcome["save"] in ("booking_not_at_shop", "inspection_report_published"), outcome
        assert report.mileage_km == 80000
