"""Payments endpoints (API.md, Payments): pay for a booking, the providers' notifications, the sandbox's simulator."""

from django.http import HttpResponse
from ninja import Router

from accounts.auth import token_auth
from chefu.idempotency import idempotent_remote
from chefu.schemas import AUTH, BODY, error_responses
from payments import selectors, services
from payments.schemas import (
    NOTIFICATION_FORM,
    CouponOffersOut,
    PayIn,
    PaymentCreatedOut,
    PaymentOut,
    SimulateIn,
    SimulateOut,
    coupon_offers_dict,
    payment_created_dict,
)

booking_pay_router = Router(tags=["payments"], auth=token_auth)
payments_router = Router(tags=["payments"])


@booking_pay_router.post(
    "/{int:booking_id}/pay",
    response={201: PaymentCreatedOut, **error_responses(*AUTH, *BODY, 404, 409, 502)},
    summary="Pay for my booking",
)
def booking_pay(request, booking_id: int, payload: PayIn):
    """Open a payment of what the booking owes (less a coupon) with a provider; the answer carries the URL to pay
    at. The booking's owner. Errors: 401 ``not_authenticated``; 404 ``not_found``; 409 ``nothing_due``,
    ``booking_not_payable``, ``coupon_unavailable``, ``payment_closed``, ``idempotency_in_progress``; 422
    ``validation_error`` (an unknown provider), ``idempotency_key_reused``; 502 ``payment_provider_unavailable``.

    The payment row (and the key's reservation) are committed before the provider is asked, and no lock is held
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


@booking_pay_router.get(
    "/{int:booking_id}/coupons",
    response={200: CouponOffersOut, **error_responses(*AUTH, 404)},
    summary="Coupons for my booking",
)
def booking_coupons(request, booking_id: int):
    """The coupons the owner could use on what the booking still owes, the best first. Errors: 401
    ``not_authenticated``; 404 ``not_found`` (someone else's booking alike)."""
    return coupon_offers_dict(**selectors.coupon_offers(user=request.auth, booking_id=booking_id))


@payments_router.post(
    "/notify/{provider}",
    auth=None,
    response=error_responses(400, 404, 413, 422),
    summary="A payment provider's notification",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": NOTIFICATION_FORM}},
        },
        "responses": {
            200: {
                "description": "Received: the provider stops sending.",
                "content": {"text/plain": {"schema": {"type": "string", "enum": ["success"]}}},
            }
        },
    },
)
def provider_notify(request, provider: str):
    """Form-encoded and signed by the provider (Alipay's asynchronous notification; the sandbox speaks the same).
    ``success`` (plain text) tells it to stop sending; any other answer makes it send again. Called by providers,
    no token. Errors: 400 ``bad_notification`` (a bad signature, an unknown trade, an amount that does not match),
    ``bad_request`` (an unreadable form); 404 ``not_found`` (an unknown or disabled provider); 413
    ``payload_too_large``; 422 ``validation_error`` (control characters in the provider's name)."""
    services.notification_receive(provider=provider, params=request.POST.dict())
    return HttpResponse("success", content_type="text/plain")


@payments_router.get(
    "/{int:payment_id}",
    response={200: PaymentOut, **error_responses(*AUTH, 404)},
    auth=token_auth,
    summary="One of my payments",
)
def payment_detail(request, payment_id: int):
    """A payment the caller made: its status, amount, coupon and refunds. Errors: 401 ``not_authenticated``; 404
    ``not_found`` (someone else's alike)."""
    return selectors.payment_get_for_owner(user=request.auth, payment_id=payment_id)


@payments_router.post(
    "/sandbox/{int:payment_id}/simulate",
    auth=token_auth,
    response={200: SimulateOut, **error_responses(*AUTH, *BODY, 404)},
    summary="Settle a sandbox payment",
)
def sandbox_simulate(request, payment_id: int, payload: SimulateIn):
    """Only when the sandbox provider is enabled: the sandbox signs and delivers a notification the way a real
    provider would, after this request, with retries. The payment's owner. Errors: 401 ``not_authenticated``; 404
    ``not_found`` (someone else's payment, not a sandbox one, or the sandbox off); 422 ``validation_error``."""
    payment = selectors.payment_get_for_owner(user=request.auth, payment_id=payment_id)
    services.sandbox_simulate(payment=payment, result=payload.result)
    return {"payment_id": payment.pk, "result": payload.result, "delivery": "queued"}
