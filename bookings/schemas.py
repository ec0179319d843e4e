import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import get_language, gettext
from ninja import Field, Schema
from pydantic import AfterValidator

from bookings.models import Booking, BookingStatus
from bookings.parts import booking_parts
from bookings.selectors import amount_due, amount_owed
from catalog.quotes import quote_record_for_owner
from chefu.inputs import Instant
from chefu.money import format_money, format_quantity
from chefu.schemas import RowSchema

# No store books or keeps a schedule further than this from today; beyond it a date is a mistake (and near the
# calendar's ends, arithmetic on it would overflow).
CALENDAR_REACH = dt.timedelta(days=366)


def _near_date(value: dt.date) -> dt.date:
    today = timezone.localdate()
    if not today - CALENDAR_REACH <= value <= today + CALENDAR_REACH:
        raise ValueError(gettext("Give a date within a year of today."))
    return value


def _near_instant(value: dt.datetime) -> dt.datetime:
    _near_date(value.astimezone(dt.UTC).date())
    return value


NearDate = Annotated[dt.date, AfterValidator(_near_date)]
# An Instant first (with its offset, inside the calendar): converting it to UTC cannot overflow.
NearDateTime = Annotated[Instant, AfterValidator(_near_instant)]


class AvailabilityParams(Schema):
    service: str = Field(..., min_length=1, max_length=60, description="A standard service code.")
    date: NearDate = Field(..., description="A day in the store's own time zone, YYYY-MM-DD.")


class SlotOut(RowSchema):
    start: dt.datetime
    end: dt.datetime
    free_bays: int


class AvailabilityOut(RowSchema):
    date: dt.date
    timezone: str
    duration_min: int
    slots: list[SlotOut]


class BookingIn(Schema):
    store_id: int = Field(..., ge=1)
    service_code: str = Field(..., min_length=1, max_length=60)
    vehicle_id: int = Field(..., ge=1)
    start: NearDateTime = Field(..., description="ISO-8601 with offset, one of the availability list's starts.")
    expected_total: Decimal | None = Field(
        None,
        max_digits=12,
        decimal_places=2,
        ge=0,
        allow_inf_nan=False,
        examples=["811.00"],
        description="The quote total the owner was shown (GET /stores/{id}/quote). When the quote for the car now "
        "differs, nothing is booked: 409 quote_changed with details.total, the new total.",
    )


class BookingListParams(Schema):
    status: BookingStatus | None = None


class CancelIn(Schema):
    reason: str = Field("", max_length=500)


class RescheduleIn(Schema):
    start: NearDateTime


class CancellationTermsParams(Schema):
    start: NearDateTime | None = Field(
        None, description="A start to move the booking to (ISO-8601 with offset): the terms after that reschedule."
    )


class CancellationTermsOut(Schema):
    start: dt.datetime = Field(..., description="The start the terms are for: the booking's, or the given one.")
    cancellable: bool = Field(..., description="Whether the owner may cancel it now.")
    reschedulable: bool = Field(..., description="Whether the owner may move it now (moving is free).")
    amount_paid: str
    fee_pct: str = Field(..., description='The late-cancellation fee, in % of what was paid ("20").')
    free_until: dt.datetime = Field(..., description="Cancelling before this instant costs nothing.")
    fee: str = Field(..., description="What the store keeps if the booking is cancelled now.")
    refund: str = Field(
        ...,
        description="What goes back if it is cancelled now (the cancellation's refund_due): amount_paid less fee; a "
        "coupon's part of it returns to the coupon, the rest to the owner.",
    )


class BookingQuoteLineOut(Schema):
    kind: str
    description: str
    sku: str | None
    qty: str
    unit_price: str
    amount: str


class BookingQuoteOut(Schema):
    lines: list[BookingQuoteLineOut]
    total: str
    notes: list[str] = []


class BookingPhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class SupplementLineOut(Schema):
    description: str
    sku: str | None
    qty: str
    unit_price: str
    amount: str


class SupplementOut(Schema):
    id: int
    status: str
    reason: str
    lines: list[SupplementLineOut]
    total: str
    photos: list[BookingPhotoOut]
    proposed_at: dt.datetime
    decided_at: dt.datetime | None


class ChecklistItemOut(Schema):
    code: str
    label: str
    required: bool
    result: str | None
    note: str
    photo: BookingPhotoOut | None


class TimelineOut(Schema):
    at: dt.datetime
    status: str
    from_status: str
    action: str
    by: str = Field(..., description="owner, store, platform or system")
    reason: str


class CancellationOut(Schema):
    by: str
    reason: str
    fee: str
    refund_due: str = Field(..., description="What the cancellation gives back, coupon part included.")
    refund_to_owner: str = Field(..., description="The cash refunded to the owner for it (refund_due less any coupon).")


