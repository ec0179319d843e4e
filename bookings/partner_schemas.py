"""Shapes of the shop-floor endpoints and of the owner's decision on extra work (API.md, Bookings and schedules)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from bookings.models import Booking, BookingStatus, ChecklistResult
from bookings.schedule import BaySchedule
from bookings.schemas import (
    BookingOut,
    BookingQuoteLineOut,
    BookingQuoteOut,
    ChecklistItemOut,
    NearDate,
    SupplementOut,
    booking_dict,
    checklist_items,
    mask_phone,
    supplement_dict,
)
from bookings.selectors import amount_due
from chefu.errors import NotFound
from chefu.money import format_money

# --- schedule ------------------------------------------------------------------------------------------


class ScheduleParams(Schema):
    date: NearDate | None = Field(
        None, description="A day in the store's own time zone, YYYY-MM-DD. Today there when left out."
    )


class ScheduleBookingOut(Schema):
    id: int
    status: BookingStatus
    start: dt.datetime
    end: dt.datetime
    service_code: str
    service_name: str
    plate: str
    vehicle: str = Field(..., description="Make and model.")
    owner_name: str
    owner_phone: str = Field(..., description="Masked: 138****1234.")
    amount_due: str


class ScheduleClosureOut(Schema):
    id: int
    bay_id: int | None = Field(..., description="None: the whole store is closed (listed under every bay).")
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str


class ScheduleBayOut(Schema):
    id: int
    name: str
    is_active: bool = Field(..., description="An inactive bay is listed only for the bookings it still holds.")
    bookings: list[ScheduleBookingOut]
    closures: list[ScheduleClosureOut] = Field(
        ...,
        description="The closures covering some of the day, not clipped to it: the bay's own and the whole store's.",
    )


class ScheduleOut(Schema):
    store_id: int
    date: dt.date
    timezone: str
    bays: list[ScheduleBayOut]


def _vehicle(booking: Booking) -> str:
    return f"{booking.vehicle.make} {booking.vehicle.model}".strip()


def _schedule_booking(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "status": booking.status,
        "start": booking.start,
        "end": booking.end,
        "service_code": booking.service_id,
        "service_name": booking.service.name,
        "plate": booking.vehicle.plate,
        "vehicle": _vehicle(booking),
        "owner_name": booking.owner.name,
        "owner_phone": mask_phone(booking.owner.phone),
        "amount_due": format_money(amount_due(booking)),
    }


def schedule_dict(*, store, day: dt.date, bays: list[BaySchedule]) -> dict[str, Any]:
    return {
        "store_id": store.pk,
        "date": day,
        "timezone": store.timezone,
        "bays": [
            {
                "id": entry.bay.pk,
                "name": entry.bay.name,
                "is_active": entry.bay.is_active,
                "bookings": [_schedule_booking(b) for b in entry.bookings],
                "closures": [
                    {"id": c.pk, "bay_id": c.bay_id, "starts_at": c.starts_at, "ends_at": c.ends_at, "reason": c.reason}
                    for c in entry.closures
                ],
            }
            for entry in bays
        ],
    }


# --- one booking, as the store sees it -----------------------------------------------------------------


class StaffQuoteLineOut(BookingQuoteLineOut):
    price_source: str = Field(
        ...,
        description="store: the shop's own part at its price; catalogue: a catalogue part at its list price, the "
        "shop's own not fitting the car.",
    )


class StaffQuoteOut(BookingQuoteOut):
    lines: list[StaffQuoteLineOut]
    internal_notes: list[str] = Field(
        default_factory=list, description="For the store and QA, never shown to the owner: how lines were priced."
    )


class PartnerBookingOut(BookingOut):
    """A booking as its store and QA see it: the owner's view, the owner's name and masked phone, and the quote
    with what is kept from the owner (each line's price_source, internal_notes)."""

    quote: StaffQuoteOut
    owner_name: str
    owner_phone: str = Field(..., description="Masked: 138****1234.")
    vehicle: str = Field(..., description="Make and model.")


class StoreCancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="Sent to the owner with the full refund.")


