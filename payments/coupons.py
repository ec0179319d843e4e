"""Platform-funded coupons: which apply to what a booking owes, reserving one at pay time, using, returning and
releasing it.

Every change to a booking's redemptions happens under that booking's row lock (``bookings.lock_objects``), and every
change to a coupon's ``spent`` under the coupon's row lock, taken after the booking's. The database has the last
word on the two limits: ``spent <= budget`` is a check constraint and the per-owner limit a trigger (migration
0007), so concurrent payments cannot overshoot either even if this module had a bug.

What the books see (``payments.ledger``): a payment with a discount debits ``coupon_subsidy`` for it; a
COUPON_RETURN entry credits it back when the discount is not spent after all (a payment that settled nothing, or a
booking called off and refunded).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from bookings.models import Booking
from chefu.errors import Conflict, ValidationFailed
from chefu.money import CENT, format_money, money
from payments import ledger
from payments.lock_objects import coupon_lock
from payments.models import (
    Coupon,
    CouponKind,
    CouponRedemption,
    EntryKind,
    Payment,
    RedemptionStatus,
)

ZERO = Decimal("0.00")


class CouponUnavailable(Conflict):
    """The coupon is valid but cannot be had now: the owner's uses or the budget are used up, or the booking already
    holds another coupon."""

    code = "coupon_unavailable"
    default_message = gettext_lazy("This coupon cannot be used now.")

    def __init__(self, message: str, *, reason: str, **details):
        super().__init__(message, details={"reason": reason, **details})


def code_clean(code: str) -> str:
    return code.strip().upper()


def discount_for(coupon: Coupon, due: Decimal) -> Decimal:
    """What ``coupon`` takes off a payment of ``due``: its amount, or its percentage (half-up, capped by
    ``max_discount``), never so much that less than ¥0.01 is left to charge."""
    if coupon.kind == CouponKind.PERCENT:
        off = money(due * coupon.value / 100)
        if coupon.max_discount is not None:
            off = min(off, coupon.max_discount)
    else:
        off = coupon.value
    return max(ZERO, min(money(off), money(due) - CENT))


def unusable_reason(coupon: Coupon, *, due: Decimal, now=None) -> str:
    """Why ``coupon`` does not apply to a payment of ``due`` now ('' when it does), leaving out the limits that
    depend on other payments (uses and budget)."""
    now = now or timezone.now()
    if not coupon.is_active or now < coupon.valid_from or now >= coupon.valid_until:
        return _("This coupon is not valid now.")
    if due < coupon.min_spend:
        return _("This coupon needs a payment of at least ¥%(min)s.") % {"min": format_money(coupon.min_spend)}
    if discount_for(coupon, due) <= 0:
        return _("This coupon takes nothing off this payment.")
    return ""


def _uses_by(coupon: Coupon, owner: User, *, excluding: Booking) -> int:
    return (
        CouponRedemption.objects.filter(coupon=coupon, owner=owner)
        .exclude(status=RedemptionStatus.RELEASED)
        .exclude(booking=excluding)
        .count()
    )


def _limit_reached(coupon: Coupon, *, uses: int, discount: Decimal) -> tuple[str, str] | None:
    """``(code, message)`` when the owner's ``uses`` or the budget leave no room for ``discount``; None otherwise."""
    if uses >= coupon.per_user_limit:
        return "limit_reached", _("You have used this coupon as many times as it allows.")
    if coupon.spent + discount > coupon.budget:
        return "budget_exhausted", _("This coupon has run out.")
    return None


def _spent_change(coupon_id: int, delta: Decimal) -> None:
    if delta:
        Coupon.objects.filter(pk=coupon_id).update(spent=F("spent") + delta)


def coupon_create(*, coupon: Coupon) -> Coupon:
    """Save a new ``coupon`` (its code upper-cased), checked like any model (``full_clean``); nothing is spent yet."""
    coupon.spent = Decimal("0.00")
    coupon.full_clean()
    coupon.save()
    return coupon


@transaction.atomic
def coupon_edit(*, coupon: Coupon, fields: Sequence[str]) -> Coupon:
    """Save the edited ``fields`` of an existing ``coupon`` (its code upper-cased) under the coupon's row lock.
    ``spent`` is never written: it belongs to the payments taking the coupon meanwhile, and is read back from the
    locked row (the database still refuses a budget below it)."""
    coupon.spent = coupon_lock(coupon.pk).spent
    fields = [name for name in fields if name != "spent"]
    if "code" in fields:
        coupon.code = coupon.code.strip().upper()
    if fields:
        coupon.save(update_fields=fields)
    return coupon


