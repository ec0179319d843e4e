"""The payments' part of a booking's answer (:mod:`bookings.parts`): ``refunds``, ``coupon``, and in the
cancellation what went back to the owner."""

from decimal import Decimal
from typing import Any

from bookings.models import Booking
from bookings.parts import BookingPart
from chefu.money import format_money
from payments.models import RedemptionStatus, RefundReason

# The refunds a cancellation decides (payments.services.refunds_for_cancelled_booking).
CANCELLATION_REFUNDS = (RefundReason.OWNER_CANCELLED, RefundReason.STORE_CANCELLED)


class PaymentsPart(BookingPart):
    prefetch_related = (
        "refunds",  # the refunds decided for this booking
        "coupon_redemptions__coupon",  # the coupon the booking holds, if any
    )
    empty_when_new = ("refunds", "coupon_redemptions")

    def fields(self, booking: Booking) -> dict[str, Any]:
        return {
            "refunds": [
                {"id": r.pk, "amount": format_money(r.amount), "status": r.status, "reason": r.reason}
                for r in booking.refunds.all()
            ],
            "coupon": _coupon(booking),
        }

    def cancellation_fields(self, booking: Booking) -> dict[str, Any]:
        # What goes back to the owner's account: refund_due less the part a platform coupon had paid.
        refunded = sum((r.amount for r in booking.refunds.all() if r.reason in CANCELLATION_REFUNDS), Decimal("0.00"))
        return {"refund_to_owner": format_money(refunded)}


def _coupon(booking: Booking) -> dict | None:
    for r in booking.coupon_redemptions.all():
        if r.status != RedemptionStatus.RELEASED:
            return {
                "code": r.coupon.code,
                "name": r.coupon.name,
                "discount": format_money(r.discount),
                "status": r.status,
            }
    return None
