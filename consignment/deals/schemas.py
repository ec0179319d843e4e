"""Deal and claim shapes (API.md, "Used-car consignment"): what the seller and the dealer see of a deal, what QA sees
of a claim. Money is a decimal string; what one side may not see of the other is null."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from chefu.money import format_money
from consignment.deals import selectors
from consignment.deals.claims import DESCRIPTION_MAX, NOTE_MAX, OUTCOMES
from consignment.models import Claim, ClaimStatus, Deal, DealStatus
from payments.models import PayoutStatus

DealStatusIn = Literal[tuple(DealStatus.values)]  # type: ignore[valid-type]
ClaimStatusIn = Literal[tuple(ClaimStatus.values)]  # type: ignore[valid-type]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


# --- in -----------------------------------------------------------------------------------------------------------


class DealPayIn(Schema):
    provider: Literal["sandbox", "alipay"] = Field(..., description="sandbox (demo and tests) or alipay.")


class DealListParams(Schema):
    status: DealStatusIn | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ClaimIn(Schema):
    description: str = Field(
        ..., min_length=1, max_length=DESCRIPTION_MAX, description="The defect the report did not disclose."
    )


class ClaimListParams(Schema):
    status: ClaimStatusIn | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ClaimResolveIn(Schema):
    outcome: Literal[tuple(OUTCOMES)] = Field(  # type: ignore[valid-type]
        ..., description="rejected, adjusted (part of the price refunded to the dealer) or unwound (all of it)."
    )
    amount: Decimal | None = Field(
        None,
        gt=0,
        max_digits=12,
        decimal_places=2,
        description='For adjusted only: CNY refunded to the dealer, less than the price, e.g. "3000.00".',
    )
    note: str = Field(..., min_length=1, max_length=NOTE_MAX, description="Why: both sides read it.")


# --- out ----------------------------------------------------------------------------------------------------------


class DealListingOut(Schema):
    id: int
    report_id: int
    make: str
    model: str
    year: int | None
    mileage_km: int
    grade: str = Field(..., description="The inspection report's grade, A-D.")


class HandoverOut(Schema):
    booking_id: int
    status: str
    store_id: int
    store_name: str
    address: str
    start: dt.datetime
    end: dt.datetime


class DealEventOut(Schema):
    at: dt.datetime
    from_status: str
    to_status: str
    step: str | None = Field(..., description="A step without a change of status: handover_booked, claim_filed, …")
    reason: str


class DealClaimOut(Schema):
    id: int
    status: str
    description: str
    adjustment: str | None
    resolution_note: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class DealSummaryOut(Schema):
    id: int
    status: str
    party: Literal["seller", "dealer"] = Field(..., description="Who the caller is in this deal.")
    price: str
    fee: str
    seller_net: str = Field(..., description="price − fee, as agreed.")
    pay_before: dt.datetime
    handover_booking_id: int | None
    listing: DealListingOut
    created_at: dt.datetime


PayoutStatusOut = Literal[tuple(PayoutStatus.values)]


class DealPayoutOut(Schema):
    id: int
    status: PayoutStatusOut
    amount: str
    payee_account: str = Field(..., description="The Alipay account paid into.")
    error: str = Field(..., description="Why the provider refused it (failed only).")
    created_at: dt.datetime
    completed_at: dt.datetime | None


class PayoutRetryIn(Schema):
    payee_account: str = Field(
        "",
        max_length=100,
        description="An Alipay account: a mainland mobile number or an e-mail; the seller's phone when empty.",
    )


class DealOut(DealSummaryOut):
    adjusted_total: str = Field(..., description="Refunded to the dealer by claims' price adjustments.")
    net_to_seller: str = Field(..., description="What the seller is paid: seller_net less the adjustments.")
    paid_at: dt.datetime | None
    handed_over_at: dt.datetime | None
    claim_window_ends_at: dt.datetime | None = Field(..., description="Claims may be filed until then.")
    payout_requested_at: dt.datetime | None
    settled_at: dt.datetime | None
    handover: HandoverOut | None = Field(..., description="Where and when the car is handed over; once paid.")
    seller_name: str | None = Field(..., description="To the dealer, once paid: masked past its first character.")
    dealer_company: str | None = Field(..., description="To the seller, once paid.")
    inspection_started_at: dt.datetime | None
    inspection_to_handover_min: int | None = Field(..., description="From inspection start to handover end.")
    timeline: list[DealEventOut]
    claims: list[DealClaimOut]
    payout: DealPayoutOut | None = Field(
        ..., description="The seller's last payout, to the seller only: a failed one may be asked for again."
    )


class DealListOut(Schema):
    items: list[DealSummaryOut]
    count: int


class ClaimCreatedOut(Schema):
    id: int
    deal_id: int
    status: str
    description: str
    created_at: dt.datetime
    claim_window_ends_at: dt.datetime


class QaClaimOut(Schema):
    id: int
    deal_id: int
    status: str
    description: str
    dealer_id: int
    dealer_company: str
    store_id: int
    store_name: str
    inspector_id: int | None
    inspector_name: str | None
    report_id: int
    price: str
    adjustment: str | None
    resolution_note: str
    resolved_by: str | None = Field(..., description="The QA user's name.")
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class QaClaimDealOut(Schema):
    status: str
    price: str
    fee: str
    seller_net: str
    adjusted_total: str
    net_to_seller: str
    handed_over_at: dt.datetime | None
    claim_window_ends_at: dt.datetime | None
    listing: DealListingOut
    timeline: list[DealEventOut]


class QaClaimDetailOut(QaClaimOut):
    deal: QaClaimDealOut


class QaClaimListOut(Schema):
    items: list[QaClaimOut]
    count: int


class InspectorClaimsOut(Schema):
    inspector_id: int
    name: str
    inspections: int = Field(..., description="Published inspection reports.")
    claims: int
    upheld: int = Field(..., description="Claims adjusted or unwound.")


class InspectorClaimsListOut(Schema):
    items: list[InspectorClaimsOut]


# --- shaping ------------------------------------------------------------------------------------------------------


def listing_dict(deal: Deal) -> dict:
    listing, report = deal.listing, deal.listing.report
    return {
        "id": listing.pk,
        "report_id": report.pk,
        "make": listing.make,
        "model": listing.model,
        "year": listing.year,
        "mileage_km": listing.mileage_km,
        "grade": report.grade,
    }


def event_dict(event) -> dict:
    return {
        "at": event.at,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "step": (event.details or {}).get("step"),
        "reason": event.reason,
    }


def deal_summary_dict(deal: Deal, party: str) -> dict:
    return {
        "id": deal.pk,
        "status": deal.status,
        "party": party,
        "price": format_money(deal.price),
        "fee": format_money(deal.fee),
        "seller_net": format_money(deal.seller_net),
        "pay_before": deal.pay_before,
        "handover_booking_id": deal.handover_booking_id,
        "listing": listing_dict(deal),
        "created_at": deal.created_at,
    }


def _handover_dict(deal: Deal) -> dict | None:
    booking = selectors.handover_shown(deal)
    if booking is None:
        return None
    return {
        "booking_id": booking.pk,
        "status": booking.status,
        "store_id": booking.store_id,
        "store_name": booking.store.name,
        "address": booking.store.address,
        "start": booking.start,
        "end": booking.end,
    }


def _claim_dict(claim: Claim) -> dict:
    return {
        "id": claim.pk,
        "status": claim.status,
        "description": claim.description,
        "adjustment": _money(claim.adjustment),
        "resolution_note": claim.resolution_note,
        "created_at": claim.created_at,
        "resolved_at": claim.resolved_at,
    }


def deal_dict(deal: Deal) -> dict:
    """``deal`` as ``selectors.deal_get_for_party`` gives it (``party`` set, events and claims prefetched)."""
    return {
        **deal_summary_dict(deal, deal.party),
        "adjusted_total": format_money(deal.adjusted_total),
        "net_to_seller": format_money(selectors.net_to_seller(deal)),
        "paid_at": deal.paid_at,
        "handed_over_at": deal.handed_over_at,
        "claim_window_ends_at": selectors.claim_window(deal),
        "payout_requested_at": deal.payout_requested_at,
        "settled_at": deal.settled_at,
        "handover": _handover_dict(deal),
        **selectors.counterparty(deal),
        "inspection_started_at": deal.inspection_started_at,
        "inspection_to_handover_min": selectors.inspection_to_handover_min(deal),
        "timeline": [event_dict(e) for e in deal.events.all()],
        "claims": [_claim_dict(c) for c in deal.claims.all()],
        "payout": payout_dict(payout) if (payout := selectors.seller_payout(deal)) else None,
    }


def payout_dict(payout) -> dict:
    return {
        "id": payout.pk,
        "status": payout.status,
        "amount": format_money(payout.amount),
        "payee_account": payout.payee_account,
        "error": payout.last_error if payout.status == PayoutStatus.FAILED else "",
        "created_at": payout.created_at,
        "completed_at": payout.completed_at,
    }


def claim_created_dict(claim: Claim) -> dict:
    return {
        "id": claim.pk,
        "deal_id": claim.deal_id,
        "status": claim.status,
        "description": claim.description,
        "created_at": claim.created_at,
        "claim_window_ends_at": selectors.claim_window(claim.deal),
    }


def qa_claim_dict(claim: Claim) -> dict:
    deal = claim.deal
    return {
        "id": claim.pk,
        "deal_id": deal.pk,
        "status": claim.status,
        "description": claim.description,
        "dealer_id": claim.dealer_id,
        "dealer_company": claim.dealer.company,
        "store_id": claim.store_id,
        "store_name": claim.store.name,
        "inspector_id": claim.inspector_id,
        "inspector_name": claim.inspector.name if claim.inspector else None,
        "report_id": deal.listing.report_id,
        "price": format_money(deal.price),
        "adjustment": _money(claim.adjustment),
        "resolution_note": claim.resolution_note,
        "resolved_by": claim.resolved_by.name if claim.resolved_by else None,
        "created_at": claim.created_at,
        "resolved_at": claim.resolved_at,
    }


def qa_claim_detail_dict(claim: Claim) -> dict:
    deal = claim.deal
    return {
        **qa_claim_dict(claim),
        "deal": {
            "status": deal.status,
            "price": format_money(deal.price),
            "fee": format_money(deal.fee),
            "seller_net": format_money(deal.seller_net),
            "adjusted_total": format_money(deal.adjusted_total),
            "net_to_seller": format_money(selectors.net_to_seller(deal)),
            "handed_over_at": deal.handed_over_at,
            "claim_window_ends_at": selectors.claim_window(deal),
            "listing": listing_dict(deal),
            "timeline": [event_dict(e) for e in deal.events.all()],
        },
    }
