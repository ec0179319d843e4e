"""Dealers' claims of a defect the inspection report did not disclose, and QA's decision on them.

A claim is filed by the deal's dealer within ``CLAIM_WINDOW`` (3 days) of the handover, one open at a time (the
database's partial unique index backs the check). QA resolves it once:

- ``rejected``: nothing moves;
- ``adjusted``: ``amount`` (more than 0, less than the price once earlier adjustments are counted) is refunded to the
  dealer from the money still held, and taken from the seller's net (``settlement.split``);
- ``unwound``: what is left of the price is refunded to the dealer (so all of it, with earlier adjustments), the
  deal is unwound and the listing goes back to the seller as a draft.

The seller is not paid before the window passes with no open claim, so every remedy is refunded from money the
platform still holds. A resolution after the window settles the deal at once. Both sides are told of the outcome.

Locks: the deal's row, then the claim's (``lock_objects``), then payments' for the charge: two resolutions of one
claim at once make one, with one refund.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound, ValidationFailed
from chefu.inputs import text_problem
from chefu.money import format_money
from consignment.deals import notices
from consignment.deals.charges import PURPOSE, deal_subject
from consignment.deals.exceptions import ClaimExists, ClaimResolved, ClaimWindowClosed, DealNotHandedOver
from consignment.deals.lock_objects import claim_lock, deal_lock
from consignment.deals.services import (
    CLAIM_WINDOW,
    DEALER,
    Step,
    deal_step,
    deal_transition,
    listing_status_set,
    party_check,
)
from consignment.deals.settlement import settle_locked
from consignment.models import CLAIM_TRANSITIONS, Claim, ClaimStatus, Deal, DealStatus, Listing, ListingStatus
from payments.held import held_refund
from payments.models import RefundReason

DESCRIPTION_MAX = 2000
NOTE_MAX = 2000
OUTCOMES = (ClaimStatus.REJECTED, ClaimStatus.ADJUSTED, ClaimStatus.UNWOUND)


def _clean_text(text: str | None, *, field: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({field: _("Write something.")})
    if len(text) > limit:
        raise ValidationFailed({field: _("At most %(n)d characters.") % {"n": limit}})
    if problem := text_problem(text):
        raise ValidationFailed({field: problem})
    return text


def _for_notice(deal_id: int) -> Deal:
    return Deal.objects.select_related("listing", "seller", "dealer__user").get(pk=deal_id)


def claim_file(*, deal_id: int, user: User, description: str, now: dt.datetime | None = None) -> Claim:
    """The deal's dealer claims a defect (NotFound for anyone with no tie to the deal, PermissionDenied for its
    seller). DealNotHandedOver unless the deal is handed over (or settled); ClaimWindowClosed at or after
    ``handed_over_at + CLAIM_WINDOW``; ClaimExists while another claim on the deal is open, also when two arrive at
    once (the deal's lock serializes them, the partial unique index backs it). The report's store and inspector are
    copied onto the claim for the quality KPIs; the seller is told. Locks the deal's row."""
    now = now or timezone.now()
    description = _clean_text(description, field="description", limit=DESCRIPTION_MAX)
    try:
        with transaction.atomic():
            deal = deal_lock(deal_id)
            if deal is None:
                raise NotFound()
            party_check(deal, user, need=DEALER)
            if deal.status not in (DealStatus.HANDED_OVER, DealStatus.SETTLED):
                raise DealNotHandedOver(details={"status": deal.status})
            closes = deal.handed_over_at + CLAIM_WINDOW
            if now >= closes or deal.payout_requested_at is not None or deal.status == DealStatus.SETTLED:
                raise ClaimWindowClosed(details={"closed_at": closes.isoformat()})
            if Claim.objects.filter(deal=deal, status=ClaimStatus.OPEN).exists():
                raise ClaimExists()
            report = Listing.objects.select_related("report").get(pk=deal.listing_id).report
            claim = Claim(
                deal=deal,
                dealer=deal.dealer,
                store_id=report.store_id,
                inspector_id=report.inspector_id,
                description=description,
                created_at=now,
            )
            claim.full_clean()
            claim.save()
            deal_step(deal=deal, step=Step.CLAIM_FILED, by=user, at=now, claim_id=claim.pk)
            notices.claim_filed(_for_notice(deal.pk), claim)
            return claim
    except IntegrityError as error:
        if "claim_one_open_per_deal" in str(error):
            raise ClaimExists() from None
        raise


def _clean_amount(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        value = Decimal(str(amount)) if not isinstance(amount, float) else Decimal("NaN")
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed({"amount": _("Give a positive amount in yuan and fen.")})
    return value.quantize(Decimal("0.01"))


def _clean_resolution(*, outcome: str, amount, note: str) -> tuple[str, Decimal | None, str]:
    """Validate a resolution before anything is locked; every problem at once, on its field."""
    errors: dict[str, str] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose rejected, adjusted or unwound.")
    try:
        note = _clean_text(note, field="note", limit=NOTE_MAX)
    except ValidationFailed as error:
        errors["note"] = error.details["fields"]["note"][0]
    try:
        value = _clean_amount(amount)
    except ValidationFailed as error:
        errors["amount"] = error.details["fields"]["amount"][0]
        value = None
    else:
        if outcome == ClaimStatus.ADJUSTED and value is None:
            errors["amount"] = _("Give the amount refunded to the dealer.")
        if outcome in (ClaimStatus.REJECTED, ClaimStatus.UNWOUND) and value is not None:
            errors["amount"] = _("Only an adjustment has an amount.")
    if errors:
        raise ValidationFailed(errors)
    return outcome, value, note


def claim_resolve(
    *,
    claim_id: int,
    by: User,
    outcome: str,
    note: str,
    amount: Decimal | str | None = None,
    now: dt.datetime | None = None,
) -> Claim:
    """QA decides an open claim (PermissionDenied for anyone but QA; see the module docstring for each outcome).
    ValidationFailed (nothing written) for a bad outcome, note or amount, and for an adjustment that would reach the
    price (``amount``: unwind instead); ClaimResolved when it was resolved already, also by a concurrent request:
    the deal's row, then the claim's, are locked, so two resolutions at once make one, with one refund. After the
    claim window, a resolution that leaves no claim open settles the deal (``settlement.settle_locked``). Both sides
    are told."""
    now = now or timezone.now()
    require_role(by, "qa")
    outcome, amount, note = _clean_resolution(outcome=outcome, amount=amount, note=note)
    deal_id = Claim.objects.filter(pk=claim_id).values_list("deal_id", flat=True).first()
    if deal_id is None:
        raise NotFound()
    with transaction.atomic():
        deal = deal_lock(deal_id)
        claim = claim_lock(claim_id)
        if outcome not in CLAIM_TRANSITIONS[claim.status]:
            raise ClaimResolved(details={"status": claim.status})
        subject = deal_subject(deal.pk)
        refunded = Decimal("0.00")
        if outcome == ClaimStatus.ADJUSTED:
            if deal.adjusted_total + amount >= deal.price:
                left = deal.price - deal.adjusted_total
                raise ValidationFailed(
                    {
                        "amount": _("Less than %(left)s (what is left of the price); to give it all back, unwind.")
                        % {"left": format_money(left)}
                    }
                )
            refund = held_refund(
                purpose=PURPOSE,
                subject=subject,
                amount=amount,
                cause=f"claim:{claim.pk}",
                reason=RefundReason.ADJUSTED,
                note=f"claim {claim.pk}",
            )
            deal.adjusted_total += amount
            deal.save(update_fields=["adjusted_total"])
            refunded, refund_id = amount, refund.pk
        elif outcome == ClaimStatus.UNWOUND:
            refunded = deal.price - deal.adjusted_total
            refund = held_refund(
                purpose=PURPOSE,
                subject=subject,
                amount=refunded,
                cause=f"claim:{claim.pk}",
                reason=RefundReason.RETURNED,
                note=f"claim {claim.pk}: deal unwound",
            )
            refund_id = refund.pk
        else:
            refund_id = None
        claim.status = outcome
        claim.adjustment = amount
        claim.resolution_note = note
        claim.resolved_by, claim.resolved_at = by, now
        claim.save(update_fields=["status", "adjustment", "resolution_note", "resolved_by", "resolved_at"])
        details = {"claim_id": claim.pk, "outcome": outcome, "refunded": format_money(refunded), "refund_id": refund_id}
        if outcome == ClaimStatus.UNWOUND:
            deal_transition(deal=deal, to=DealStatus.UNWOUND, by=by, reason=note[:200], details=details, at=now)
            listing_status_set(listing_id=deal.listing_id, status=ListingStatus.DRAFT)
        else:
            deal_step(deal=deal, step=Step.CLAIM_RESOLVED, by=by, at=now, **details)
        notices.claim_resolved(_for_notice(deal.pk), claim, refunded=refunded)
        settle_locked(deal=deal, now=now)
        return claim
