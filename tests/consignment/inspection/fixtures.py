"""Inspection test helpers: a test centre (a store with the consignment category), a consignment inspection booking
moved to a status, a complete report body, and completing the booking the way the shop floor does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bookings import services as booking_services
from bookings.checklists import checklist_answer
from bookings.models import Booking, BookingStatus
from consignment.inspection import services
from consignment.inspection.template import ITEMS, MICROMETRES, MILLIMETRES, VOLTS
from stores.models import Store
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.bookings.floor_fixtures import move, staff_of
from tests.catalog.factories import set_price
from tests.factories import UserFactory, VehicleFactory

# Valid VINs (the check digit in position 9 right) and one with it wrong.
VIN = "LSVAU218XN2183294"
VIN_OTHER = "LFV2A21K8D4123456"
VIN_BAD_CHECK = "LSVAU2180N2183294"

READINGS = {MICROMETRES: "120.0", MILLIMETRES: "6.5", VOLTS: "12.6"}


def inspection_shop(**kwargs) -> Store:
    """A shop that takes consignment inspections (30 minutes, ¥199) besides maintenance."""
    store = make_shop(bays=1, categories=["maintenance", "washing", "consignment"], **kwargs)
    set_price(store, "consignment_inspection", "199.00", duration_min=30)
    return store


def inspection_booking(
    *, owner=None, store: Store | None = None, vehicle=None, status: str = BookingStatus.IN_SERVICE, hour: int = 10
) -> Booking:
    """A consignment inspection booking (tomorrow at ``hour``) moved to ``status`` (at most in service: completing
    needs a report, :func:`complete`)."""
    owner = owner or UserFactory(roles=["owner"])
    store = store or inspection_shop()
    vehicle = vehicle or VehicleFactory(owner=owner, make="丰田", model="凯美瑞", year=2018, mileage_km=86000)
    booking = book(owner, store, local(tomorrow(), hour), vehicle=vehicle, service="consignment_inspection")
    return move(booking, status)


def item_answers(**results) -> list[dict]:
    """Every template item answered ``ok`` with a plausible reading, but for ``results`` ({code: result or a dict
    of fields})."""
    answers = []
    for item in ITEMS:
        answer = {"code": item.code, "result": "ok"}
        if item.unit:
            answer["reading"] = READINGS[item.unit]
        given = results.get(item.code)
        if isinstance(given, dict):
            answer |= given
        elif given is not None:
            answer["result"] = given
        answers.append(answer)
    return answers


def report_body(*, items: list[dict] | None = None, **fields) -> dict:
    return {
        "vin": VIN,
        "mileage_km": 86500,
        "first_registered": "2018-06-20",
        "transfers": 1,
        "items": items if items is not None else item_answers(),
        "summary": "车况良好，右后门有轻微划痕。",
    } | fields


def save_report(booking: Booking, by=None, **fields):
    """The report saved through the service, as a staff member of the booking's store (the platform's own code when
    ``by`` is None)."""
    body = report_body(**fields)
    override = body.pop("grade_override", None)
    return services.report_save(
        booking_id=booking.pk,
        by=by,
        vin=body["vin"],
        mileage_km=body["mileage_km"],
        first_registered=dt.date.fromisoformat(body["first_registered"]),
        transfers=body["transfers"],
        items=[
            services.ItemSpec(
                code=i["code"],
                result=i["result"],
                reading=Decimal(i["reading"]) if i.get("reading") is not None else None,
                note=i.get("note", ""),
            )
            for i in body["items"]
        ],
        summary=body["summary"],
        grade_override=services.Override(**override) if override else None,
    )


def complete(booking: Booking, by=None) -> Booking:
    """Answer the booking's required checklist items and complete it, as the shop floor does."""
    required = [i["code"] for i in Booking.objects.get(pk=booking.pk).checklist if i.get("required")]
    if required:
        checklist_answer(booking_id=booking.pk, by=by, items=[{"code": c, "result": "pass"} for c in required])
    return booking_services.booking_complete(booking_id=booking.pk, by=by)


def inspector_of(store: Store, role: str = "technician", **kwargs):
    return staff_of(store, role=role, **kwargs)


def post_report_photo(token: str | None, booking_id: int, data: bytes | None, *, item_code: str | None = "hood"):
    """``POST /partner/bookings/{id}/inspection-report/photos`` as multipart."""
    body: dict = {} if data is None else {"photo": SimpleUploadedFile("car.png", data, content_type="image/png")}
    if item_code is not None:
        body["item_code"] = item_code
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(f"/api/v1/partner/bookings/{booking_id}/inspection-report/photos", body, headers=headers)


def plate_photo(size: tuple[int, int] = (640, 480)) -> bytes:
    """A grey scene with a blue number plate (white characters) low in the middle."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (120, 120, 125))
    draw = ImageDraw.Draw(image)
    width, height = size
    left, top = width // 2 - 60, int(height * 0.78)
    draw.rectangle((left, top, left + 120, top + 38), fill=(10, 60, 190))
    for n in range(7):
        draw.rectangle((left + 8 + n * 16, top + 6, left + 17 + n * 16, top + 32), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
