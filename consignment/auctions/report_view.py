"""STAND-IN for ``consignment.inspection.selectors.report_for_dealer`` (the inspection work provides the real one,
with item texts, photos with the plate masked and the vehicle passport). Until then the dealer's view of a published
report is built here from the model alone; :mod:`consignment.auctions.schemas` is the only caller, so swapping it
is one import there.

A dealer sees the car, never the seller: no owner, no plate; the VIN with its serial part masked.
"""

from consignment.models import InspectionReport, ItemResult

_DEFECTS = (ItemResult.MINOR, ItemResult.MAJOR)


def _vin_masked(vin: str) -> str:
    """The manufacturer and vehicle descriptor (10 characters) and the last 2: enough to know the model, not enough
    to look the car up."""
    return vin[:10] + "*" * 5 + vin[-2:] if len(vin) == 17 else ""


def report_for_dealer(report: InspectionReport) -> dict:
    """The published ``report`` as dealers see it (``items`` prefetched or not: one query then)."""
    return {
        "id": report.pk,
        "make": report.make,
        "model": report.model,
        "year": report.year,
        "mileage_km": report.mileage_km,
        "first_registered": report.first_registered,
        "transfers": report.transfers,
        "grade": report.grade,
        "summary": report.summary,
        "vin": _vin_masked(report.vin),
        "published_at": report.published_at,
        "defects": [
            {
                "code": item.code,
                "result": item.result,
                "reading": None if item.reading is None else str(item.reading),
                "note": item.note,
            }
            for item in report.items.all()
            if item.result in _DEFECTS
        ],
    }