class BookingOut(Schema):
    id: int
    status: BookingStatus
    store_id: int
    store_name: str
    service_code: str
    service_name: str
    vehicle_id: int
    plate: str
    bay_id: int
    bay_name: str
    start: dt.datetime
    end: dt.datetime
    pay_before: dt.datetime | None
    quote: BookingQuoteOut
    supplements: list[SupplementOut]
    amount_due: str
    amount_paid: str = Field(
        ...,
        description="The sum of succeeded payments, a payment refunded in full for settling nothing (paid twice, "
        "or after the booking ended) included; refunds are listed apart and never subtracted from it.",
    )
    amount_owed: str = Field(
        ...,
        description="What is still owed on amount_due (what POST /bookings/{id}/pay charges before a coupon): "
        "amount_due less what succeeded payments settled, never below 0.00, while the booking can be paid "
        "(pending_payment, confirmed, checked_in, in_service); 0.00 once it has ended (expired, cancelled, no_show, "
        "completed). It is amount_due - amount_paid (or 0.00) unless a payment settled nothing.",
    )
    refunds: list[dict] = Field(
        ..., description="Refunds of this booking [{id, amount, status, reason}]; never subtracted from amount_paid."
    )
    review: dict | None = Field(..., description="The booking's review {id, status}, once written.")
    reviewable_until: dt.datetime | None = Field(
        ..., description="Until when the owner may review it (completed, paid, not yet reviewed); null otherwise."
    )
    coupon: dict | None = Field(
        ..., description="The coupon reserved or used for this booking {code, name, discount, status}, if any."
    )
    cancellation: CancellationOut | None
    checklist: list[ChecklistItemOut]
    timeline: list[TimelineOut]
    created_at: dt.datetime


class BookingListOut(Schema):
    items: list[BookingOut]
    count: int


def photo_dict(photo) -> dict[str, Any]:
    return {"id": photo.pk, "url": photo.image.url, "width": photo.width, "height": photo.height}


def _label(item: dict) -> str:
    english = (get_language() or "").startswith("en")
    return item.get("label_en") if english and item.get("label_en") else item.get("label_zh", item["code"])


def supplement_dict(supplement) -> dict[str, Any]:
    return {
        "id": supplement.pk,
        "status": supplement.status,
        "reason": supplement.reason,
        "lines": [
            {
                "description": line.description,
                "sku": line.sku or None,
                "qty": format_quantity(line.qty),
                "unit_price": format_money(line.unit_price),
                "amount": format_money(line.amount),
            }
            for line in supplement.lines.all()
        ],
        "total": format_money(supplement.total),
        "photos": [photo_dict(p) for p in supplement.photos.all()],
        "proposed_at": supplement.proposed_at,
        "decided_at": supplement.decided_at,
    }


def checklist_items(booking: Booking) -> list[dict[str, Any]]:
    """The booking's checklist (as snapshotted at booking time) with the answers given so far."""
    answers = {a.code: a for a in booking.checklist_answers.all()}
    out = []
    for item in booking.checklist:
        answer = answers.get(item["code"])
        out.append(
            {
                "code": item["code"],
                "label": _label(item),
                "required": bool(item.get("required")),
                "result": answer.result if answer else None,
                "note": answer.note if answer else "",
                "photo": photo_dict(answer.photo) if answer and answer.photo else None,
            }
        )
    return out


def booking_dict(booking: Booking) -> dict[str, Any]:
    """A booking as the owner (and the store) see it; expects :func:`bookings.selectors._detailed`'s prefetches.
    The refunds, coupon and review are the higher apps' parts (:mod:`bookings.parts`)."""
    parts = booking_parts()
    cancellation = None
    if booking.status == BookingStatus.CANCELLED:
        cancellation = {
            "by": "store" if booking.cancelled_by_store else "owner",
            "reason": booking.cancel_reason,
            "fee": format_money(booking.cancellation_fee or 0),
            "refund_due": format_money(booking.refund_due or 0),
        }
        for part in parts:
            cancellation.update(part.cancellation_fields(booking))
    answer = {
        "id": booking.pk,
        "status": booking.status,
        "store_id": booking.store_id,
        "store_name": booking.store.name,
        "service_code": booking.service_id,
        "service_name": booking.service.name,
        "vehicle_id": booking.vehicle_id,
        "plate": booking.vehicle.plate,
        "bay_id": booking.bay_id,
        "bay_name": booking.bay.name,
        "start": booking.start,
        "end": booking.end,
        "pay_before": booking.pay_before if booking.status == BookingStatus.PENDING_PAYMENT else None,
        "quote": quote_record_for_owner(booking.quote),
        "supplements": [supplement_dict(s) for s in booking.supplements.all()],
        "amount_due": format_money(amount_due(booking)),
        "amount_paid": format_money(booking.amount_paid + booking.amount_unapplied),
        "amount_owed": format_money(amount_owed(booking)),
        "cancellation": cancellation,
        "checklist": checklist_items(booking),
        "timeline": [
            {
                "at": e.at,
                "status": e.to_status,
                "from_status": e.from_status,
                "action": e.action,
                "by": e.by_role,
                "reason": e.reason,
            }
            for e in booking.events.all()
        ],
        "created_at": booking.created_at,
    }
    for part in parts:
        answer.update(part.fields(booking))
    return answer


_MOBILE = re.compile(r"^(\+86)?(1\d{2})\d{4}(\d{4})$")


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; anything else keeps only its last four digits."""
    digits = phone.replace(" ", "")
    if match := _MOBILE.match(digits):
        return f"{match.group(2)}****{match.group(3)}"
    return f"****{digits[-4:]}" if len(digits) >= 4 else "****"
