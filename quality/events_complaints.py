"""What happens to complaints, for the KPIs and anything else above to react to (``chefu.events``)."""

from dataclasses import dataclass
from decimal import Decimal

from chefu.events import Event


@dataclass(frozen=True)
class ComplaintFiled(Event):
    name = "quality.complaint_filed"
    complaint_id: int
    booking_id: int
    store_id: int
    category: str


@dataclass(frozen=True)
class ComplaintResolved(Event):
    """``outcome``: "rejected" or "upheld"; ``refund_amount`` 0.00 when none; ``rework_booking_id`` None when none."""

    name = "quality.complaint_resolved"
    complaint_id: int
    booking_id: int
    store_id: int
    outcome: str
    refund_amount: Decimal
    rework_booking_id: int | None
    penalty_points: int
