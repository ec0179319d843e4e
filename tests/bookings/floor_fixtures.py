"""Shop-floor test helpers: a store's staff, bookings moved to a status, a known checklist, photos to upload."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from bookings import services
from bookings.checklists import checklist_answer
from bookings.models import Booking, BookingStatus
from bookings.selectors import check_in_opens_at
from stores.models import Store
from stores.services import membership_add
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.factories import UserFactory, VehicleFactory
from tests.payments.paying import pay

# The checklist every floor booking gets, whatever the catalogue holds: tests name its codes.
CHECKLIST = [
    {"code": "oil_level", "label_zh": "检查机油液位", "label_en": "Check the oil level", "required": True},
    {"code": "tyre_pressure", "label_zh": "检查胎压", "label_en": "Check tyre pressure", "required": True},
    {"code": "wipers", "label_zh": "检查雨刮", "label_en": "Check the wipers", "required": False},
]
REQUIRED = ["oil_level", "tyre_pressure"]

# What each status is reached through, from pending_payment.
_PATH = {
    BookingStatus.PENDING_PAYMENT: [],
    BookingStatus.CONFIRMED: [BookingStatus.CONFIRMED],
    BookingStatus.CHECKED_IN: [BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN],
    BookingStatus.IN_SERVICE: [BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.IN_SERVICE],
    BookingStatus.COMPLETED: [
        BookingStatus.CONFIRMED,
        BookingStatus.CHECKED_IN,
        BookingStatus.IN_SERVICE,
        BookingStatus.COMPLETED,
    ],
    BookingStatus.NO_SHOW: [BookingStatus.CONFIRMED, BookingStatus.NO_SHOW],
    BookingStatus.CANCELLED: [BookingStatus.CONFIRMED, BookingStatus.CANCELLED],
}


def staff_of(store: Store, role: str = "technician", **kwargs):
    user = UserFactory(roles=["owner"], **kwargs)
    membership_add(store=store, user=user, role=role)
    user.refresh_from_db()
    return user


def move(booking: Booking, status: str, *, by=None) -> Booking:
    """Take ``booking`` (pending payment) to ``status`` through the services: paid through the sandbox to be
    confirmed, the checklist answered on the way to completed. A car is checked in no earlier than check-in opens
    (2 h before its start): for a booking further ahead, the floor's steps are dated then."""
    floor_now = max(timezone.now(), check_in_opens_at(booking))
    for step in _PATH[status]:
        if step == BookingStatus.CONFIRMED:
            pay(booking)
        elif step == BookingStatus.CHECKED_IN:
            services.booking_check_in(booking_id=booking.pk, by=by, now=floor_now)
        elif step == BookingStatus.IN_SERVICE:
            services.booking_start(booking_id=booking.pk, by=by, now=floor_now)
        elif step == BookingStatus.COMPLETED:
            required = [i["code"] for i in Booking.objects.get(pk=booking.pk).checklist if i.get("required")]
            if required:
                checklist_answer(booking_id=booking.pk, by=by, items=[{"code": c, "result": "pass"} for c in required])
            services.booking_complete(booking_id=booking.pk, by=by, now=floor_now)
        elif step == BookingStatus.NO_SHOW:
            services.booking_no_show(booking_id=booking.pk, by=by, now=booking.start + dt.timedelta(minutes=30))
        elif step == BookingStatus.CANCELLED:
            services.booking_cancel(booking_id=booking.pk, by=by, reason="test", by_store=True)
    booking.refresh_from_db()
    return booking


def make_booking(
    *,
    owner=None,
    store: Store | None = None,
    status: str = BookingStatus.CONFIRMED,
    start: dt.datetime | None = None,
    now: dt.datetime | None = None,
    checklist: list[dict] | None = CHECKLIST,
    vehicle=None,
) -> Booking:
    """A booking of minor_service (tomorrow 10:00 unless ``start``) moved to ``status``, with :data:`CHECKLIST`
    instead of the catalogue's (``checklist=None`` keeps the catalogue's)."""
    owner = owner or UserFactory(roles=["owner"])
    store = store or make_shop()
    vehicle = vehicle or VehicleFactory(owner=owner)
    booking = book(owner, store, start or local(tomorrow(), 10), vehicle=vehicle, now=now)
    if checklist is not None:
        Booking.objects.filter(pk=booking.pk).update(checklist=checklist)
    return move(booking, status)


def past_booking(*, owner=None, store: Store | None = None, status: str = BookingStatus.CONFIRMED) -> Booking:
    """A booking whose start (yesterday 10:00) has passed, booked the day before it."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return make_booking(
        owner=owner, store=store, status=status, start=local(yesterday, 10), now=local(yesterday - dt.timedelta(1), 10)
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def post_photo(token: str | None, booking_id: int, data: bytes | None, *, name: str = "car.png"):
    """``POST /partner/bookings/{id}/photos`` as multipart; ``data=None`` sends no file at all."""
    body = {} if data is None else {"photo": SimpleUploadedFile(name, data, content_type="image/png")}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(f"/api/v1/partner/bookings/{booking_id}/photos", body, headers=headers)
