"""The inspection's endpoints: the template (public) and the seller's listings under /consignment
(:data:`inspection_router`, added to ``consignment.api.router``), and the inspector's report under /partner
(:data:`partner_inspection_router`, mounted by ``web/api.py``).

Refusals with codes of their own: 409 ``not_an_inspection_booking`` (the booking is not a ``consignment_inspection``),
409 ``inspection_report_published`` (the report no longer changes), 409 ``inspection_report_missing`` (a photo before
the first draft), 409 ``booking_not_at_shop`` (the car is not checked in or in service).
"""

from ninja import File, Form, Query, Router, Status, UploadedFile

from accounts.auth import token_auth
from chefu.errors import NotFound
from chefu.pagination import PageParams, paginate
from chefu.schemas import AUTH, BODY, QUERY, error_responses
from consignment.inspection import selectors, services
from consignment.inspection.passport import passport_build
from consignment.inspection.schemas import (
    InspectionPhotoOut,
    InspectionReportIn,
    InspectionReportOut,
    InspectionTemplateOut,
    SellerListingDetailOut,
    SellerListingListOut,
    listing_detail_dict,
    listing_dict,
    photo_dict,
    report_dict,
    template_dict,
)

inspection_router = Router(tags=["consignment"])
partner_inspection_router = Router(tags=["shop floor"], auth=token_auth)
MULTIPART = (400, 413, 422)


@inspection_router.get(
    "/inspection-template", response={200: InspectionTemplateOut}, summary="The standard inspection template"
)
def inspection_template(request):
    """Every item an inspector answers, in groups, with its unit when it takes a reading and whether it is one of the
    critical accident, flood and fire checks. Texts in the request's language. No sign-in needed."""
    return template_dict()


@inspection_router.get(
    "/listings",
    response={200: SellerListingListOut, **error_responses(*AUTH, *QUERY)},
    auth=token_auth,
    summary="My cars for sale",
)
def listing_list(request, page: Query[PageParams]):
    """The signed-in seller's listings, the newest first, each with its report's grade. Errors: 401
    ``not_authenticated``; 422 ``validation_error`` (paging)."""
    result = paginate(selectors.listing_list_for_seller(user=request.auth), page)
    return {"items": [listing_dict(listing) for listing in result["items"]], "count": result["count"]}


@inspection_router.get(
    "/listings/{int:listing_id}",
    response={200: SellerListingDetailOut, **error_responses(*AUTH, 404)},
    auth=token_auth,
    summary="One of my cars, with its inspection report",
)
def listing_detail(request, listing_id: int):
    """The listing with its published report: grade, items, photos, the vehicle passport. Its seller only. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (no such listing, or someone else's)."""
    return listing_detail_dict(selectors.listing_get_for_seller(user=request.auth, listing_id=listing_id))


def _report(request, booking_id: int) -> dict:
    report = selectors.report_get_for_staff(user=request.auth, booking_id=booking_id)
    if report is None:
        raise NotFound()
    passport = (
        None
        if report.published_at
        else passport_build(vin=report.vin, plate=report.plate, exclude_booking_id=booking_id)
    )
    return report_dict(report, passport=passport)


@partner_inspection_router.get(
    "/bookings/{int:booking_id}/inspection-report",
    response={200: InspectionReportOut, **error_responses(*AUTH, 403, 404, 409)},
    summary="A consignment inspection's report",
)
def report_get(request, booking_id: int):
    """The report as saved so far (a draft shows the passport as it stands now), or as published. The store's staff.
    Errors: 401 ``not_authenticated``; 404 ``not_found`` (no such booking, not of the caller's store, or no draft
    saved yet); 409 ``not_an_inspection_booking``."""
    return _report(request, booking_id)


@partner_inspection_router.put(
    "/bookings/{int:booking_id}/inspection-report",
    response={200: InspectionReportOut, **error_responses(*AUTH, *BODY, 403, 404, 409)},
    summary="Write a consignment inspection's report",
)
def report_put(request, booking_id: int, payload: InspectionReportIn):
    """Save the report as a draft, replacing the one saved before (photos stay), with its grade computed and the
    inspector's override applied. Every template item answered exactly once; a reading only on items with a unit,
    and the paint thickness on every painted panel. Completing the booking publishes it. The store's managers and
    technicians. Errors: 401 ``not_authenticated``; 403 ``permission_denied`` (the store's service advisors); 404
    ``not_found`` (no such booking, or not of the caller's store); 409 ``not_an_inspection_booking``,
    ``inspection_report_published``, ``booking_not_at_shop``; 422 ``validation_error`` (the VIN and its check digit,
    an unknown, missing or repeated item, a reading where none belongs, an override without a reason)."""
    services.report_save(
        booking_id=booking_id,
        by=request.auth,
        vin=payload.vin,
        mileage_km=payload.mileage_km,
        first_registered=payload.first_registered,
        transfers=payload.transfers,
        items=[services.ItemSpec(**item.dict()) for item in payload.items],
        summary=payload.summary,
        grade_override=services.Override(**payload.grade_override.dict()) if payload.grade_override else None,
    )
    return _report(request, booking_id)


@partner_inspection_router.post(
    "/bookings/{int:booking_id}/inspection-report/photos",
    response={201: InspectionPhotoOut, **error_responses(*AUTH, *MULTIPART, 403, 404, 409)},
    summary="Add a photo to a consignment inspection's report",
)
def report_photo(request, booking_id: int, photo: File[UploadedFile], item_code: Form[str | None] = None):
    """Multipart: ``photo`` (JPEG, PNG or WebP; re-encoded, kept private, with a copy for dealers in which a blue
    number plate found is pixelated) and ``item_code``, the template item it shows (left out: the car as a whole).
    The store's managers and technicians, once a draft is saved. Errors: 400 ``bad_request``; 401
    ``not_authenticated``; 403 ``permission_denied``; 404 ``not_found``; 409 ``not_an_inspection_booking``,
    ``inspection_report_missing``, ``inspection_report_published``, ``booking_not_at_shop``; 413
    ``payload_too_large``; 422 ``validation_error`` (not an image, an unknown item)."""
    saved = services.report_photo_add(booking_id=booking_id, by=request.auth, upload=photo, item_code=item_code or "")
    return Status(201, photo_dict(saved))
