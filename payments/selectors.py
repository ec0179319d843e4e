import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import amount_owed
from chefu.errors import NotFound
from chefu.money import money
from payments import coupons, ledger
from payments.models import (
    Coupon,
    CouponRedemption,
    EntryKind,
    JournalLine,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    RedemptionStatus,
    Refund,
    RefundStatus,
)


def payment_get_for_owner(*, user: User, payment_id: int) -> Payment:
    """The payment ``user`` made (``Payment.owner``: a booking's owner, or whoever paid another purpose's charge) with
    its refunds; NotFound when missing or someone else's."""
    payment = (
        Payment.objects.filter(pk=payment_id, owner=user)
        .select_related("redemption__coupon")
        .prefetch_related("refunds")
        .first()
    )
    if payment is None:
        raise NotFound()
    return payment


def payment_get_by_trade(*, provider: str, out_trade_no: str) -> Payment:
    """The payment a provider knows as ``out_trade_no``; NotFound when there is none."""
    payment = Payment.objects.filter(provider=provider, out_trade_no=out_trade_no).first()
    if payment is None:
        raise NotFound()
    return payment


def coupon_offers(*, user: User, booking_id: int) -> dict:
    """What the owner could take off what ``booking`` still owes: the listed coupons valid now (``offers``), what is
    owed, and the coupon the booking already holds. NotFound when the booking is not theirs."""
    booking = Booking.objects.filter(pk=booking_id, owner=user).first()
    if booking is None:
        raise NotFound()
    owed = amount_owed(booking)
    held = (
        CouponRedemption.objects.filter(booking=booking)
        .exclude(status=RedemptionStatus.RELEASED)
        .values_list("coupon__code", flat=True)
        .first()
    )
    offers = coupons.offers_for(booking=booking, owner=user, due=owed) if owed > 0 else []
    return {"owed": owed, "held": held, "offers": offers}


def charge_payment(*, purpose: str, subject: str) -> Payment | None:
    """The payment that paid the charge (``purpose``, ``subject``) of another purpose (``payments.purposes``), with
    its refunds; None while it is unpaid."""
    return Payment.objects.filter(purpose=purpose, subject=subject, applied=True).prefetch_related("refunds").first()


def charge_last_payout(*, purpose: str, subject: str) -> Payout | None:
    """The latest payout decided on the charge (``purpose``, ``subject``), whatever its status; None before any."""
    return Payout.objects.filter(purpose=purpose, subject=subject).order_by("-created_at", "-pk").first()


def _total(queryset, field: str) -> Decimal:
    return money(queryset.aggregate(total=Sum(field))["total"] or 0)


def charge_held(*, purpose: str, subject: str) -> Decimal:
    """What the platform still holds of the charge's money and may refund, release or pay out: its applied payment's
    amount less the refunds (failed ones aside), releases and payouts (failed ones aside) decided on it. 0.00 while
    it is unpaid. Exact only under the charge's lock (``lock_objects.charge_lock``), as the services that move it
    read it."""
    paid = Payment.objects.filter(purpose=purpose, subject=subject, applied=True).values_list("pk", "amount").first()
    if paid is None:
        return Decimal("0.00")
    refunded = _total(Refund.objects.filter(payment_id=paid[0]).exclude(status=RefundStatus.FAILED), "amount")
    released = _total(
        JournalLine.objects.filter(
            entry__kind=EntryKind.RELEASE,
            entry__purpose=purpose,
            entry__subject=subject,
            account__code=ledger.held_code(purpose),
        ),
        "amount",
    )
    paid_out = _total(
        Payout.objects.filter(purpose=purpose, subject=subject).exclude(status=PayoutStatus.FAILED), "amount"
    )
    return money(paid[1] - refunded - released - paid_out)


def coupon_listed_list() -> QuerySet[Coupon]:
    """The active coupons offered at checkout (``listed``), valid now or not: what a promotion may point at."""
    return Coupon.objects.filter(is_active=True, listed=True).order_by("code")


def coupon_listed_live(*, codes, now=None) -> dict[str, Coupon]:
    """Of ``codes``, the coupons an owner can take at checkout now (active, listed, within their window, budget not
    spent), by code; a code that is none of these is absent."""
    now = now or timezone.now()
    found = coupon_listed_list().filter(code__in=list(codes), valid_from__lte=now, valid_until__gt=now)
    return {coupon.code: coupon for coupon in found if coupon.spent < coupon.budget}


def payments_query_due(*, now: dt.datetime | None = None) -> QuerySet[Payment]:
    """The pending payments whose pay URL was given out, ``PAYMENT_QUERY_AFTER_S`` old, that are due a query: never
    queried, or last queried at least as long ago as they had waited then (between ``PAYMENT_QUERY_AFTER_S`` and
    ``PAYMENT_QUERY_MAX_INTERVAL_S``: a provider that is down is asked less and less often), the oldest first."""
    now = now or timezone.now()
    after = dt.timedelta(seconds=settings.PAYMENT_QUERY_AFTER_S)
    most = dt.timedelta(seconds=settings.PAYMENT_QUERY_MAX_INTERVAL_S)
    duration = DurationField()
    waited = ExpressionWrapper(F("queried_at") - F("created_at"), output_field=duration)
    interval = Greatest(Least(waited, Value(most, duration)), Value(after, duration), output_field=duration)
    return (
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=now - after)
        .exclude(pay_url="")
        .alias(next_query_at=ExpressionWrapper(F("queried_at") + interval, output_field=DateTimeField()))
        .filter(Q(queried_at__isnull=True) | Q(next_query_at__lte=now))
        .order_by("created_at", "pk")
    )
