"""Every write to an inspection report: the inspector's draft and its photos, the check the booking's completion
makes, and the publication that follows it (with the seller's listing).

Locks: a draft changes under its booking's row lock (:func:`bookings.lock_objects.booking_lock`), then the report's
(:func:`consignment.inspection.lock_objects.report_lock`); completing the booking takes the booking's row too, so no
draft slips in beside a completion. Publication locks the report's row alone. Once published (``published_at``
set), a report, its items and its photos never change: the services refuse (``ReportPublished``) and PostgreSQL's
triggers refuse whatever else tries (migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, Vehicle
from bookings.lock_objects import booking_lock
from bookings.models import Booking, BookingStatus
from bookings.photos import require_at_shop
from bookings.selectors import booking_access_check
from chefu.errors import ValidationFailed
from chefu.events import emit
from chefu.images import FIELD, image_clean
from chefu.inputs import text_problem
from consignment.inspection.events import ReportPublished as ReportPublishedEvent
from consignment.inspection.exceptions import ReportIncomplete, ReportMissing, ReportPublished
from consignment.inspection.grading import Answer, grade_compute
from consignment.inspection.lock_objects import report_lock
from consignment.inspection.passport import passport_build
from consignment.inspection.plates import plate_mask
from consignment.inspection.selectors import inspection_require
from consignment.inspection.template import BY_CODE, CODES, READING_MAX, VERSION
from consignment.inspection.vin import vin_clean
from consignment.models import Grade, InspectionItem, InspectionPhoto, InspectionReport, ItemResult, Listing
from stores.models import StaffRole

# Who writes a report: the store's managers and technicians (a service advisor reads it).
INSPECTOR_ROLES: tuple[str, ...] = (StaffRole.MANAGER, StaffRole.TECHNICIAN)
NOTE_MAX_CHARS = 1000
SUMMARY_MAX_CHARS = 4000
REASON_MAX_CHARS = 1000
MILEAGE_MAX_KM = 2_000_000
TRANSFERS_MAX = 99
FIRST_REGISTERED_MIN = dt.date(1950, 1, 1)
# Two or so per item is plenty; a cap keeps a runaway client from filling the storage through one report.
MAX_PHOTOS_PER_REPORT = 150


@dataclass(frozen=True)
class ItemSpec:
    code: str
    result: str
    reading: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Override:
    grade: str
    reason: str


def _item_refusals(items: Sequence[ItemSpec]) -> dict[str, str]:
    """Field errors named after the item they are about (``items.<n>.code`` ...), and ``items`` for the template's
    items left unanswered."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for n, spec in enumerate(items):
        item = BY_CODE.get(spec.code)
        if item is None:
            errors[f"items.{n}.code"] = _("“%(code)s” is not an item of the inspection template.") % {"code": spec.code}
            continue
        if spec.code in seen:
            errors[f"items.{n}.code"] = _("“%(code)s” is answered twice.") % {"code": spec.code}
        seen.add(spec.code)
        if spec.result not in ItemResult.values:
            errors[f"items.{n}.result"] = _("Answer ok, minor, major or na.")
        elif item.critical and spec.result == ItemResult.NA:
            errors[f"items.{n}.result"] = _("The accident, flood and fire checks cannot be left as not applicable.")
        if spec.reading is not None:
            if item.unit is None:
                errors[f"items.{n}.reading"] = _("This item takes no reading.")
            elif not Decimal("0") <= spec.reading <= READING_MAX[item.unit]:
                errors[f"items.{n}.reading"] = _("Give a reading from 0 to %(max)s %(unit)s.") % {
                    "max": READING_MAX[item.unit],
                    "unit": item.unit,
                }
            elif spec.reading != spec.reading.quantize(Decimal("0.1")):
                errors[f"items.{n}.reading"] = _("Give the reading to one decimal place at most.")
        elif item.reading_required and spec.result != ItemResult.NA:
            errors[f"items.{n}.reading"] = _("Give the paint thickness measured on this panel (µm).")
        if len(spec.note) > NOTE_MAX_CHARS:
            errors[f"items.{n}.note"] = _("At most %(count)d characters.") % {"count": NOTE_MAX_CHARS}
        elif problem := text_problem(spec.note):
            errors[f"items.{n}.note"] = problem
    missing = [code for code in CODES if code not in seen]
    if missing:
        errors["items"] = _("Answer every item of the template; missing: %(codes)s.") % {"codes": ", ".join(missing)}
    return errors


