"""Shapes of the KPI, rule, run and alert endpoints (API.md, Quality assurance). Numbers are decimal strings, as
money is; a KPI without enough sample is null."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from quality.kpi_selectors import SORTS
from quality.kpis import METRICS, WINDOWS
from quality.models import StoreKpi


def _window_known(cls, value: int) -> int:
    if value not in WINDOWS:
        raise ValueError("30 or 90")
    return value


FIRST_DAY = dt.date(2020, 1, 1)
RATE_KEYS = tuple(m for m in METRICS if m not in ("overdue_actions", "last_audit_age_days"))


class KpisOut(Schema):
    rating: str | None
    low_rating_share: str | None
    complaint_rate: str | None
    upheld_complaint_rate: str | None
    store_cancel_rate: str | None
    no_show_rate: str | None
    on_time_rate: str | None
    supplement_rate: str | None
    upsell_ratio: str | None
    rework_rate: str | None
    claim_rate: str | None = Field(..., description="Dealers' claims upheld per 100 consignment inspections.")
    price_deviation: str | None
    last_audit_score: str | None
    last_audit_age_days: int | None
    overdue_actions: int
    risk_score: str
    completed: int = Field(..., description="Completed bookings of the window (the sample of most rates).")
    booked: int = Field(..., description="Bookings due in the window (the sample of the cancel and no-show rates).")
    reviews: int = Field(..., description="Published reviews of the window.")
    inspections: int = Field(..., description="Consignment inspection reports published in the window.")


def kpis_dict(kpi: StoreKpi) -> dict:
    values = {key: None if getattr(kpi, key) is None else str(getattr(kpi, key)) for key in RATE_KEYS}
    return {
        **values,
        "last_audit_age_days": kpi.last_audit_age_days,
        "overdue_actions": kpi.overdue_actions,
        "completed": kpi.completed,
        "booked": kpi.booked,
        "reviews": kpi.reviews,
        "inspections": kpi.inspections,
    }


class RiskRowOut(Schema):
    store_id: int
    name: str
    status: str
    city: str
    day: dt.date
    window_days: int
    risk_score: str
    kpis: KpisOut


class RiskTableOut(Schema):
    items: list[RiskRowOut]
    count: int


class RiskTableParams(Schema):
    sort: Literal[SORTS] = Field("risk", description="risk, or a KPI key; a leading - sorts descending.")  # type: ignore[valid-type]
    status: Literal["active", "probation", "suspended", "terminated"] | None = None
    city: str | None = Field(None, max_length=40)
    window: int = Field(90, description="30 or 90 (days)")

    _window = field_validator("window")(_window_known)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


def risk_row_dict(kpi: StoreKpi) -> dict:
    return {
        "store_id": kpi.store_id,
        "name": kpi.store.name,
        "status": kpi.store.status,
        "city": kpi.store.city,
        "day": kpi.day,
        "window_days": kpi.window_days,
        "risk_score": str(kpi.risk_score),
        "kpis": kpis_dict(kpi),
    }


class KpiDayOut(Schema):
    day: dt.date
    kpis: KpisOut


class KpiSeriesOut(Schema):
    store_id: int
    window_days: int
    items: list[KpiDayOut]


class ShopKpisOut(Schema):
    """The KPIs a store sees of itself: QA's, without the audit-based ones (``last_audit_score``,
    ``last_audit_age_days`` and ``risk_score``, which stands on them), which would date a mystery shop."""

    rating: str | None
    low_rating_share: str | None
    complaint_rate: str | None
    upheld_complaint_rate: str | None
    store_cancel_rate: str | None
    no_show_rate: str | None
    on_time_rate: str | None
    supplement_rate: str | None
    upsell_ratio: str | None
    rework_rate: str | None
    claim_rate: str | None
    price_deviation: str | None
    overdue_actions: int
    completed: int
    booked: int
    reviews: int
    inspections: int


class ShopKpiDayOut(Schema):
    day: dt.date
    kpis: ShopKpisOut


class PartnerKpisOut(Schema):
    store_id: int
    window_days: int
    latest: ShopKpiDayOut | None
    items: list[ShopKpiDayOut]


class SeriesParams(Schema):
    days: int = Field(90, ge=1, le=366)
    window: int = Field(90, description="30 or 90 (days)")

    _window = field_validator("window")(_window_known)


def kpi_day_dict(kpi: StoreKpi) -> dict:
    return {"day": kpi.day, "kpis": kpis_dict(kpi)}


class RuleOut(Schema):
    id: int
    metric: str
    window_days: int
    comparator: Literal["gt", "gte", "lt", "lte"]
    threshold: str
    min_sample: int
    action: Literal["alert", "probation", "suspend"]
    enabled: bool
    updated_at: dt.datetime


def rule_dict(rule) -> dict:
    return {
        "id": rule.pk,
        "metric": rule.metric,
        "window_days": rule.window_days,
        "comparator": rule.comparator,
        "threshold": str(rule.threshold),
        "min_sample": rule.min_sample,
        "action": rule.action,
        "enabled": rule.enabled,
        "updated_at": rule.updated_at,
    }


THRESHOLD = {"ge": 0, "le": Decimal("9999999.99"), "max_digits": 9, "decimal_places": 2}


class RuleUpdateIn(Schema):
    threshold: Decimal | None = Field(None, **THRESHOLD)
    min_sample: int | None = Field(None, ge=0, le=1_000_000)
    action: Literal["alert", "probation", "suspend"] | None = None
    enabled: bool | None = None
    reason: str = Field(..., min_length=1, max_length=1000)


class RuleCreateIn(Schema):
    metric: str = Field(..., max_length=30, description="One of the kpis keys (or risk_score).")
    window_days: Literal[30, 90] = 90
    comparator: Literal["gt", "gte", "lt", "lte"]
    threshold: Decimal = Field(..., **THRESHOLD)
    min_sample: int = Field(20, ge=0, le=1_000_000)
    action: Literal["alert", "probation", "suspend"]
    enabled: bool = True
    reason: str = Field(..., min_length=1, max_length=1000)


class QualityRunIn(Schema):
    day: dt.date | None = Field(None, description="The day whose KPIs to compute (default: yesterday); not ahead.")

    @field_validator("day")
    @classmethod
    def _day_known(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not FIRST_DAY <= value <= timezone.localdate():
            raise ValueError("a day from 2020-01-01 to today")
        return value


class QualityRunOut(Schema):
    id: int
    day: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    stores_evaluated: int
    alerts_raised: int
    status_changes: list[dict[str, int | str]] = Field(..., description="[{store_id, from, to}]")


class AlertOut(Schema):
    id: int
    key: str
    code: str
    store_id: int | None
    store_name: str | None
    message: str
    details: dict
    status: Literal["open", "acknowledged"]
    raised_at: dt.datetime
    acked_at: dt.datetime | None
    acked_by_id: int | None
    note: str


class AlertListOut(Schema):
    items: list[AlertOut]
    count: int


class AlertParams(Schema):
    status: Literal["open", "acknowledged"] | None = None
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class AckIn(Schema):
    note: str = Field("", max_length=1000)


def alert_dict(alert) -> dict:
    return {
        "id": alert.pk,
        "key": alert.key,
        "code": alert.code,
        "store_id": alert.store_id,
        "store_name": alert.store.name if alert.store_id else None,
        "message": alert.message,
        "details": alert.details,
        "status": alert.status,
        "raised_at": alert.raised_at,
        "acked_at": alert.acked_at,
        "acked_by_id": alert.acked_by_id,
        "note": alert.note,
    }
