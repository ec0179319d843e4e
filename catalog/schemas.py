from ninja import Field, Schema

from chefu.money import format_money


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent_id


class ServiceListParams(Schema):
    category: str | None = Field(None, max_length=40, description="A category code: only its services.")


class ServiceOut(Schema):
    code: str
    name: str
    category: str
    duration_min: int = Field(..., description="Standard duration in minutes.")
    kind: str = Field(..., description="The workflow plug-in (standard, consignment, ...).")
    description: str
    needs_engine: bool = Field(
        ..., description="Work on the engine (an oil change): not quoted or booked for a car known to be electric."
    )

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category_id


class PartListParams(Schema):
    vehicle_id: int | None = Field(
        None, ge=1, description="One of your vehicles (needs the bearer token): only the parts that fit it."
    )
    category: str | None = Field(None, max_length=40, description="A category code: parts its services use.")


class PartOut(Schema):
    sku: str
    name: str
    brand: str
    spec: str
    list_price: str = Field(..., examples=["699.00"])
    unit: str
    part_type: str
    tyre_size: str | None = Field(None, description="Tyres only, e.g. 205/55R16.")

    @staticmethod
    def resolve_list_price(obj) -> str:
        return format_money(obj.list_price)

    @staticmethod
    def resolve_tyre_size(obj) -> str | None:
        return obj.tyre_size or None


class QuoteParams(Schema):
    service: str = Field(..., min_length=1, max_length=60, description="A standard service code.")
    vehicle_id: int = Field(..., ge=1, description="One of your vehicles.")


class QuoteLineOut(Schema):
    kind: str = Field(..., description="labour or part")
    description: str
    sku: str | None = None
    qty: str = Field(..., examples=["6"])
    unit_price: str = Field(..., examples=["128.00"])
    amount: str = Field(..., examples=["768.00"])


class QuoteOut(Schema):
    service: str
    version: int = Field(..., description="The number of the offering version the quote was priced at.")
    lines: list[QuoteLineOut]
    total: str = Field(..., examples=["1057.00"])
    notes: list[str] = Field(..., description="For the owner: what the quote left out or adjusted for this car.")
    tyre_size: str | None = Field(None, description="The tyre size the tyres were chosen by.")
    engine_oil_l: str | None = Field(None, description="The engine's oil capacity in litres, when known.")


class VehicleQuotesParams(Schema):
    vehicle_id: int = Field(..., ge=1, description="One of your vehicles.")


class QuoteServiceOut(Schema):
    code: str
    name: str
    category: str

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category_id


class VehicleQuoteOut(Schema):
    service: QuoteServiceOut
    applies: bool = Field(..., description="False: the service is not for this car; quote is null, reason says why.")
    reason: str | None = Field(None, description="Why not (a refusal code: needs_engine); null when it applies.")
    message: str | None = Field(None, description="Why not, for people; null when it applies.")
    quote: QuoteOut | None = Field(None, description="Exactly what GET /stores/{id}/quote answers for this car.")

    @staticmethod
    def resolve_quote(obj) -> dict | None:
        """``obj``: a :class:`catalog.quotes.QuoteOrRefusal`."""
        return obj.quote.as_dict() if obj.quote else None


class VehicleQuotesOut(Schema):
    vehicle_id: int
    items: list[VehicleQuoteOut]


class VehicleMakeParams(Schema):
    make: str | None = Field(None, min_length=1, max_length=40, description="Only this make.")


class VehicleModelOut(Schema):
    name: str
    year_from: int = Field(..., description="The first model year the catalogue's specs cover.")
    year_to: int = Field(..., description="The last model year the catalogue's specs cover.")


class VehicleMakeOut(Schema):
    name: str
    models: list[VehicleModelOut]
