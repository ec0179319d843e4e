"""The vehicle passport: the car's service history at Chefu, which no dealer auction offers.

Every completed booking of a car with the report's VIN or its plate, whoever owned it then (a car changes hands, and
its new owner registers it again), oldest first: when it was done and where, the service, the mileage, and the
checklist with its answers. Bookings do not record the odometer: the mileage is the inspection report's for an
earlier consignment inspection (``mileage_source: "inspection"``), otherwise the mileage its owner last gave for the
car (``"owner"``, which may be later than the visit). Nobody's name, phone or plate is in it.

:func:`passport_build` reads it; the report keeps a snapshot from its publication (``InspectionReport.passport``).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Prefetch, Q, Subquery

from bookings.models import Booking, BookingEvent, BookingStatus, ChecklistAnswer
from consignment.models import InspectionReport

# A car with more history than this shows its latest visits.
MAX_ENTRIES = 200


def _completed_at() -> Subquery:
    return Subquery(
        BookingEvent.objects.filter(booking=OuterRef("pk"), to_status=BookingStatus.COMPLETED)
        .order_by("-at")
        .values("at")[:1]
    )


def _report_mileage() -> Subquery:
    return Subquery(InspectionReport.objects.filter(booking=OuterRef("pk")).values("mileage_km")[:1])


def passport_build(*, vin: str, plate: str, exclude_booking_id: int | None = None) -> list[dict[str, Any]]:
    """The car's completed bookings matched by ``vin`` or ``plate`` (either may be blank), oldest first, as JSON-able
    entries ``{date, store, city, service: {code, name_zh, name_en}, mileage_km, mileage_source, matched_by,
    checklist: [{code, label_zh, label_en, result, note}]}``. ``exclude_booking_id``: the inspection itself."""
    match = Q()
    if vin:
        match |= Q(vehicle__vin=vin)
    if plate:
        match |= Q(vehicle__plate=plate)
    if not match:
        return []
    bookings = (
        Booking.objects.filter(match, status=BookingStatus.COMPLETED)
        .exclude(pk=exclude_booking_id)
        .select_related("service", "store", "vehicle")
        .prefetch_related(Prefetch("checklist_answers", queryset=ChecklistAnswer.objects.order_by("id")))
        .annotate(completed_at=_completed_at(), report_mileage=_report_mileage())
        .order_by("-start", "-id")[:MAX_ENTRIES]
    )
    return [_entry(booking, vin=vin, plate=plate) for booking in reversed(list(bookings))]


def _entry(booking: Booking, *, vin: str, plate: str) -> dict[str, Any]:
    done = booking.completed_at or booking.end
    by_vin = bool(vin) and booking.vehicle.vin == vin
    by_plate = bool(plate) and booking.vehicle.plate == plate
    answers = {answer.code: answer for answer in booking.checklist_answers.all()}
    checklist = []
    for item in booking.checklist:
        answer = answers.get(item["code"])
        checklist.append(
            {
                "code": item["code"],
                "label_zh": item.get("label_zh", ""),
                "label_en": item.get("label_en", ""),
                "result": answer.result if answer else None,
                "note": answer.note if answer else "",
            }
        )
    inspected = booking.report_mileage is not None
    return {
        "date": done.astimezone(ZoneInfo(booking.store.timezone)).date().isoformat(),
        "store": booking.store.name,
        "city": booking.store.city,
        "service": {
            "code": booking.service_id,
            "name_zh": booking.service.name_zh,
            "name_en": booking.service.name_en,
        },
        "mileage_km": booking.report_mileage if inspected else booking.vehicle.mileage_km,
        "mileage_source": "inspection" if inspected else "owner",
        "matched_by": "vin_and_plate" if by_vin and by_plate else ("vin" if by_vin else "plate"),
        "checklist": checklist,
    }
