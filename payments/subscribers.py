"""What payments does when a booking ends, and what it tells owners: subscribers of the bookings and payments events,
registered by :class:`payments.apps.PaymentsConfig`, all durable (money and messages must not be lost).

Each runs after the booking's change has committed, in its own transaction, under the booking's lock
(``bookings.lock_objects.booking_lock``), and is safe to run twice: a refund is decided once per cause
(``refund_request``), a booking is earned once (``settlements.booking_earn``), a released coupon stays released,
and a booking already refunded for being called off is left alone.
"""

from bookings.events import BookingCancelled, BookingCompleted, BookingExpired, BookingNoShow
from bookings.lock_objects import booking_lock
from chefu.money import format_money
from notifications.services import notify
from payments import coupons, settlements
from payments.events import PaymentSettled
from payments.models import Payment, Refund
from payments.services import called_off_cause, refunds_for_cancelled_booking


def booking_called_off_settle(event: BookingCancelled | BookingNoShow | BookingExpired) -> None:
    """A booking called off: its refund (and its coupons given back) by the terms its event carries, then, for a
    cancellation or a no-show, the fee the store earns (what the refund leaves held, capped at the fee). One
    reaction, in one transaction: the fee is never earned before the refund is decided, whatever fails or is retried
    (a store is charged for refunds decided after its earning, ``settlements``)."""
    booking = booking_lock(event.booking_id)
    if not Refund.objects.filter(booking=booking, cause=called_off_cause(booking)).exists():
        refunds_for_cancelled_booking(booking=booking)
    if not isinstance(event, BookingExpired):
        settlements.earn_cancellation_fee(booking=booking)


def booking_completed_earn(event: BookingCompleted) -> None:
    settlements.earn_on_completed(booking=booking_lock(event.booking_id))


def booking_completed_coupons_release(event: BookingCompleted) -> None:
    coupons.release_unused(booking=booking_lock(event.booking_id))


def payment_refunded_tell(event: PaymentSettled) -> None:
    """Money that settled nothing is refunded in full: the owner is told why."""
    if event.applied:
        return
    payment = Payment.objects.select_related("booking__owner", "booking__store").get(pk=event.payment_id)
    refund = Refund.objects.get(payment=payment, cause=f"unapplied:{payment.pk}")
    booking = payment.booking
    notify(
        recipient=booking.owner,
        template="payment_refunded",
        params={
            "amount": f"¥{format_money(payment.amount)}",
            "booking_id": str(booking.pk),
            "store_name": booking.store.name,
            "why": str(refund.get_reason_display()),
        },
        ref=f"booking:{booking.pk}",
        dedupe_key=f"payment:{payment.pk}:refunded",
    )