def release(redemption: CouponRedemption, *, now=None) -> None:
    """Give a live redemption's remaining discount back to the budget and the owner's use back to the owner."""
    if redemption.status == RedemptionStatus.RELEASED:
        return
    coupon_lock(redemption.coupon_id)
    _spent_change(redemption.coupon_id, -(redemption.discount - redemption.returned))
    redemption.status = RedemptionStatus.RELEASED
    redemption.released_at = now or timezone.now()
    redemption.save(update_fields=["status", "released_at"])


def _reserve(*, coupon_id: int, booking: Booking, owner: User, due: Decimal) -> CouponRedemption:
    coupon = coupon_lock(coupon_id)
    if reason := unusable_reason(coupon, due=due):
        raise ValidationFailed({"coupon": reason})
    discount = discount_for(coupon, due)
    if limit := _limit_reached(coupon, uses=_uses_by(coupon, owner, excluding=booking), discount=discount):
        code, message = limit
        raise CouponUnavailable(message, reason=code)
    redemption = CouponRedemption.objects.create(coupon=coupon, owner=owner, booking=booking, discount=discount)
    _spent_change(coupon.pk, discount)
    return redemption


def redemption_for_payment(*, booking: Booking, owner: User, code: str | None, due: Decimal) -> CouponRedemption | None:
    """The redemption a new payment of ``due`` on ``booking`` uses (the caller holds the booking's lock).

    One coupon per booking. ``code`` None: a coupon reserved by an earlier attempt applies again (made again for the
    new amount when what is owed changed; dropped when it no longer applies to it). ``code`` "": no coupon, and a
    reserved one is given back. Another code than the reserved one: the reservation is given back and the new code
    reserved (a payment still open with the old one is refunded if it is paid: ``redemption_is_void``). A coupon
    already used on the booking (on the quote) leaves none for extra work: 409 ``coupon_unavailable``. A code is
    checked and reserved: 422 on the ``coupon`` field when it is unknown or does not apply, 409 ``coupon_unavailable``
    when the owner's uses or its budget are exhausted."""
    wanted = code_clean(code) if code else code  # None, "" or a normalised code
    live = (
        CouponRedemption.objects.filter(booking=booking)
        .exclude(status=RedemptionStatus.RELEASED)
        .select_related("coupon")
        .first()
    )
    if live is not None and live.status == RedemptionStatus.USED:
        if wanted:
            raise CouponUnavailable(_("This booking has already used a coupon."), reason="booking_has_coupon")
        return None
    if live is not None:
        if wanted is None or wanted == live.coupon.code:
            if discount_for(live.coupon, due) == live.discount:
                return live  # the same amount: the reservation holds, even past the coupon's end
            # What is owed changed (more extra work approved): the reservation is made again for the new amount.
            release(live)
            if wanted is None:
                try:
                    with transaction.atomic():
                        return _reserve(coupon_id=live.coupon_id, booking=booking, owner=owner, due=due)
                except (ValidationFailed, CouponUnavailable):
                    return None  # it no longer applies: the payment goes ahead without it (the answer shows that)
            return _reserve(coupon_id=live.coupon_id, booking=booking, owner=owner, due=due)
        release(live)
    if not wanted:
        return None
    coupon_id = Coupon.objects.filter(code=wanted).values_list("pk", flat=True).first()
    if coupon_id is None:
        raise ValidationFailed({"coupon": _("There is no coupon with this code.")})
    return _reserve(coupon_id=coupon_id, booking=booking, owner=owner, due=due)


def _return(*, payment: Payment, amount: Decimal, memo: str) -> None:
    ledger.entry_post(
        kind=EntryKind.COUPON_RETURN,
        lines=[
            (ledger.account(ledger.OWNER_FUNDS_HELD), amount),
            (ledger.account(ledger.COUPON_SUBSIDY), -amount),
        ],
        memo=memo,
        booking=payment.booking,
        payment=payment,
    )


