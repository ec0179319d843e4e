import datetime as dt
from typing import Literal

from ninja import Field, Schema

from chefu.money import format_money


class PayIn(Schema):
    provider: Literal["sandbox", "alipay"] = Field(..., description="sandbox (demo and tests) or alipay.")
    coupon: str | None = Field(
        None, max_length=32, description="A coupon code; a coupon reserved by an earlier attempt applies anyway."
    )


class PaymentCreatedOut(Schema):
    payment_id: int
    provider: str
    amount: str
    status: str
    pay_url: str
    discount: str
    covers: str
    coupon: str | None


class RefundOut(Schema):
    id: int
    amount: str
    status: str
    reason: str

    @staticmethod
    def resolve_amount(obj) -> str:
        return format_money(obj.amount)


class PaymentOut(Schema):
    id: int
    booking_id: int | None = Field(..., description="The booking paid for; null for another purpose's charge.")
    purpose: str = Field(..., description="What it pays for: booking, or another purpose's code.")
    subject: str = Field(..., description="The charge of another purpose it pays (e.g. deal:12); '' for a booking.")
    amount: str
    discount: str
    coupon: str | None
    status: str
    provider: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    refunds: list[RefundOut]

    @staticmethod
    def resolve_amount(obj) -> str:
        return format_money(obj.amount)

    @staticmethod
    def resolve_discount(obj) -> str:
        return format_money(obj.discount)

    @staticmethod
    def resolve_coupon(obj) -> str | None:
        return _coupon_code(obj)

    @staticmethod
    def resolve_refunds(obj) -> list:
        return list(obj.refunds.all())


class CouponOfferOut(Schema):
    code: str
    name: str
    kind: str
    value: str
    max_discount: str | None
    min_spend: str
    valid_until: dt.datetime
    discount: str = Field(..., description="What it takes off what is owed now; 0.00 when it cannot be used.")
    usable: bool
    reason: str = Field(..., description="Why it cannot be used ('' when it can).")


class CouponOffersOut(Schema):
    owed: str
    held: str | None = Field(..., description="The coupon already reserved or used for this booking, if any.")
    coupons: list[CouponOfferOut]


class SimulateIn(Schema):
    result: Literal["success", "fail"]


class SimulateOut(Schema):
    payment_id: int
    result: Literal["success", "fail"]
    delivery: Literal["queued"] = Field(..., description="The sandbox delivers the notification after this answer.")


# The form Alipay (and the sandbox, which speaks like it) POSTs to the notify URL: ninja cannot see it, the handler
# reads ``request.POST`` whole to verify the signature over every field.
NOTIFICATION_FORM = {
    "type": "object",
    "required": ["out_trade_no", "trade_status", "total_amount", "sign"],
    "properties": {
        "notify_time": {"type": "string", "description": "yyyy-MM-dd HH:mm:ss, China time."},
        "notify_type": {"type": "string", "example": "trade_status_sync"},
        "notify_id": {"type": "string", "description": "The same for every redelivery of one notification."},
        "app_id": {"type": "string"},
        "charset": {"type": "string", "example": "utf-8"},
        "version": {"type": "string", "example": "1.0"},
        "sign_type": {"type": "string", "example": "RSA2"},
        "sign": {"type": "string", "description": "The provider's signature over every other field."},
        "trade_no": {"type": "string", "description": "The provider's trade id."},
        "out_trade_no": {"type": "string", "description": "Chefu's payment reference."},
        "buyer_id": {"type": "string"},
        "buyer_logon_id": {"type": "string"},
        "seller_id": {"type": "string"},
        "trade_status": {
            "type": "string",
            "enum": ["WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED"],
        },
        "total_amount": {"type": "string", "description": "CNY, two places.", "example": "299.00"},
        "receipt_amount": {"type": "string"},
        "invoice_amount": {"type": "string"},
        "buyer_pay_amount": {"type": "string"},
        "point_amount": {"type": "string"},
        "subject": {"type": "string"},
        "gmt_create": {"type": "string"},
        "gmt_payment": {"type": "string"},
        "gmt_close": {"type": "string"},
        "fund_bill_list": {"type": "string", "description": "JSON, as the provider sends it."},
    },
    "additionalProperties": {"type": "string"},
}


def _coupon_code(payment) -> str | None:
    return payment.redemption.coupon.code if payment.redemption_id else None


def payment_created_dict(payment) -> dict:
    return {
        "payment_id": payment.pk,
        "provider": payment.provider,
        "amount": format_money(payment.amount),
        "status": payment.status,
        "pay_url": payment.pay_url,
        "discount": format_money(payment.discount),
        "covers": format_money(payment.covers),
        "coupon": _coupon_code(payment),
    }


def coupon_offers_dict(*, owed, held, offers: list[dict]) -> dict:
    return {
        "owed": format_money(owed),
        "held": held,
        "coupons": [
            {
                "code": o["coupon"].code,
                "name": o["coupon"].name,
                "kind": o["coupon"].kind,
                "value": format_money(o["coupon"].value),
                "max_discount": format_money(o["coupon"].max_discount) if o["coupon"].max_discount else None,
                "min_spend": format_money(o["coupon"].min_spend),
                "valid_until": o["coupon"].valid_until,
                "discount": format_money(o["discount"]),
                "usable": not o["reason"],
                "reason": str(o["reason"]),
            }
            for o in offers
        ],
    }
