"""Schemas of store price lists and the partner's offering editor.

Money comes in as ``Decimal``: a JSON string (``"199.00"``, preferred) is parsed straight to Decimal; a JSON
number reaches pydantic as a float and is converted through its shortest repr (``19.99`` → ``Decimal("19.99")``),
which is exact for every amount the columns hold (≤ 12 significant digits). The rules (no negatives, at most two
decimals, ...) are checked by ``catalog.pricing`` so that Python callers get the same refusals. Money goes out as
a string with two places; quantities as minimal decimal strings (``"4.5"``, ``"1"``), as in quotes.
"""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from catalog.pricing import MAX_PART_LINES

MONEY_IN = {"examples": ["199.00"], "allow_inf_nan": False}


class PartLineIn(Schema):
    sku: str = Field(..., min_length=1, max_length=40, examples=["MOBIL1-0W20-1L"])
    qty: Decimal = Field(
        ..., description="Greater than 0, at most two decimals.", examples=["4.5"], allow_inf_nan=False
    )
    unit_price: Decimal = Field(..., description="CNY, at most two decimals.", **MONEY_IN)


class OfferingIn(Schema):
    labour: Decimal = Field(..., description="CNY, at most two decimals.", **MONEY_IN)
    parts: list[PartLineIn] = Field(default_factory=list, max_length=MAX_PART_LINES)
    duration_min: int = Field(..., description="A positive multiple of 5 minutes, at most 1440.", examples=[60])


class ServiceRefOut(Schema):
    code: str
    name: str
    category: str


class PriceLineOut(Schema):
    sku: str
    name: str
    qty: str = Field(..., examples=["4.5"])
    unit_price: str = Field(..., examples=["68.00"])
    amount: str = Field(..., examples=["306.00"], description="qty × unit_price, rounded half-up to the cent.")


class ReferenceOut(Schema):
    p25: str = Field(..., examples=["260.00"])
    median: str = Field(..., examples=["320.00"])
    p75: str = Field(..., examples=["399.00"])
    deviation: str | None = Field(
        ..., examples=["0.1250"], description="total / median − 1, four decimals; null when the median is 0."
    )


class PriceOut(Schema):
    offering_id: int
    service: ServiceRefOut
    labour: str = Field(..., examples=["120.00"])
    parts: list[PriceLineOut]
    total: str = Field(..., examples=["426.00"], description="labour + Σ amount, exactly.")
    duration_min: int
    version: int = Field(..., description="The number of the version in force.")
    updated_at: dt.datetime
    reference: ReferenceOut | None = Field(
        ..., description="The service's reference band in the store's city; null when there is none."
    )
    varies_by_vehicle: bool = Field(
        ...,
        description="True when the price has part lines: parts and quantities are chosen for each car, so what a car "
        "is charged is GET /stores/{id}/quote (total is for the store's own reference car). False: every car is "
        "charged total.",
    )
    price_from: str = Field(
        ...,
        examples=["120.00"],
        description="What no car is charged less than: total when it does not vary by vehicle, else the labour "
        "alone (parts are added for the car).",
    )
    needs_engine: bool = Field(..., description="The service is not offered for electric cars (an oil change).")


class VersionOut(Schema):
    offering_id: int
    service: ServiceRefOut
    version: int
    labour: str
    parts: list[PriceLineOut]
    total: str
    duration_min: int
    created_at: dt.datetime
    created_by: str | None = Field(..., description="The name of who set this price; null when unknown.")
    is_current: bool = Field(..., description="True for the version in force.")


class VersionListOut(Schema):
    items: list[VersionOut]
    count: int


class OfferingDeactivatedOut(Schema):
    offering_id: int
    service: ServiceRefOut
    is_active: bool
