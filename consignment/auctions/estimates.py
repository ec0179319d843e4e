"""What a car may fetch, from the deals of comparable cars, before its auction; and the seller's net at that price.

Comparable: the same make and model, a model year within ``YEAR_SPAN`` of the car's, an odometer within
``MILEAGE_SPAN_KM`` of its reading, in a deal made in the last ``WINDOW`` that did not fall through (not defaulted nor
unwound). Fewer than ``MIN_COMPARABLES``: too few to say (``median`` None). Otherwise the median price, and as the
range the middle half of the prices (25th to 75th percentile, interpolated between neighbours), to the fen.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from chefu.money import money
from consignment.fees import fee_for, seller_net
from consignment.models import Deal, DealStatus, Listing

WINDOW = dt.timedelta(days=180)
YEAR_SPAN = 1
MILEAGE_SPAN_KM = 20_000
MIN_COMPARABLES = 5
_FELL_THROUGH = (DealStatus.DEFAULTED, DealStatus.UNWOUND)


@dataclass(frozen=True)
class Estimate:
    n: int
    median: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def fee(self) -> Decimal | None:
        return None if self.median is None else fee_for(self.median)

    @property
    def expected_net(self) -> Decimal | None:
        """What the seller receives if the car sells at the median."""
        return None if self.median is None else seller_net(self.median)

    def as_record(self) -> dict:
        """JSON-able, as kept on the auction's opening event (the estimate the seller was shown)."""
        amounts = {"median": self.median, "low": self.low, "high": self.high}
        return {"n": self.n, **{key: None if value is None else str(value) for key, value in amounts.items()}}

    @classmethod
    def from_record(cls, record: dict) -> "Estimate":
        def amount(key):
            return None if record.get(key) is None else Decimal(record[key])

        return cls(n=record.get("n", 0), median=amount("median"), low=amount("low"), high=amount("high"))


def _quantile(ordered: list[Decimal], q: Decimal) -> Decimal:
    """The ``q`` quantile of ``ordered`` (ascending, not empty), interpolated between neighbours."""
    position = (len(ordered) - 1) * q
    below = int(position)
    fraction = position - below
    if below + 1 >= len(ordered):
        return ordered[-1]
    return ordered[below] + (ordered[below + 1] - ordered[below]) * fraction


def comparable_prices(*, listing: Listing, now: dt.datetime | None = None) -> list[Decimal]:
    """The prices of the deals comparable with ``listing`` (module docstring), its own deals left out."""
    if not listing.make or not listing.model or listing.year is None:
        return []
    now = now or timezone.now()
    return list(
        Deal.objects.filter(
            listing__make=listing.make,
            listing__model=listing.model,
            listing__year__gte=listing.year - YEAR_SPAN,
            listing__year__lte=listing.year + YEAR_SPAN,
            listing__mileage_km__gte=max(listing.mileage_km - MILEAGE_SPAN_KM, 0),
            listing__mileage_km__lte=listing.mileage_km + MILEAGE_SPAN_KM,
            created_at__gte=now - WINDOW,
        )
        .exclude(status__in=_FELL_THROUGH)
        .exclude(listing=listing)
        .values_list("price", flat=True)
    )


def listing_estimate(*, listing: Listing, now: dt.datetime | None = None) -> Estimate:
    """The estimate for ``listing`` now (module docstring)."""
    prices = sorted(comparable_prices(listing=listing, now=now))
    if len(prices) < MIN_COMPARABLES:
        return Estimate(n=len(prices))
    return Estimate(
        n=len(prices),
        median=money(_quantile(prices, Decimal("0.5"))),
        low=money(_quantile(prices, Decimal("0.25"))),
        high=money(_quantile(prices, Decimal("0.75"))),
    )
