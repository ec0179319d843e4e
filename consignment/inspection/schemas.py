"""What the inspection endpoints take and answer, and the dicts that fill the answers (texts in the request's
language). Three views of a report: the store's and the seller's (:func:`report_dict`, with the plate and the
original photos) and the dealers' (:func:`dealer_report_dict`: no seller, no plate, the photos' masked copies)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import get_language
from ninja import Field, Schema

from consignment.inspection.grading import Grading, report_grading
from consignment.inspection.template import BY_CODE, GROUPS, ITEMS, VERSION
from consignment.models import InspectionPhoto, InspectionReport, Listing

ResultValue = Literal["ok", "minor", "major", "na"]
GradeValue = Literal["A", "B", "C", "D"]


# --- the template ---------------------------------------------------------------------------------------------------


class InspectionTemplateGroupOut(Schema):
    code: str
    name: str


class InspectionTemplateItemOut(Schema):
    code: str
    group: str
    text: str
    unit: str | None = Field(
        None, description="The unit of the item's reading (µm for paint thickness), if it has one."
    )
    critical: bool = Field(..., description="The accident, flood and fire checks: they cap the grade.")
    reading_required: bool = Field(..., description="A reading must be given unless the answer is na (paint).")


class InspectionTemplateOut(Schema):
    version: str
    groups: list[InspectionTemplateGroupOut]
    items: list[InspectionTemplateItemOut]


def template_dict() -> dict[str, Any]:
    return {
        "version": VERSION,
        "groups": [{"code": group.code, "name": str(group.name)} for group in GROUPS],
        "items": [
            {
                "code": item.code,
                "group": item.group,
                "text": str(item.text),
                "unit": item.unit,
                "critical": item.critical,
                "reading_required": item.reading_required,
            }
            for item in ITEMS
        ],
    }


# --- writing a report -----------------------------------------------------------------------------------------------


class InspectionItemIn(Schema):
    code: str = Field(..., max_length=40)
    result: ResultValue
    reading: Decimal | None = Field(
        None, ge=0, le=100000, max_digits=7, decimal_places=1, description="In the item's unit (µm, mm, V)."
    )
    note: str = Field("", max_length=1000)


class InspectionGradeOverrideIn(Schema):
    grade: GradeValue
    reason: str = Field(..., min_length=1, max_length=1000)


class InspectionReportIn(Schema):
    vin: str = Field(..., max_length=40, description="17 characters, the check digit (9th) validated.")
    mileage_km: int = Field(..., ge=0, le=2_000_000)
    first_registered: dt.date
    transfers: int = Field(..., ge=0, le=99)
    items: list[InspectionItemIn] = Field(..., max_length=500, description="Every template item, exactly once.")
    summary: str = Field("", max_length=4000)
    grade_override: InspectionGradeOverrideIn | None = None


# --- reading a report -----------------------------------------------------------------------------------------------


class InspectionPhotoOut(Schema):
    id: int
    item_code: str = Field(..., description="The item the photo shows; blank for the car as a whole.")
    url: str
    width: int
    height: int


class InspectionItemOut(Schema):
    code: str
    group: str
    text: str
    unit: str | None
    critical: bool
    result: ResultValue
    reading: Decimal | None
    note: str
    photos: list[InspectionPhotoOut]


class InspectionGradeOverrideOut(Schema):
    grade: GradeValue
    reason: str


class InspectionGradeBasisOut(Schema):
    score: int = Field(..., description="100 less the deductions (consignment.inspection.grading).")
    by_score: GradeValue
    repainted: list[str] = Field(..., description="Panels over 200 µm.")
    filler: list[str] = Field(..., description="Panels over 500 µm.")
    capped_by: list[str] = Field(..., description="Critical checks that capped the grade.")


class PassportChecklistItemOut(Schema):
    code: str
    label: str
    result: Literal["pass", "fail", "na"] | None
    note: str


class PassportServiceOut(Schema):
    code: str
    name: str


class PassportEntryOut(Schema):
    date: dt.date
    store: str
    city: str
    service: PassportServiceOut
    mileage_km: int
    mileage_source: Literal["inspection", "owner"]
    matched_by: Literal["vin", "plate", "vin_and_plate"]
    checklist: list[PassportChecklistItemOut]


class InspectionStoreOut(Schema):
    id: int
    name: str
    city: str


class InspectionReportOut(Schema):
    id: int
    booking_id: int
    status: Literal["draft", "published"]
    template_version: str
    vin: str
    plate: str
    make: str
    model: str
    year: int | None
    mileage_km: int
    first_registered: dt.date
    transfers: int
    summary: str
    grade: GradeValue
    grade_computed: GradeValue
    grade_override: InspectionGradeOverrideOut | None
    grade_basis: InspectionGradeBasisOut
    store: InspectionStoreOut
    items: list[InspectionItemOut] = Field(..., description="In template order.")
    photos: list[InspectionPhotoOut] = Field(..., description="Photos of the car as a whole.")
    passport: list[PassportEntryOut] = Field(
        ..., description="The car's Chefu service history: at publication, or as it stands for a draft."
    )
    updated_at: dt.datetime
    published_at: dt.datetime | None
    listing_id: int | None


class DealerReportItemOut(Schema):
    code: str
    group: str
    text: str
    unit: str | None
    critical: bool
    result: ResultValue
    reading: Decimal | None
    note: str
    photos: list[InspectionPhotoOut] = Field(..., description="The copies with the plate pixelated.")


class DealerReportOut(Schema):
    """A published report as dealers see it: the car, not the seller (no plate, no owner, masked photos)."""

    id: int
    template_version: str
    vin: str
    make: str
    model: str
    year: int | None
    mileage_km: int
    first_registered: dt.date
    transfers: int
    summary: str
    grade: GradeValue
    grade_computed: GradeValue
    grade_override: InspectionGradeOverrideOut | None
    grade_basis: InspectionGradeBasisOut
    store: InspectionStoreOut
    items: list[DealerReportItemOut]
    photos: list[InspectionPhotoOut]
    passport: list[PassportEntryOut]
    published_at: dt.datetime


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _localized(entry: dict, zh: str, en: str) -> str:
    return entry.get(en) if _english() and entry.get(en) else entry.get(zh, "")


def passport_dicts(passport: list[dict]) -> list[dict[str, Any]]:
    """The snapshot (:mod:`consignment.inspection.passport`) in the request's language."""
    return [
        {
            **{key: entry[key] for key in ("date", "store", "city", "mileage_km", "mileage_source", "matched_by")},
            "service": {"code": entry["service"]["code"], "name": _localized(entry["service"], "name_zh", "name_en")},
            "checklist": [
                {
                    "code": item["code"],
                    "label": _localized(item, "label_zh", "label_en") or item["code"],
                    "result": item["result"],
                    "note": item["note"],
                }
                for item in entry["checklist"]
            ],
        }
        for entry in passport
    ]


