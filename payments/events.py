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


@dataclass(frozen=True)
class PurposePaymentSettled(Event):
    """The provider says the money of another purpose's charge arrived (``payments.purposes``): it is held in
    ``held:<purpose>``. ``applied``: it pays the charge ``subject``; otherwise the charge was paid already and this
    payment is being refunded in full. The purpose's app marks its charge paid, or, when it no longer wants the
    money, gives it back with ``payments.held.held_refund``."""

    name = "payment.purpose_settled"
    payment_id: int
    purpose: str
    subject: str
    payer_id: int
    amount: Decimal
    applied: bool


@dataclass(frozen=True)
class PurposeRefundIssued(Event):
    """The provider paid back a refund of another purpose's payment."""

    name = "payment.purpose_refund_issued"
    refund_id: int
    payment_id: int
    purpose: str
    subject: str
    amount: Decimal
    reason: str
    cause: str


@dataclass(frozen=True)
class PayoutPaid(Event):
    """The provider transferred a payout of held money to its payee."""

    name = "payment.payout_paid"
    payout_id: int
    purpose: str
    subject: str
    user_id: int
    amount: Decimal
    cause: str


@dataclass(frozen=True)
class PayoutFailed(Event):
    """The provider refused a payout for good: its money is held for the charge again (a new payout, with another
    cause, may be asked for once the payee's account is put right)."""

    name = "payment.payout_failed"
    payout_id: int
    purpose: str
    subject: str
    user_id: int
    amount: Decimal
    cause: str
    error: str
