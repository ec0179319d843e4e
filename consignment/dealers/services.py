"""Dealers: applying, QA's decisions (verify, reject, suspend, reinstate) and the deposit.

Who becomes a dealer: any signed-in user may apply with a company and its business licence number (as any user may
apply to be a partner store); QA's verification gives the user the ``dealer`` role (``accounts``). A rejected
applicant may apply again. A dealer may bid while verified with a deposit held (``Dealer.may_bid``); a suspension
stops the bidding at once (a bid locks its dealer's row first: ``consignment.dealers.lock_objects``).

The deposit (default ``CONSIGNMENT_DEALER_DEPOSIT``, ¥5,000) is held, forfeited or returned by the payments
integration through :func:`dealer_deposit_held`, :func:`dealer_deposit_forfeited` and :func:`dealer_deposit_returned`;
``POST /dealers/deposit`` is theirs. Every change appends a ``DealerEvent`` and tells the dealer through the outbox.
"""

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import Role, User
from accounts.services import user_add_role
from chefu.errors import ValidationFailed
from chefu.events import emit
from chefu.money import format_money, money
from consignment.dealers.exceptions import DealerExists, DepositInUse, InvalidTransition, LicenseTaken
from consignment.dealers.lock_objects import dealer_lock, dealer_lock_of_user
from consignment.events import DealerDepositChanged, DealerStatusChanged
from consignment.models import (
    Auction,
    AuctionStatus,
    Deal,
    Dealer,
    DealerEvent,
    DealerStatus,
    DealStatus,
    DepositStatus,
)
from notifications.services import notify

# The moves a dealer's status may make ("" is the application itself).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "": {DealerStatus.APPLIED},
    DealerStatus.APPLIED: {DealerStatus.VERIFIED, DealerStatus.REJECTED},
    DealerStatus.REJECTED: {DealerStatus.APPLIED},
    DealerStatus.VERIFIED: {DealerStatus.SUSPENDED},
    DealerStatus.SUSPENDED: {DealerStatus.VERIFIED},
}
# The moves a deposit may make: paid (again, after it was returned or forfeited), then forfeited or returned.
DEPOSIT_TRANSITIONS: dict[str, set[str]] = {
    DepositStatus.NONE: {DepositStatus.HELD},
    DepositStatus.HELD: {DepositStatus.FORFEITED, DepositStatus.RETURNED},
    DepositStatus.FORFEITED: {DepositStatus.HELD},
    DepositStatus.RETURNED: {DepositStatus.HELD},
}

COMPANY_MAX = 120
REASON_MAX = 2000
# A unified social credit code (统一社会信用代码, 18 characters) or an old 15-digit registration number.
LICENSE_RE = re.compile(r"^(?:[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}|[0-9]{15})$")
# Deals a deposit still backs.
_DEALS_IN_PROGRESS = (DealStatus.AWAITING_PAYMENT, DealStatus.PAID, DealStatus.HANDED_OVER)


# --- input ------------------------------------------------------------------------------------------------------------


def _clean_company(company: str) -> str:
    company = " ".join((company or "").split())
    if not company:
        raise ValidationFailed({"company": _("Enter the company's name.")})
    if len(company) > COMPANY_MAX:
        raise ValidationFailed({"company": _("At most %(n)d characters.") % {"n": COMPANY_MAX}})
    return company


