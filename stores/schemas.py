import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from chefu.inputs import Instant
from chefu.schemas import RowSchema
from stores.coords import CoordSystem
from stores.models import Store

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_24 = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
# A category code as sent: no longer than a code can be, so an unknown one is refused short. The category model is
# the catalogue's, reached through stores' own relation to it (catalog stands above stores).
_CATEGORY_CODE = Store._meta.get_field("categories").related_model._meta.get_field("code")
CategoryCode = Annotated[str, Field(max_length=_CATEGORY_CODE.max_length)]


class CoordParams(Schema):
    coord: CoordSystem = CoordSystem.WGS84


class NearbyParams(CoordParams):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    radius_km: float = Field(5, gt=0, le=50)
    category: str | None = Field(None, max_length=40)
    service: str | None = Field(
        None, max_length=60, description="A service code: only stores with an active price for it, `price` filled."
    )
    sort: Literal["distance", "price", "rating", "soonest"] = Field(
        "distance",
        description=(
            "`price` needs `service` (cheapest first, then nearest). `soonest` needs `service`: the earliest"
            " `next_slot` first (none last), then nearest; it ranks the 500 nearest matching stores, and any"
            " farther ones follow them by distance."
        ),
    )
    min_rating: float | None = Field(None, ge=1, le=5)
    open_now: bool = False
    vehicle_id: int | None = Field(
        None,
        ge=1,
        description="One of the signed-in caller's vehicles (401 without a session or token, 404 when not theirs):"
        " with `service`, each `car_price` says exactly what that car would be charged.",
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class NearbyPriceOut(RowSchema):
    service: str
    total: str


class NearbyCarPriceOut(RowSchema):
    price_from: str = Field(
        ..., examples=["120.00"], description="What no car is charged less than (as GET /stores/{id}/prices has it)."
    )
    varies_by_vehicle: bool = Field(..., description="True when parts and quantities are chosen for each car.")
    vehicle_id: int | None = Field(None, description="The car priced (`vehicle_id`); null without one.")
    applies: bool | None = Field(
        None, description="With a car: false when the service is not for it (an oil change for an electric car)."
    )
    total: str | None = Field(
        None,
        examples=["811.00"],
        description="With a car the service applies to: exactly the quote total POST /bookings charges for it"
        " (GET /stores/{id}/quote); else null.",
    )
    reason: str | None = Field(None, description="Why the service is not for the car (needs_engine); else null.")
    message: str | None = Field(None, description="The same, for people; else null.")


class NearbyStoreOut(RowSchema):
    id: int
    name: str
    address: str
    city: str
    lat: float
    lng: float
    distance_m: int
    rating: float | None
    review_count: int
    status: str
    badge: str | None = Field(None, description='"probation" while the store is on probation, else null')
    categories: list[str]
    price: NearbyPriceOut | None = None
    car_price: NearbyCarPriceOut | None = Field(
        None, description="With `service`: its price floor, and with `vehicle_id` the exact price for that car."
    )
    next_slot: dt.datetime | None = Field(
        None,
        description="With `service`: the soonest start `POST /bookings` accepts (in the store's zone), null when"
        " the store has none within its booking horizon. Null without `service`.",
    )
    open_now: bool = Field(
        False,
        description="Whether the store is open at the time of the search (its hours and closures, as GET"
        " /stores/{id} has it).",
    )


class NearbyOut(RowSchema):
    items: list[NearbyStoreOut]
    count: int


class OpeningRangeIn(Schema):
    weekday: int = Field(..., ge=0, le=6, description="Monday = 0")
    opens: str = Field(..., pattern=HHMM, examples=["08:30"])
    closes: str = Field(..., pattern=HHMM_OR_24, examples=["19:00"], description="<= opens: past midnight")


class OpeningHoursIn(Schema):
    opening_hours: list[OpeningRangeIn] = Field(..., max_length=50)


class OpeningRangeOut(Schema):
    weekday: int
    opens: str
    closes: str


class BayIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    categories: list[CategoryCode] = Field(..., min_length=1)


class BayOut(Schema):
    id: int
    name: str
    categories: list[str]


class CategoryRef(Schema):
    code: str
    name: str


class LastAuditOut(Schema):
    date: dt.date
    passed: bool
    score: str = Field(..., description="0-100, two decimals")


class SanctionOut(Schema):
    status: str = Field(..., description='"probation" or "suspended"')
    from_: dt.datetime = Field(..., alias="from")
    to: dt.datetime | None = Field(None, description="null while it lasts")
    reason_category: str


class ComplaintsCountOut(Schema):
    received: int
    upheld: int


class QualityOut(Schema):
    """The store's public quality record: nothing about a sanction is silent."""

    badge: str | None = Field(
        None,
        description='"probation" while on probation, "audited" after a passed audit in the last 180 days, else null',
    )
    last_audit_score: float | None = None
    last_audit: LastAuditOut | None = None
    sanctions: list[SanctionOut] = Field(
        default_factory=list, description="probation and suspension periods, the latest first"
    )
    complaints_12m: ComplaintsCountOut = Field(default_factory=lambda: ComplaintsCountOut(received=0, upheld=0))


class StoreOut(Schema):
    id: int
    name: str
    address: str
    city: str
    lat: float
    lng: float
    phone: str
    status: str
    timezone: str
    rating: float | None
    review_count: int
    rating_breakdown: dict[str, float] | None = Field(
        None, description="Mean stars per dimension over published reviews; null before the first review."
    )
    rating_distribution: dict[str, int] | None = Field(
        None, description='Published reviews by overall stars, rounded: {"1": n, ..., "5": n}.'
    )
    hidden_review_count: int = Field(0, description="Reviews QA hid: not shown, but never silently.")
    categories: list[CategoryRef]
    bays: list[BayOut]
    opening_hours: list[OpeningRangeOut]
    open_now: bool
    quality: QualityOut


class ApplicationIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    address: str = Field(..., min_length=1, max_length=200)
    city: str = Field(..., min_length=1, max_length=40)
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    phone: str = Field(..., max_length=20)
    categories: list[CategoryCode] = Field(..., min_length=1)
    bays: list[BayIn] = Field(..., min_length=1, max_length=50)
    opening_hours: list[OpeningRangeIn] = Field(..., max_length=50)
    timezone: str = Field("Asia/Shanghai", max_length=64)


class ApplicationCreatedOut(Schema):
    id: int
    status: str


class ApplicantOut(Schema):
    id: int
    name: str


class ApplicationBayOut(Schema):
    name: str
    categories: list[str]


class MyApplicationOut(Schema):
    """An application as its applicant sees it: what they applied for and QA's decision (not QA's notes)."""

    id: int
    status: str
    name: str
    address: str
    city: str
    lat: float
    lng: float
    phone: str
    timezone: str
    categories: list[str]
    bays: list[ApplicationBayOut]
    opening_hours: list[OpeningRangeOut]
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    reject_reason: str
    store_id: int | None


class ApplicationOut(MyApplicationOut):
    """An application as QA sees it: the applicant's view, with who applied and QA's own notes."""

    applicant: ApplicantOut
    notes: str


class ApplicationListOut(Schema):
    items: list[ApplicationOut]
    count: int


class MyApplicationListOut(Schema):
    items: list[MyApplicationOut]
    count: int


class ApplicationListParams(Schema):
    status: Literal["submitted", "approved", "rejected"] | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ApproveIn(Schema):
    notes: str = Field("", max_length=2000)


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ApplicationDecisionOut(Schema):
    id: int
    status: str
    store_id: int | None


class ClosureIn(Schema):
    starts_at: Instant
    ends_at: Instant
    reason: str = Field(..., min_length=1, max_length=200)
    bay_id: int | None = None


class ClosureOut(Schema):
    id: int
    store_id: int
    bay_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str


class ClosureListOut(Schema):
    items: list[ClosureOut]
    count: int


class OpeningHoursOut(Schema):
    store_id: int
    opening_hours: list[OpeningRangeOut]


class StoreStatusIn(Schema):
    status: Literal["active", "probation", "suspended", "terminated"]
    reason: str = Field(..., min_length=1, max_length=2000)


class StoreStatusOut(Schema):
    id: int
    status: str


class GeocodeParams(CoordParams):
    q: str = Field(..., min_length=1, max_length=200)
    city: str | None = Field(None, max_length=40)


class GeocodeOut(Schema):
    lat: float
    lng: float
    address: str
    provider: str