def photo_dict(photo: InspectionPhoto, *, masked: bool = False) -> dict[str, Any]:
    image = photo.masked if masked and photo.masked else photo.image
    return {
        "id": photo.pk,
        "item_code": photo.item_code,
        "url": image.url,
        "width": photo.width,
        "height": photo.height,
    }


def grading_basis(grading: Grading) -> dict[str, Any]:
    return {
        "score": grading.score,
        "by_score": grading.by_score,
        "repainted": list(grading.repainted),
        "filler": list(grading.filler),
        "capped_by": list(grading.capped_by),
    }


def _items(report: InspectionReport, *, masked: bool) -> list[dict[str, Any]]:
    photos: dict[str, list[dict]] = {}
    for photo in report.photos.all():
        photos.setdefault(photo.item_code, []).append(photo_dict(photo, masked=masked))
    order = {code: n for n, code in enumerate(BY_CODE)}
    rows = []
    for answer in sorted(report.items.all(), key=lambda a: order.get(a.code, len(order))):
        item = BY_CODE.get(answer.code)
        rows.append(
            {
                "code": answer.code,
                "group": item.group if item else "",
                "text": str(item.text) if item else answer.code,
                "unit": item.unit if item else None,
                "critical": item.critical if item else False,
                "result": answer.result,
                "reading": answer.reading,
                "note": answer.note,
                "photos": photos.get(answer.code, []),
            }
        )
    return rows


def _common(report: InspectionReport, *, masked: bool) -> dict[str, Any]:
    overridden = report.grade != report.grade_computed
    return {
        "id": report.pk,
        "template_version": report.template_version,
        "vin": report.vin,
        "make": report.make,
        "model": report.model,
        "year": report.year,
        "mileage_km": report.mileage_km,
        "first_registered": report.first_registered,
        "transfers": report.transfers,
        "summary": report.summary,
        "grade": report.grade,
        "grade_computed": report.grade_computed,
        "grade_override": {"grade": report.grade, "reason": report.grade_override_reason} if overridden else None,
        "grade_basis": grading_basis(report_grading(report)),
        "store": {"id": report.store_id, "name": report.store.name, "city": report.store.city},
        "items": _items(report, masked=masked),
        "photos": [photo_dict(p, masked=masked) for p in report.photos.all() if not p.item_code],
        "published_at": report.published_at,
    }


def report_dict(report: InspectionReport, *, passport: list[dict] | None = None) -> dict[str, Any]:
    """The report for its store's staff and its seller (``report_detailed``'s prefetches). ``passport``: the history
    to show for a draft (a published report shows its snapshot)."""
    return {
        **_common(report, masked=False),
        "booking_id": report.booking_id,
        "status": "published" if report.published_at else "draft",
        "plate": report.plate,
        "passport": passport_dicts(report.passport if report.published_at else (passport or [])),
        "updated_at": report.updated_at,
        "listing_id": getattr(report, "listing_id", None),
    }


def vin_masked(vin: str) -> str:
    """The manufacturer and vehicle descriptor (10 characters) and the last 2: enough to know the model, not enough
    to look the car up before a deal."""
    return vin[:10] + "*" * 5 + vin[-2:] if len(vin) == 17 else ""


def dealer_report_dict(report: InspectionReport) -> dict[str, Any]:
    """A published report as ``DealerReportOut``: the car without its seller or plate (the VIN masked), the photos'
    masked copies."""
    return {**_common(report, masked=True), "vin": vin_masked(report.vin), "passport": passport_dicts(report.passport)}


# --- listings -------------------------------------------------------------------------------------------------------


class SellerListingOut(Schema):
    id: int
    status: str = Field(..., description="draft, auction, awaiting_seller, deal, sold, withdrawn.")
    make: str
    model: str
    year: int | None
    mileage_km: int
    plate: str
    grade: GradeValue
    report_id: int
    created_at: dt.datetime


class SellerListingListOut(Schema):
    items: list[SellerListingOut]
    count: int


class SellerListingDetailOut(SellerListingOut):
    report: InspectionReportOut


def listing_dict(listing: Listing) -> dict[str, Any]:
    return {
        "id": listing.pk,
        "status": listing.status,
        "make": listing.make,
        "model": listing.model,
        "year": listing.year,
        "mileage_km": listing.mileage_km,
        "plate": listing.report.plate,
        "grade": listing.report.grade,
        "report_id": listing.report_id,
        "created_at": listing.created_at,
    }


def listing_detail_dict(listing: Listing) -> dict[str, Any]:
    return {**listing_dict(listing), "report": report_dict(listing.report)}