def on_payment_settled(*, payment: Payment) -> None:
    """A payment's money arrived (the caller holds the booking's lock). Applied: its coupon is used, and any other
    coupon still reserved for the booking is released (the owner paid without it). Not applied (a duplicate, or too
    late): its whole discount goes back to the platform, as its money goes back to the owner."""
    if not payment.applied:
        if payment.discount > 0:
            _return(payment=payment, amount=payment.discount, memo=f"coupon returned: payment {payment.out_trade_no}")
        return
    for reserved in CouponRedemption.objects.filter(booking_id=payment.booking_id, status=RedemptionStatus.RESERVED):
        if reserved.pk == payment.redemption_id:
            reserved.status, reserved.used_at = RedemptionStatus.USED, timezone.now()
            reserved.save(update_fields=["status", "used_at"])
        else:
            release(reserved)


def redemption_is_void(payment: Payment) -> bool:
    """True when the payment's coupon reservation ended before its money arrived: it can no longer be applied."""
    return payment.redemption_id is not None and payment.redemption.status == RedemptionStatus.RELEASED


@dataclass(frozen=True)
class Split:
    """How a slice of a payment's ``covers`` goes back: ``cash`` to the owner, ``subsidy`` to the platform."""

    cash: Decimal
    subsidy: Decimal


def refund_split(payment: Payment, part: Decimal) -> Split:
    """``part`` of what ``payment`` covers, split in the payment's own proportion of cash to discount, so a fee kept
    on cancellation is borne by both alike (a coupon never makes a late cancellation free)."""
    if payment.discount <= 0:
        return Split(cash=money(part), subsidy=ZERO)
    cash = min(payment.amount, money(part * payment.amount / payment.covers))
    subsidy = min(payment.discount, money(part) - cash)
    return Split(cash=cash, subsidy=max(ZERO, subsidy))


def on_called_off_payment(*, payment: Payment, subsidy: Decimal, full: bool) -> None:
    """Part of the booking's cancellation (under its lock): ``subsidy`` of the applied ``payment``'s discount goes
    back to the platform and the coupon's budget; ``full`` (everything was refunded) gives the owner the use back."""
    if subsidy > 0:
        _return(payment=payment, amount=subsidy, memo=f"coupon returned on cancellation: {payment.out_trade_no}")
    if payment.redemption_id is None:
        return
    redemption = CouponRedemption.objects.get(pk=payment.redemption_id)
    if redemption.status == RedemptionStatus.RELEASED:
        return
    if subsidy > 0:
        coupon_lock(redemption.coupon_id)
        _spent_change(redemption.coupon_id, -subsidy)
        CouponRedemption.objects.filter(pk=redemption.pk).update(returned=F("returned") + subsidy)
        redemption.refresh_from_db()
    if full:
        release(redemption)


def release_unused(*, booking: Booking) -> None:
    """The booking ended (expired, called off, completed): coupons still only reserved for it are given back."""
    for live in CouponRedemption.objects.filter(booking=booking, status=RedemptionStatus.RESERVED):
        release(live)


def offers_for(*, booking: Booking, owner: User, due: Decimal, now=None) -> list[dict]:
    """The listed coupons valid now, each with what it would take off ``due`` and why it cannot be used, if so."""
    now = now or timezone.now()
    coupons = Coupon.objects.filter(is_active=True, listed=True, valid_from__lte=now, valid_until__gt=now)
    coupons = coupons.filter(Q(spent__lt=F("budget"))).order_by("valid_until", "code")
    used = dict(
        CouponRedemption.objects.filter(owner=owner, coupon__in=coupons)
        .exclude(status=RedemptionStatus.RELEASED)
        .exclude(booking=booking)
        .values("coupon")
        .annotate(n=Count("pk"))
        .values_list("coupon", "n")
    )
    used_here = CouponRedemption.objects.filter(booking=booking, status=RedemptionStatus.USED).exists()
    offers = []
    for coupon in coupons:
        if used_here:
            reason = _("This booking has already used a coupon.")
        else:
            reason = unusable_reason(coupon, due=due, now=now)
        discount = discount_for(coupon, due) if not reason else ZERO
        if not reason and (limit := _limit_reached(coupon, uses=used.get(coupon.pk, 0), discount=discount)):
            reason = limit[1]
        offers.append({"coupon": coupon, "discount": discount if not reason else ZERO, "reason": reason})
    offers.sort(key=lambda o: (bool(o["reason"]), -o["discount"]))
    return offers