def _clean_license(license_no: str) -> str:
    license_no = (license_no or "").strip().upper()
    if not LICENSE_RE.fullmatch(license_no):
        raise ValidationFailed(
            {"license_no": _("Enter the 18-character unified social credit code (or the 15-digit licence number).")}
        )
    return license_no


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationFailed({"reason": _("Give a reason: the dealer is told.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    return reason


clean_reason = _clean_reason  # the deposit's return (``deposits``) asks for a reason the same way


# --- applying ---------------------------------------------------------------------------------------------------------


def dealer_apply(*, user: User, company: str, license_no: str, now: dt.datetime | None = None) -> Dealer:
    """``user``'s application as a dealer: a new dealer ``applied``, or a rejected one applying again with new
    details. DealerExists while an application is pending or once verified (or suspended); LicenseTaken when another
    dealer has the licence number (also when two apply with it at once: the unique index decides). Locks the user's
    dealer row when there is one."""
    company = _clean_company(company)
    license_no = _clean_license(license_no)
    try:
        with transaction.atomic():
            if Dealer.objects.filter(license_no=license_no).exclude(user=user).exists():
                raise LicenseTaken()
            dealer = dealer_lock_of_user(user.pk)
            if dealer is None:
                dealer = Dealer(user=user, company=company, license_no=license_no, created_at=now or timezone.now())
                dealer.full_clean(validate_unique=False, validate_constraints=False)
                dealer.save()
                _event(dealer, from_status="", to_status=DealerStatus.APPLIED, by=user, at=now)
                emit(
                    DealerStatusChanged(
                        dealer_id=dealer.pk, user_id=user.pk, from_status="", to_status=DealerStatus.APPLIED.value
                    )
                )
                return dealer
            if dealer.status != DealerStatus.REJECTED:
                raise DealerExists(status=dealer.status)
            dealer.company, dealer.license_no = company, license_no
            dealer.save(update_fields=["company", "license_no", "updated_at"])
            return dealer_transition(dealer=dealer, to=DealerStatus.APPLIED, by=user, now=now)
    except IntegrityError as error:
        if "license_no" in str(error):
            raise LicenseTaken() from None
        if "user_id" in str(error):  # two first applications of one user at once
            raise DealerExists(status=DealerStatus.APPLIED) from None
        raise


# --- status -----------------------------------------------------------------------------------------------------------


def _event(
    dealer: Dealer,
    *,
    from_status: str,
    to_status: str,
    by: User | None,
    reason: str = "",
    details: dict | None = None,
    at: dt.datetime | None = None,
) -> DealerEvent:
    return DealerEvent.objects.create(
        dealer=dealer,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        by=by,
        reason=reason,
        details=details or {},
    )


def _label(choices, value: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(choices(value).label)


def dealer_transition(
    *, dealer: Dealer, to: str, by: User | None, reason: str = "", now: dt.datetime | None = None
) -> Dealer:
    """Move ``dealer`` (locked by the caller: ``dealer_lock``) to ``to``, append its event and tell the dealer (not
    for their own application). InvalidTransition for a move ``ALLOWED_TRANSITIONS`` does not list."""
    before = dealer.status
    if to not in ALLOWED_TRANSITIONS[before]:
        raise InvalidTransition(from_status=before, to_status=to)
    dealer.status = to
    dealer.save(update_fields=["status", "updated_at"])
    _event(dealer, from_status=before, to_status=to, by=by, reason=reason, at=now)
    emit(DealerStatusChanged(dealer_id=dealer.pk, user_id=dealer.user_id, from_status=before, to_status=to))
    if to != DealerStatus.APPLIED:
        notify(
            recipient=dealer.user,
            template="dealer_status_changed",
            params={"company": dealer.company, "status": _label(DealerStatus, to), "reason": reason},
            ref=f"dealer:{dealer.pk}",
        )
    return dealer


@transaction.atomic
def _qa_move(*, dealer_id: int, by: User, to: str, reason: str) -> Dealer:
    require_role(by, Role.QA)
    dealer = dealer_lock(dealer_id)
    dealer_transition(dealer=dealer, to=to, by=by, reason=reason)
    if to == DealerStatus.VERIFIED:
        user_add_role(user=dealer.user, role=Role.DEALER)
    return dealer


def dealer_verify(*, dealer_id: int, by: User, reason: str = "") -> Dealer:
    """QA verifies an application (applied → verified): the user gets the ``dealer`` role. Bidding also needs the
    deposit held. PermissionDenied for anyone but QA, NotFound, InvalidTransition."""
    return _qa_move(dealer_id=dealer_id, by=by, to=DealerStatus.VERIFIED, reason=_clean_reason(reason, required=False))


def dealer_reject(*, dealer_id: int, by: User, reason: str) -> Dealer:
    """QA rejects an application, with the reason the applicant is told; they may apply again."""
    return _qa_move(dealer_id=dealer_id, by=by, to=DealerStatus.REJECTED, reason=_clean_reason(reason, required=True))


def dealer_suspend(*, dealer_id: int, by: User, reason: str) -> Dealer:
    """QA suspends a verified dealer, with a reason: no bid is taken from them from the commit on (a bid in flight,
    holding the dealer's row, commits first)."""
    return _qa_move(dealer_id=dealer_id, by=by, to=DealerStatus.SUSPENDED, reason=_clean_reason(reason, required=True))


def dealer_reinstate(*, dealer_id: int, by: User, reason: str) -> Dealer:
    """QA lifts a suspension, with a reason."""
    return _qa_move(dealer_id=dealer_id, by=by, to=DealerStatus.VERIFIED, reason=_clean_reason(reason, required=True))


# --- the deposit ------------------------------------------------------------------------------------------------------


def _deposit_move(
    dealer: Dealer,
    *,
    to: str,
    amount: Decimal,
    by: User | None,
    reason: str,
    payment_id: int | None = None,
    now: dt.datetime | None = None,
    **details,
) -> Dealer:
    before = dealer.deposit_status
    if to not in DEPOSIT_TRANSITIONS[before]:
        raise InvalidTransition(from_status=before, to_status=to, what="deposit")
    dealer.deposit_status = to
    dealer.deposit_amount = amount if to == DepositStatus.HELD else Decimal("0.00")
    dealer.save(update_fields=["deposit_status", "deposit_amount", "updated_at"])
    record = {"from": before, "to": to, "amount": format_money(amount), "payment_id": payment_id, **details}
    _event(
        dealer,
        from_status=dealer.status,
        to_status=dealer.status,
        by=by,
        reason=reason,
        details={"deposit": record},
        at=now,
    )
    emit(
        DealerDepositChanged(
            dealer_id=dealer.pk, from_status=before, to_status=to, amount=amount, payment_id=payment_id
        )
    )
    notify(
        recipient=dealer.user,
        template="dealer_deposit_changed",
        params={"company": dealer.company, "amount": f"¥{format_money(amount)}", "status": _label(DepositStatus, to)},
        ref=f"dealer:{dealer.pk}",
    )
    return dealer


def _held_by(dealer: Dealer, payment_id: int | None) -> bool:
    """Whether the deposit the dealer holds now was paid by ``payment_id`` (a repeated call of the payments side)."""
    last = (
        DealerEvent.objects.filter(dealer=dealer, details__deposit__to=DepositStatus.HELD)
        .order_by("-at", "-id")
        .values_list("details", flat=True)
        .first()
    )
    return last is not None and last["deposit"].get("payment_id") == payment_id


@transaction.atomic
def dealer_deposit_held(
    *, dealer_id: int, amount: Decimal, payment_id: int | None = None, now: dt.datetime | None = None
) -> Dealer:
    """The platform now holds the dealer's deposit of ``amount`` (paid by ``payment_id``). ``amount`` must be at
    least ``CONSIGNMENT_DEALER_DEPOSIT`` (ValidationFailed). Called again for the same payment while it is held:
    nothing changes; a second deposit while one is held: InvalidTransition. Locks the dealer's row."""
    amount = money(amount)
    if amount < settings.CONSIGNMENT_DEALER_DEPOSIT:
        raise ValidationFailed(
            {"amount": _("The deposit is %(amount)s.") % {"amount": format_money(settings.CONSIGNMENT_DEALER_DEPOSIT)}}
        )
    dealer = dealer_lock(dealer_id)
    if dealer.deposit_status == DepositStatus.HELD and _held_by(dealer, payment_id):
        return dealer
    return _deposit_move(
        dealer,
        to=DepositStatus.HELD,
        amount=amount,
        by=None,
        reason=_("Deposit received."),
        payment_id=payment_id,
        now=now,
    )


@transaction.atomic
def dealer_deposit_forfeited(
    *, dealer_id: int, reason: str, by: User | None = None, deal_id: int | None = None, now: dt.datetime | None = None
) -> Dealer:
    """The dealer loses the deposit (a deal not paid in time: ``deal_id``); they cannot bid until they pay another.
    InvalidTransition unless one is held. Locks the dealer's row."""
    dealer = dealer_lock(dealer_id)
    return _deposit_move(
        dealer,
        to=DepositStatus.FORFEITED,
        amount=dealer.deposit_amount,
        by=by,
        reason=_clean_reason(reason, required=True),
        now=now,
        deal_id=deal_id,
    )


@transaction.atomic
def dealer_deposit_returned(
    *, dealer_id: int, by: User | None = None, reason: str = "", now: dt.datetime | None = None
) -> Dealer:
    """The deposit goes back to the dealer (who then cannot bid). DepositInUse while they lead an open auction or
    have a deal not yet settled; InvalidTransition unless one is held. Locks the dealer's row."""
    dealer = dealer_lock(dealer_id)
    leading = Auction.objects.filter(highest_dealer=dealer, status=AuctionStatus.OPEN).exists()
    if leading or Deal.objects.filter(dealer=dealer, status__in=_DEALS_IN_PROGRESS).exists():
        raise DepositInUse()
    return _deposit_move(
        dealer,
        to=DepositStatus.RETURNED,
        amount=dealer.deposit_amount,
        by=by,
        reason=_clean_reason(reason, required=False) or _("Deposit returned."),
        now=now,
    )
