from accounts.models import User
from bookings.models import Booking
from bookings.selectors import amount_owed
from chefu.errors import NotFound
from payments import coupons
from payments.models import CouponRedemption, Payment, RedemptionStatus


def payment_get_for_owner(*, user: User, payment_id: int) -> Payment:
    """The owner's payment with its refunds; NotFound when missing or someone else's."""
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
