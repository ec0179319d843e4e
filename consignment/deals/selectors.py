"""Reading deals (their seller's and their dealer's) and claims (QA's), and the claims per inspector.

What each side sees of the other: the dealer never sees the seller's phone, and sees nothing of the seller until the
deal is paid; then the handover booking tells both where and when, and the dealer sees the seller's name as the
store's staff will call it out (masked past its first character: ``张**``) so the right car and papers meet. The
seller sees the dealer's company once it has paid (the transfer papers name it anyway).
"""

import datetime as dt

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound
from consignment.deals.charges import PURPOSE, deal_id_of, deal_subject
from consignment.deals.services import DEALER, SELLER, Step, claim_window_ends, deal_party
from consignment.deals.settlement import refused_payout, split
from consignment.models import Claim, ClaimStatus, Deal, DealEvent, DealStatus, InspectionReport
from payments.models import Payment, Payout
from payments.selectors import charge_last_payout

UPHELD = (ClaimStatus.ADJUSTED, ClaimStatus.UNWOUND)
# Statuses in which the deal has been paid: the parties may know where and when the handover is.
PAID_STATUSES = (DealStatus.PAID, DealStatus.HANDED_OVER, DealStatus.SETTLED, DealStatus.UNWOUND)

# The timeline's words for a step that keeps the status (``Step``).
STEP_LABELS = {
    Step.HANDOVER_BOOKED: gettext_lazy("Handover booked"),
    Step.HANDOVER_LOST: gettext_lazy("Handover booking called off; booking again"),
    Step.PAYMENT_REFUNDED: gettext_lazy("Late payment refunded"),
    Step.CLAIM_FILED: gettext_lazy("The dealer filed a claim"),
    Step.CLAIM_RESOLVED: gettext_lazy("QA decided the claim"),
    Step.FEE_RELEASED: gettext_lazy("Platform fee kept"),
    Step.PAYOUT_REQUESTED: gettext_lazy("Payment to the seller sent"),
    Step.PAYOUT_FAILED: gettext_lazy("Payment to the seller refused by the provider"),
}


_JOINS = ("listing__report", "dealer", "seller", "handover_booking__store")


def timeline(deal: Deal) -> list[dict]:
    """The deal's events (prefetched) as the pages show them: when, what (a status, or a step), who, why."""
    rows = []
    for event in deal.events.all():
        step = (event.details or {}).get("step")
        label = STEP_LABELS.get(step, step) if step else DealStatus(event.to_status).label
        # A reason written by a person (QA unwinding a deal) is shown; the system's own are for the logs.
        reason = event.reason if event.by_id and not step else ""
        rows.append({"at": event.at, "label": label, "by_id": event.by_id, "reason": reason})
    return rows


def deals_for_party(*, user: User, status: str | None = None) -> QuerySet[Deal]:
    """The deals ``user`` sold or bought, the newest first."""
    queryset = Deal.objects.filter(Q(seller=user) | Q(dealer__user=user)).select_related(*_JOINS)
    return queryset.filter(status=status) if status else queryset


def deal_get_for_party(*, user: User, deal_id: int) -> Deal:
    """One deal of ``user``'s with its timeline and claims, and ``party`` set (``"seller"`` or ``"dealer"``);
    NotFound for a deal that is missing or not theirs alike."""
    deal = (
        Deal.objects.select_related(*_JOINS)
        .prefetch_related(
            Prefetch("events", queryset=DealEvent.objects.order_by("at", "id")),
            Prefetch("claims", queryset=Claim.objects.order_by("created_at", "id")),
        )
        .filter(pk=deal_id)
        .first()
    )
    party = deal_party(deal, user) if deal is not None else None
    if party is None:
        raise NotFound()
    deal.party = party
    return deal


def deal_id_for_payment(*, user: User, payment_id: int) -> int | None:
    """The deal a payment of ``user``'s paid for (where the provider's pay page sends them back), or None."""
    subject = (
        Payment.objects.filter(pk=payment_id, owner=user, purpose=PURPOSE).values_list("subject", flat=True).first()
    )
    return deal_id_of(subject) if subject else None


def masked_name(name: str) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def counterparty(deal: Deal) -> dict:
    """What the viewer (``deal.party``) may see of the other side: the dealer, the seller's masked name once paid;
    the seller, the dealer's company once paid. Never a phone."""
    if deal.status not in PAID_STATUSES:
        return {"seller_name": None, "dealer_company": None}
    if deal.party == DEALER:
        return {"seller_name": masked_name(deal.seller.name), "dealer_company": None}
    return {"seller_name": None, "dealer_company": deal.dealer.company}