def partner_booking_dict(booking: Booking) -> dict[str, Any]:
    return {
        **booking_dict(booking),
        "quote": booking.quote,  # the whole record (catalog.quotes.Quote.as_record): StaffQuoteOut lists its fields
        "owner_name": booking.owner.name,
        "owner_phone": mask_phone(booking.owner.phone),
        "vehicle": _vehicle(booking),
    }


# --- checklist -----------------------------------------------------------------------------------------


class ChecklistAnswerIn(Schema):
    code: str = Field(..., min_length=1, max_length=60)
    result: ChecklistResult
    note: str = Field("", max_length=1000)
    photo: int | None = Field(None, ge=1, description="Id of a photo of this booking (POST .../photos).")


class ChecklistIn(Schema):
    items: list[ChecklistAnswerIn] = Field(..., min_length=1, max_length=200)


class ChecklistOut(Schema):
    booking_id: int
    status: BookingStatus
    items: list[ChecklistItemOut]
    missing: list[str] = Field(..., description="Required items not answered yet: completing needs none.")


def checklist_dict(booking: Booking) -> dict[str, Any]:
    items = checklist_items(booking)
    return {
        "booking_id": booking.pk,
        "status": booking.status,
        "items": items,
        "missing": [i["code"] for i in items if i["required"] and i["result"] is None],
    }


# --- extra work ----------------------------------------------------------------------------------------


class SupplementLineIn(Schema):
    description: str = Field(..., min_length=1, max_length=200)
    sku: str | None = Field(None, max_length=40, description="A catalogue part's SKU, when the line is a part.")
    qty: Decimal = Field(..., gt=0, max_digits=8, decimal_places=2)
    unit_price: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2, description='CNY, e.g. "120.00".')


class SupplementIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)
    lines: list[SupplementLineIn] = Field(..., min_length=1, max_length=50)
    photos: list[int] = Field(default_factory=list, max_length=20, description="Ids of photos of this booking.")


class SupplementDecisionIn(Schema):
    note: str = Field("", max_length=500)


class SupplementDetailOut(SupplementOut):
    booking_id: int
    decision_note: str
    amount_due: str = Field(..., description="The booking's amount due now: quote plus approved supplements.")


def supplement_detail_dict(booking: Booking, supplement_id: int) -> dict[str, Any]:
    """One supplement of ``booking`` (with :func:`bookings.selectors._detailed`'s prefetches) and the booking's
    amount due."""
    supplement = next((s for s in booking.supplements.all() if s.pk == supplement_id), None)
    if supplement is None:
        raise NotFound()
    return {
        **supplement_dict(supplement),
        "booking_id": booking.pk,
        "decision_note": supplement.decision_note,
        "amount_due": format_money(amount_due(booking)),
    }


class BookingPolicyIn(Schema):
    """Any subset of the store's booking rules; what is left out stays as it is."""

    slot_step_min: int | None = Field(None, ge=5, le=240, description="Minutes between two starts.")
    min_notice_min: int | None = Field(None, ge=0, le=14 * 24 * 60, description="How soon a slot may be booked.")
    horizon_days: int | None = Field(None, ge=1, le=180, description="How far ahead slots are offered.")
    buffer_min: int | None = Field(None, ge=0, le=240, description="Cleaning time held after every job.")
    pay_window_min: int | None = Field(None, ge=5, le=24 * 60, description="Time to pay before the hold lapses.")
    free_cancel_hours: int | None = Field(
        None, ge=0, le=7 * 24, description="Free cancellation until this long before."
    )
    cancel_fee_pct: Decimal | None = Field(None, ge=0, le=100, decimal_places=2, description="Fee after that, in %.")


class BookingPolicyOut(Schema):
    slot_step_min: int
    min_notice_min: int
    horizon_days: int
    buffer_min: int
    pay_window_min: int
    free_cancel_hours: int
    cancel_fee_pct: str

    @staticmethod
    def resolve_cancel_fee_pct(obj) -> str:
        return format_money(obj.cancel_fee_pct)
