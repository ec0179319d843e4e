"""Payments endpoints (API.md, Payments): pay for a booking, the providers' notifications, the sandbox's simulator."""

from django.http import HttpResponse
from ninja import Router

from accounts.auth import token_auth
from chefu.idempotency import idempotent_remote
from payments import selectors, services
from payments.schemas import (
    CouponOffersOut,
    PayIn,
    PaymentCreatedOut,
    PaymentOut,
    SimulateIn,
    coupon_offers_dict,
    payment_created_dict,
)

booking_pay_router = Router(tags=["payments"], auth=token_auth)
payments_router = Router(tags=["payments"])


@booking_pay_router.post("/{int:booking_id}/pay", response={201: PaymentCreatedOut})
def booking_pay(request, booking_id: int, payload: PayIn):
    """The payment row (and the key's reservation) are committed before the provider is asked, and no lock is held
    while it answers. The same ``Idempotency-Key`` while the first request is still in flight: 409
    ``idempotency_in_progress`` with ``Retry-After``. The provider unreachable: 502
    ``payment_provider_unavailable``, and the key is free for a retry. A payment whose pay URL was never given out
    (its request still waiting on the provider, or dead) is reused when it charges the same, else closed
    (``payments.services.payment_open``)."""

    def reserve():
        return services.payment_open(
            booking_id=booking_id, owner=request.auth, provider=payload.provider, coupon=payload.coupon
        )

    def finish(payment):
        return 201, payment_created_dict(services.payment_checkout(payment=payment))

    return idempotent_remote(request, scope=f"POST /bookings/{booking_id}/pay", reserve=reserve, finish=finish)


@booking_pay_router.get("/{int:booking_id}/coupons", response=CouponOffersOut)
def booking_coupons(request, booking_id: int):
    """The coupons the owner could use on what the booking still owes, the best first."""
    return coupon_offers_dict(**selectors.coupon_offers(user=request.auth, booking_id=booking_id))


@payments_router.post("/notify/{provider}", auth=None)
def provider_notify(request, provider: str):
    """Form-encoded and signed by the provider. ``success`` (plain text) tells it to stop sending."""
    services.notification_receive(provider=provider, params=request.POST.dict())
    return HttpResponse("success", content_type="text/plain")


@payments_router.get("/{int:payment_id}", response=PaymentOut, auth=token_auth)
def payment_detail(request, payment_id: int):
    return selectors.payment_get_for_owner(user=request.auth, payment_id=payment_id)


@payments_router.post("/sandbox/{int:payment_id}/simulate", auth=token_auth)
def sandbox_simulate(request, payment_id: int, payload: SimulateIn):
    """Only when the sandbox provider is enabled: the sandbox signs and delivers a notification the way a real
    provider would, after this request, with retries."""
    payment = selectors.payment_get_for_owner(user=request.auth, payment_id=payment_id)
    services.sandbox_simulate(payment=payment, result=payload.result)
    return {"payment_id": payment.pk, "result": payload.result, "delivery": "queued"}
