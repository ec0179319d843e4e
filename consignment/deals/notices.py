"""What the seller and the dealer are told, through the notifications outbox, in the transaction that makes the step
(``notifications.services.notify``; the texts are ``notifications.templates``' ``deal_*`` kinds). Each message is
written once per step and person (its ``dedupe_key``), however often a step is retried."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import mask_phone
from bookings.models import Booking
from chefu.money import format_money
from consignment.deals.services import claim_window_ends
from consignment.models import Claim, ClaimStatus, Deal
from notifications.services import notify


def _car(deal: Deal) -> str:
    listing = deal.listing
    return " ".join(str(part) for part in (listing.year, listing.make, listing.model) if part) or f"#{listing.pk}"


def _local(when: dt.datetime, zone: str | None = None) -> str:
    return timezone.localtime(when, ZoneInfo(zone or settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


def _yuan(amount: Decimal) -> str:
    return f"¥{format_money(amount)}"


def _ref(deal: Deal) -> str:
    return f"deal:{deal.pk}"


def _both(deal: Deal) -> list[User]:
    return [deal.seller, deal.dealer.user]


def handover_booked(deal: Deal, booking: Booking) -> None:
    """Both sides: the deal is paid, the handover is at this store at this time."""
    store = booking.store
    params = {
        "deal_id": str(deal.pk),
        "car": _car(deal),
        "store_name": store.name,
        "address": store.address,
        "start": _local(booking.start, store.timezone),
    }
    for user in _both(deal):
        notify(
            recipient=user,
            template="deal_handover_booked",
            params=params,
            ref=_ref(deal),
            dedupe_key=f"{_ref(deal)}:handover:{booking.pk}:to:{user.pk}",
        )


def handed_over(deal: Deal) -> None:
    """The seller: the car is handed over; what they will be paid, and when unless the dealer claims."""
    notify(
        recipient=deal.seller,
        template="deal_handed_over",
        params={
            "deal_id": str(deal.pk),
            "car": _car(deal),
            "net": _yuan(deal.seller_net),
            "until": _local(claim_window_ends(deal)),
        },
        ref=_ref(deal),
        dedupe_key=f"{_ref(deal)}:handed_over",
    )


def claim_filed(deal: Deal, claim: Claim) -> None:
    """The seller: the dealer claims a defect; the payment waits for QA."""
    notify(
        recipient=deal.seller,
        template="deal_claim_filed",
        params={"deal_id": str(deal.pk), "car": _car(deal)},
        ref=_ref(deal),
        dedupe_key=f"{_ref(deal)}:claim:{claim.pk}:filed",
    )


def _outcome(claim: Claim) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(ClaimStatus(claim.status).label)


def claim_resolved(deal: Deal, claim: Claim, *, refunded: Decimal) -> None:
    """Both sides: QA's decision on the claim, and the money it moved."""
    with translation.override(settings.LANGUAGE_CODE):
        if claim.status == ClaimStatus.ADJUSTED:
            remedy = _("%(amount)s of the price is refunded to the dealer and taken from the seller's net.") % {
                "amount": _yuan(refunded)
            }
        elif claim.status == ClaimStatus.UNWOUND:
            remedy = _("The whole price, %(amount)s, is refunded to the dealer; the car goes back to the seller.") % {
                "amount": _yuan(refunded)
            }
        else:
            remedy = ""
    params = {
        "deal_id": str(deal.pk),
        "car": _car(deal),
        "outcome": _outcome(claim),
        "note": claim.resolution_note,
        "remedy": remedy,
    }
    for user in _both(deal):
        notify(
            recipient=user,
            template="deal_claim_resolved",
            params=params,
            ref=_ref(deal),
            dedupe_key=f"{_ref(deal)}:claim:{claim.pk}:resolved:to:{user.pk}",
        )


def payout_sent(deal: Deal, *, amount: Decimal, payout_id: int) -> None:
    """The seller: the net is paid."""
    notify(
        recipient=deal.seller,
        template="deal_payout_sent",
        params={"deal_id": str(deal.pk), "car": _car(deal), "amount": _yuan(amount)},
        ref=_ref(deal),
        dedupe_key=f"{_ref(deal)}:payout:{payout_id}",
    )


def payout_account_changed(deal: Deal, *, account: str, payout_id: int) -> None:
    """The seller: their payment now goes to ``account`` (shown masked), in case someone else asked for it."""
    notify(
        recipient=deal.seller,
        template="deal_payout_account_changed",
        params={"deal_id": str(deal.pk), "car": _car(deal), "account": _masked_account(account)},
        ref=_ref(deal),
        dedupe_key=f"{_ref(deal)}:payout:{payout_id}:account",
    )


def _masked_account(account: str) -> str:
    """A phone as 139****1234, an e-mail as z***@example.com."""
    if "@" in account:
        name, domain = account.split("@", 1)
        return f"{name[:1]}***@{domain}"
    return mask_phone(account)
