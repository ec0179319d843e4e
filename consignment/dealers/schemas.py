"""Dealer shapes (API.md, Used-car consignment): the application, the dealer's own account, QA's view with the
applicant and the history."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from chefu.money import format_money
from consignment.dealers.services import COMPANY_MAX, REASON_MAX
from consignment.models import Dealer, DealerStatus

StatusIn = Literal[tuple(DealerStatus.values)]  # type: ignore[valid-type]


class DealerApplyIn(Schema):
    company: str = Field(..., min_length=1, max_length=COMPANY_MAX, examples=["上海诚信二手车经纪有限公司"])
    license_no: str = Field(
        ...,
        min_length=15,
        max_length=18,
        description="The unified social credit code (18 characters) or an old 15-digit licence number.",
        examples=["91310000MA1FL3XX2K"],
    )


class DealerDepositPayIn(Schema):
    provider: Literal["sandbox", "alipay"] = Field(..., description="sandbox (demo and tests) or alipay.")


class DealerReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=REASON_MAX, description="Told to the dealer.")


class DealerVerifyIn(Schema):
    reason: str = Field("", max_length=REASON_MAX)


class DealerListParams(Schema):
    status: StatusIn | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class DealerOut(Schema):
    """A dealer account as its holder sees it."""

    id: int
    company: str
    license_no: str
    status: str = Field(..., description="applied, verified, rejected or suspended.")
    deposit_status: str = Field(..., description="none, held, forfeited or returned.")
    deposit_amount: str = Field(..., examples=["5000.00"])
    deposit_required: str = Field(..., examples=["5000.00"], description="The deposit bidding needs.")
    may_bid: bool = Field(..., description="Verified with a deposit held.")
    created_at: dt.datetime


class DealerEventOut(Schema):
    at: dt.datetime
    from_status: str
    to_status: str
    by: str | None = Field(..., description="Who made the change (name); null for the system.")
    reason: str
    details: dict


class DealerApplicantOut(Schema):
    id: int
    name: str
    phone: str


class QaDealerOut(DealerOut):
    user: DealerApplicantOut


class QaDealerDetailOut(QaDealerOut):
    events: list[DealerEventOut]


class QaDealerListOut(Schema):
    items: list[QaDealerOut]
    count: int


def dealer_dict(dealer: Dealer, *, deposit_required) -> dict:
    return {
        "id": dealer.pk,
        "company": dealer.company,
        "license_no": dealer.license_no,
        "status": dealer.status,
        "deposit_status": dealer.deposit_status,
        "deposit_amount": format_money(dealer.deposit_amount),
        "deposit_required": format_money(deposit_required),
        "may_bid": dealer.may_bid,
        "created_at": dealer.created_at,
    }


def qa_dealer_dict(dealer: Dealer, *, deposit_required, events: bool = False) -> dict:
    out = {
        **dealer_dict(dealer, deposit_required=deposit_required),
        "user": {"id": dealer.user_id, "name": dealer.user.name, "phone": dealer.user.phone},
    }
    if events:
        out["events"] = [
            {
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "by": e.by.name if e.by else None,
                "reason": e.reason,
                "details": e.details,
            }
            for e in dealer.events.all()
        ]
    return out