def handover_shown(deal: Deal):
    """The handover booking, once the deal is paid (None before)."""
    return deal.handover_booking if deal.status in PAID_STATUSES else None


def inspection_to_handover_min(deal: Deal) -> int | None:
    """Whole minutes from the inspection's start to the handover's end, once known."""
    if deal.inspection_started_at is None or deal.handed_over_at is None:
        return None
    return int((deal.handed_over_at - deal.inspection_started_at).total_seconds() // 60)


def net_to_seller(deal: Deal):
    """What the seller is paid: the net less the claims' adjustments (never below nothing)."""
    return split(deal)[0]


def seller_payout(deal: Deal) -> Payout | None:
    """The seller's last payout of ``deal``, shown to its seller only (None to the dealer, and before one is asked
    for)."""
    if deal.party != SELLER or deal.payout_requested_at is None:
        return None
    return charge_last_payout(purpose=PURPOSE, subject=deal_subject(deal.pk))


def payout_may_be_retried(deal: Deal) -> bool:
    """Whether the seller may give another account for a payout the provider refused."""
    return deal.party == SELLER and refused_payout(deal) is not None


def claim_window(deal: Deal) -> dt.datetime | None:
    return claim_window_ends(deal)


def claim_may_be_filed(deal: Deal, now: dt.datetime | None = None) -> bool:
    """Whether the deal's dealer may file a claim now (what ``claims.claim_file`` would allow), its claims loaded."""
    now = now or timezone.now()
    return (
        deal.status == DealStatus.HANDED_OVER
        and deal.payout_requested_at is None
        and now < claim_window_ends(deal)
        and not any(claim.status == ClaimStatus.OPEN for claim in deal.claims.all())
    )


def deal_payment_status(*, deal: Deal, user: User, payment_id: int) -> str | None:
    """The status of ``user``'s payment ``payment_id`` of ``deal``'s charge (the pay page names it on the way back),
    or None when it is not one."""
    return (
        Payment.objects.filter(pk=payment_id, owner=user, purpose=PURPOSE, subject=deal_subject(deal.pk))
        .values_list("status", flat=True)
        .first()
    )


# --- QA ---------------------------------------------------------------------------------------------------------------

_CLAIM_JOINS = ("deal__listing__report", "dealer", "store", "inspector", "resolved_by")


def claims_for_qa(*, user: User, status: str | None = None) -> QuerySet[Claim]:
    """Every claim (QA only: PermissionDenied), the open ones first, then the newest."""
    require_role(user, "qa")
    queryset = Claim.objects.select_related(*_CLAIM_JOINS)
    if status:
        queryset = queryset.filter(status=status)
    first = Case(When(status=ClaimStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.order_by(first, "-created_at", "-id")


def claim_get_for_qa(*, user: User, claim_id: int) -> Claim:
    """One claim with its deal's timeline (QA only)."""
    require_role(user, "qa")
    claim = (
        Claim.objects.select_related(*_CLAIM_JOINS, "deal__seller", "deal__handover_booking__store")
        .prefetch_related(Prefetch("deal__events", queryset=DealEvent.objects.order_by("at", "id")))
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


def claims_per_inspector(*, user: User) -> list[dict]:
    """For each inspector with a claim on one of their reports: their published inspections, the claims filed and
    the claims upheld (adjusted or unwound), the most upheld first. One query."""
    require_role(user, "qa")
    inspections = (
        InspectionReport.objects.filter(inspector=OuterRef("inspector"), published_at__isnull=False)
        .order_by()
        .values("inspector")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Claim.objects.filter(inspector__isnull=False)
        .values("inspector", "inspector__name")
        .annotate(
            claims=Count("pk"),
            upheld=Count("pk", filter=Q(status__in=UPHELD)),
            inspections=Coalesce(Subquery(inspections, output_field=IntegerField()), 0),
        )
        .order_by("-upheld", "-claims", "inspector")
    )
    return [
        {
            "inspector_id": row["inspector"],
            "name": row["inspector__name"],
            "inspections": row["inspections"],
            "claims": row["claims"],
            "upheld": row["upheld"],
        }
        for row in rows
    ]
