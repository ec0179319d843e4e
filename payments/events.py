"""What happens to money, for the apps above payments to react to (``chefu.events``)."""

from dataclasses import dataclass
from decimal import Decimal

from chefu.events import Event


@dataclass(frozen=True)
class PaymentSettled(Event):
    """The provider says the money arrived. ``applied``: it settles the booking's cost; otherwise (a duplicate, a
    late payment, a void coupon) it is being refunded in full."""

    name = "payment.settled"
    payment_id: int
    booking_id: int
    amount: Decimal
    applied: bool


@dataclass(frozen=True)
class RefundIssued(Event):
    """The provider paid a refund back to the owner."""

    name = "payment.refund_issued"
    refund_id: int
    payment_id: int
    booking_id: int
    amount: Decimal
    reason: str