def _refusals(
    *,
    vin: str,
    mileage_km: int,
    first_registered: dt.date,
    transfers: int,
    items: Sequence[ItemSpec],
    summary: str,
    override: Override | None,
    today: dt.date,
) -> tuple[str, dict[str, str]]:
    """The stored VIN and every refusal of the draft, by field."""
    errors: dict[str, str] = {}
    try:
        vin = vin_clean(vin)
    except ValueError as error:
        errors["vin"] = str(error)
    if not 0 <= mileage_km <= MILEAGE_MAX_KM:
        errors["mileage_km"] = _("Give the odometer reading in km, up to %(max)s.") % {"max": MILEAGE_MAX_KM}
    if not FIRST_REGISTERED_MIN <= first_registered <= today:
        errors["first_registered"] = _("Give the date of first registration, not after today.")
    if not 0 <= transfers <= TRANSFERS_MAX:
        errors["transfers"] = _("Give the number of transfers, from 0 to %(max)s.") % {"max": TRANSFERS_MAX}
    if len(summary) > SUMMARY_MAX_CHARS:
        errors["summary"] = _("At most %(count)d characters.") % {"count": SUMMARY_MAX_CHARS}
    elif problem := text_problem(summary):
        errors["summary"] = problem
    if override is not None:
        if override.grade not in Grade.values:
            errors["grade_override.grade"] = _("Give a grade from A to D.")
        reason = override.reason.strip()
        if not reason:
            errors["grade_override.reason"] = _("Say why the grade differs from the computed one.")
        elif len(reason) > REASON_MAX_CHARS:
            errors["grade_override.reason"] = _("At most %(count)d characters.") % {"count": REASON_MAX_CHARS}
        elif problem := text_problem(reason):
            errors["grade_override.reason"] = problem
    errors |= _item_refusals(items)
    return vin, errors


def _store_today(booking: Booking) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(booking.store.timezone)).date()


@transaction.atomic
def report_save(
    *,
    booking_id: int,
    by: User | None,
    vin: str,
    mileage_km: int,
    first_registered: dt.date,
    transfers: int,
    items: Sequence[ItemSpec],
    summary: str = "",
    grade_override: Override | None = None,
) -> InspectionReport:
    """Write the booking's report as a draft, replacing the one saved before, with its grade computed
    (:mod:`consignment.inspection.grading`) and ``grade_override`` applied. Photos saved before stay.

    ``by``: a manager or technician of the booking's store, an admin, or None for the platform's own code;
    ``NotFound`` for anyone else, as for a missing booking, and ``PermissionDenied`` for the store's other staff
    (:func:`bookings.selectors.booking_access_check`, before any lock). Then, under the booking's row lock and the
    report's: ``NotAnInspection`` unless the booking is a consignment inspection; ``ReportPublished`` once the
    report is published; ``BookingNotAtShop`` unless the car is checked in or in service; ``ValidationFailed``
    naming each field refused (the VIN and its check digit, ranges, every template item answered exactly once, a
    reading only where the item has a unit and always on a painted panel, an override with its reason). Nothing is
    written when anything is refused."""
    booking_access_check(user=by, booking_id=booking_id, roles=INSPECTOR_ROLES)
    booking = booking_lock(booking_id)
    inspection_require(booking)
    report = report_lock(booking_id=booking.pk)
    if report is not None and report.published_at is not None:
        raise ReportPublished()
    require_at_shop(booking)
    items = list(items)
    summary = summary.strip()
    vin, errors = _refusals(
        vin=vin,
        mileage_km=mileage_km,
        first_registered=first_registered,
        transfers=transfers,
        items=items,
        summary=summary,
        override=grade_override,
        today=_store_today(booking),
    )
    if errors:
        raise ValidationFailed(errors)
    grading = grade_compute(Answer(code=s.code, result=s.result, reading=s.reading) for s in items)
    vehicle = Vehicle.objects.get(pk=booking.vehicle_id)
    now = timezone.now()
    if report is None:
        report = InspectionReport(booking=booking, store_id=booking.store_id, created_at=now)
    report.inspector = by
    report.template_version = VERSION
    report.vin = vin
    report.plate, report.make, report.model, report.year = vehicle.plate, vehicle.make, vehicle.model, vehicle.year
    report.mileage_km = mileage_km
    report.first_registered = first_registered
    report.transfers = transfers
    report.summary = summary
    report.grade_computed = grading.grade
    if grade_override is not None and grade_override.grade != grading.grade:
        report.grade, report.grade_override_reason = grade_override.grade, grade_override.reason.strip()
    else:
        report.grade, report.grade_override_reason = grading.grade, ""
    report.full_clean(exclude=["booking", "store", "inspector"], validate_unique=False)
    report.save()
    InspectionItem.objects.filter(report=report).delete()
    InspectionItem.objects.bulk_create(
        InspectionItem(report=report, code=s.code, result=s.result, reading=s.reading, note=s.note.strip())
        for s in items
    )
    return report


