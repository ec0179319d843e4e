"""Reads of inspection reports and listings, with their permission-scoped getters.

Who sees what: the store's staff (any role) and QA read a report, draft or published; the seller (the inspection
booking's owner) reads it through the listing once it is published, with the plate and the original photos; a
verified dealer reads the published report only in :func:`report_for_dealer`'s shape: no seller, no plate, the photos
with the plate pixelated.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet

from accounts.models import Role, User
from bookings.models import Booking
from bookings.selectors import booking_access_check
from chefu.errors import NotFound
from consignment.inspection.exceptions import NotAnInspection
from consignment.kinds import INSPECTION_SERVICE
from consignment.models import (
    CONSIGNMENT_PHOTO_PREFIX,
    Dealer,
    DealerStatus,
    InspectionItem,
    InspectionPhoto,
    InspectionReport,
    Listing,
)
from stores.selectors import store_role_subquery

# Where the two copies of a photo are stored (InspectionPhoto.image and .masked: their upload_to).
ORIGINALS = CONSIGNMENT_PHOTO_PREFIX + "reports/"
MASKED = CONSIGNMENT_PHOTO_PREFIX + "masked/"


def report_detailed(queryset: QuerySet[InspectionReport]) -> QuerySet[InspectionReport]:
    """Reports with what the answers show: the store, the items in order, the photos, the listing's id."""
    return (
        queryset.select_related("store")
        .prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.order_by("id")),
            Prefetch("photos", queryset=InspectionPhoto.objects.order_by("created_at", "id")),
        )
        .annotate(listing_id=F("listing__id"))
    )


def inspection_require(booking: Booking) -> None:
    """``NotAnInspection`` unless ``booking`` is of the ``consignment_inspection`` service."""
    if booking.service_id != INSPECTION_SERVICE:
        raise NotAnInspection(service_code=booking.service_id)


def inspection_booking_get(*, user: User | None, booking_id: int, roles: tuple[str, ...] | None = None) -> Booking:
    """The booking, read from its store's side (:func:`bookings.selectors.booking_access_check`: ``NotFound`` with
    no tie to its store, ``PermissionDenied`` for its staff whose role is not in ``roles``, every staff role by
    default), with its service, owner and vehicle; ``NotAnInspection`` unless it is a consignment inspection."""
    if roles is None:
        booking_access_check(user=user, booking_id=booking_id)
    else:
        booking_access_check(user=user, booking_id=booking_id, roles=roles)
    booking = Booking.objects.select_related("service", "store", "owner", "vehicle").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    inspection_require(booking)
    return booking


def report_get_for_staff(*, user: User | None, booking_id: int) -> InspectionReport | None:
    """The booking's report for its store's staff (any role), or None before the first draft is saved. Raises as
    :func:`inspection_booking_get`."""
    inspection_booking_get(user=user, booking_id=booking_id)
    return report_detailed(InspectionReport.objects.filter(booking_id=booking_id)).first()


def listing_list_for_seller(*, user: User) -> QuerySet[Listing]:
    """The seller's listings, the newest first, with their reports' grades."""
    return (
        Listing.objects.filter(seller=user)
        .select_related("report")
        .only(
            "id",
            "status",
            "make",
            "model",
            "year",
            "mileage_km",
            "created_at",
            "seller_id",
            "report__id",
            "report__grade",
            "report__plate",
            "report__published_at",
        )
        .order_by("-created_at", "-id")
    )


def listing_get_for_seller(*, user: User, listing_id: int) -> Listing:
    """The seller's listing with its full report (items, photos, passport); ``NotFound`` alike for a missing listing
    and someone else's."""
    listing = Listing.objects.filter(pk=listing_id, seller=user).select_related("report").first()
    if listing is None:
        raise NotFound()
    listing.report = report_detailed(InspectionReport.objects.filter(pk=listing.report_id)).get()
    return listing


def report_get_for_dealer(*, report_id: int) -> InspectionReport:
    """A published report with what the dealer's view shows (:func:`consignment.inspection.schemas.
    dealer_report_dict`); ``NotFound`` for a draft or a missing one. Who may see it is the caller's to decide (a
    verified dealer, the auction open to them)."""
    report = report_detailed(InspectionReport.objects.filter(pk=report_id, published_at__isnull=False)).first()
    if report is None:
        raise NotFound()
    return report


def report_for_dealer(*, report_id: int) -> dict[str, Any]:
    """The dealer's view of a published report, as ``DealerReportOut`` (no seller, no plate, the photos' masked
    copies), for ``GET /consignment/auctions/{id}`` to embed. ``NotFound`` for a draft or a missing report."""
    from consignment.inspection.schemas import dealer_report_dict

    return dealer_report_dict(report_get_for_dealer(report_id=report_id))


def _is_verified_dealer(user: User) -> bool:
    return Role.DEALER in user.roles and Dealer.objects.filter(user=user, status=DealerStatus.VERIFIED).exists()


def inspection_photo_get_for_viewer(*, user: User | None, name: str) -> InspectionPhoto:
    """The inspection photo stored as ``name``, if ``user`` may see that copy. The original: the report's store's
    staff, QA and admins, and the booking's owner (the seller). The dealers' copy (plate pixelated): those, and a
    verified dealer once the report is published. ``NotFound`` alike for a missing photo and for anyone else (nobody
    signed in included); who may see it is read with the photo, in one query (a dealer's status in a second)."""
    if user is None or not user.is_active:
        raise NotFound()
    if name.startswith(ORIGINALS):
        field = "image"
    elif name.startswith(MASKED):
        field = "masked"
    else:
        raise NotFound()
    photo = (
        InspectionPhoto.objects.filter(**{field: name})
        .select_related("report")
        .only("id", "image", "masked", "report__id", "report__published_at", "report__store_id")
        .annotate(
            viewer_role=store_role_subquery(user=user, store_id=OuterRef("report__store_id")),
            seller_id=F("report__booking__owner_id"),
        )
        .first()
    )
    if photo is None:
        raise NotFound()
    if photo.viewer_role is not None or photo.seller_id == user.pk:
        return photo
    if Role.QA in user.roles or Role.ADMIN in user.roles:
        return photo
    if field == "masked" and photo.report.published_at is not None and _is_verified_dealer(user):
        return photo
    raise NotFound()
