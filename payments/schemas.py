import datetime as dt
from typing import Literal

from ninja import Field, Schema

from chefu.money import format_money


class PayIn(Schema):
    provider: Literal["sandbox", "alipay"] = Field(..., description="sandbox (demo and tests) or alipay.")


class PaymentCreatedOut(Schema):
    payment_id: int
    provider: str
    amount: str
    status: str
    pay_url: str


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
    booking_id: int
    amount: str
    status: str
    provider: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    refunds: list[RefundOut]

    @staticmethod
    def resolve_amount(obj) -> str:
        return format_money(obj.amount)

    @staticmethod
    def resolve_refunds(obj) -> list:
        return list(obj.refunds.all())


class SimulateIn(Schema):
    result: Literal["success", "fail"]


def payment_created_dict(payment) -> dict:
    return {
        "payment_id": payment.pk,
        "provider": payment.provider,
        "amount": format_money(payment.amount),
        "status": payment.status,
        "pay_url": payment.pay_url,
    }