def report_photo_add(*, booking_id: int, by: User | None, upload: File, item_code: str = "") -> InspectionPhoto:
    """Store ``upload`` as a photo of the report's item ``item_code`` (blank: of the car), re-encoded like a booking
    photo (:func:`chefu.images.image_clean`) with a copy for dealers in which the plate is pixelated
    (:func:`consignment.inspection.plates.plate_mask`).

    Who may: as :func:`report_save` (checked before the upload is decoded). ``ValidationFailed`` for an unknown item
    (``item_code``) or a file that is not an accepted image, or past ``MAX_PHOTOS_PER_REPORT`` (``photo``). Under the
    booking's lock, then the report's: ``NotAnInspection``; ``ReportMissing`` before a draft is saved;
    ``ReportPublished``; ``BookingNotAtShop``. The images are decoded before any lock is taken; the files are
    written before the row (if the transaction then fails they stay behind, unreferenced)."""
    booking_access_check(user=by, booking_id=booking_id, roles=INSPECTOR_ROLES)
    item_code = (item_code or "").strip()
    if item_code and item_code not in BY_CODE:
        raise ValidationFailed(
            {"item_code": _("“%(code)s” is not an item of the inspection template.") % {"code": item_code[:60]}}
        )
    clean = image_clean(upload)
    masked = plate_mask(clean)
    with transaction.atomic():
        booking = booking_lock(booking_id)
        inspection_require(booking)
        report = report_lock(booking_id=booking.pk)
        if report is None:
            raise ReportMissing()
        if report.published_at is not None:
            raise ReportPublished()
        require_at_shop(booking)
        if InspectionPhoto.objects.filter(report=report).count() >= MAX_PHOTOS_PER_REPORT:
            raise ValidationFailed(
                {FIELD: _("A report has at most %(count)d photos.") % {"count": MAX_PHOTOS_PER_REPORT}}
            )
        photo = InspectionPhoto(
            report=report, item_code=item_code, width=clean.width, height=clean.height, size=clean.size, uploaded_by=by
        )
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.masked.save(masked.content.name, masked.content, save=False)
        photo.save()
    return photo


def report_check_complete(*, booking: Booking) -> InspectionReport:
    """What completing an inspection booking needs (``booking`` locked by the caller): its report saved
    (``ReportMissing``) against the current template with every item answered (``ReportIncomplete``)."""
    report = InspectionReport.objects.filter(booking_id=booking.pk).first()
    if report is None:
        raise ReportMissing()
    answered = set(InspectionItem.objects.filter(report=report).values_list("code", flat=True))
    missing = [code for code in CODES if code not in answered]
    if report.template_version != VERSION or missing:
        raise ReportIncomplete(missing=missing, template_version=report.template_version)
    return report


@transaction.atomic
def report_publish(*, booking_id: int, now: dt.datetime | None = None) -> Listing | None:
    """Publish the report of a completed inspection booking and create the seller's listing (``draft``), exactly
    once: the report's row is locked, and a report already published returns its listing, changing nothing. The
    passport (:func:`consignment.inspection.passport.passport_build`) is snapshotted into the report. None when the
    booking has no report or has not completed (nothing to publish). Emits ``ReportPublished``."""
    report = report_lock(booking_id=booking_id)
    if report is None:
        return None
    if report.published_at is not None:
        return Listing.objects.filter(report=report).first()
    booking = Booking.objects.only("id", "owner", "status").get(pk=booking_id)
    if booking.status != BookingStatus.COMPLETED:
        return None
    now = now or timezone.now()
    report.passport = passport_build(vin=report.vin, plate=report.plate, exclude_booking_id=booking.pk)
    report.published_at = now
    report.save(update_fields=["passport", "published_at", "updated_at"])
    listing = Listing(
        report=report,
        seller_id=booking.owner_id,
        make=report.make,
        model=report.model,
        year=report.year,
        mileage_km=report.mileage_km,
        created_at=now,
    )
    listing.full_clean(exclude=["report", "seller"], validate_unique=False)
    listing.save()
    emit(
        ReportPublishedEvent(
            report_id=report.pk, listing_id=listing.pk, booking_id=booking.pk, seller_id=booking.owner_id
        )
    )
    return listing
