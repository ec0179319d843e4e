"""The auction's price rules, as pure functions of amounts (CNY, Decimal): the increments, the smallest bid taken
next, and the price the proxy maxima make.

- **Increment** by price tier: ¥200 below ¥50,000, ¥500 below ¥200,000, ¥1,000 from there up.
- **The first bid** must be at least ``OPENING_BID`` (¥1,000); every later one at least the current price plus the
  increment of its tier (``min_next_bid``). This holds for the leader too: a leader who bids again raises the price.
- **Proxy bids.** Every dealer has one maximum per auction: the highest of the amounts and ``max_amount`` values they
  have bid (a straight bid is a maximum equal to its amount). The leader holds the highest maximum; between equal
  maxima the one reached first leads. The price is one increment (of the second maximum's tier) above the second
  highest maximum, capped at the leader's maximum; it never falls, and a bid the bidder leads with is never priced
  below its own amount. A lone bidder pays what they bid.
"""

from decimal import Decimal

OPENING_BID = Decimal("1000.00")
# (price below, increment); at or above the last bound, ``TOP_INCREMENT``.
TIERS = ((Decimal("50000.00"), Decimal("200.00")), (Decimal("200000.00"), Decimal("500.00")))
TOP_INCREMENT = Decimal("1000.00")


def increment(price: Decimal) -> Decimal:
    """The step above ``price``."""
    for below, step in TIERS:
        if price < below:
            return step
    return TOP_INCREMENT


def min_next_bid(price: Decimal | None) -> Decimal:
    """The smallest amount a bid may have when the current price is ``price`` (None: nobody has bid)."""
    if price is None:
        return OPENING_BID
    return price + increment(price)


def price_after_bid(
    *,
    previous: Decimal | None,
    amount: Decimal,
    leader_max: Decimal,
    second_max: Decimal | None,
    bidder_leads: bool,
) -> Decimal:
    """The price once a bid of ``amount`` is taken and the maxima updated: ``leader_max`` is the leader's maximum,
    ``second_max`` the highest maximum of anyone else (None: the bidder is the only one with a maximum),
    ``previous`` the price before (None: no bid yet)."""
    price = amount if second_max is None else min(leader_max, second_max + increment(second_max))
    if bidder_leads:
        price = max(price, amount)
    if previous is not None:
        price = max(price, previous)
    return price
