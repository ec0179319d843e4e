"""Paying a booking the way owners do, through the sandbox: open the payment, ask the provider, and apply the
provider's signed notification. Bookings reach ``confirmed`` this way in every test (never without money)."""

from bookings.models import Booking
from payments import services
from payments.models import Payment
from payments.providers.base import provider_get


def open_payment(booking: Booking, coupon: str | None = None) -> Payment:
    payment = services.payment_open(booking_id=booking.pk, owner=booking.owner, provider="sandbox", coupon=coupon)
    return services.payment_checkout(payment=payment)


def notify(payment: Payment) -> None:
    params = provider_get("sandbox").build_notification(
        out_trade_no=payment.out_trade_no, amount=payment.amount, trade_status="TRADE_SUCCESS"
    )
    services.notification_receive(provider="sandbox", params=params)


def pay(booking: Booking) -> Payment:
    payment = open_payment(booking)
    notify(payment)
    payment.refresh_from_db()
    return payment
