"""The platform's fee on a consignment sale, and what the seller keeps.

The rule: 3 % of the price, rounded half-up to the fen, at least ¥500 and at most ¥5,000 (and never more than the
price itself). The seller's net is the price less the fee. The estimate before an auction and the deal after it use
the same rule, so the net the seller is shown before is the net they get at that price.
"""

from decimal import Decimal

from chefu.money import money

FEE_RATE = Decimal("0.03")
FEE_MIN = Decimal("500.00")
FEE_MAX = Decimal("5000.00")


def fee_for(price: Decimal) -> Decimal:
    """The platform's fee on a sale at ``price`` (CNY)."""
    fee = money(price * FEE_RATE)
    return min(max(fee, FEE_MIN), FEE_MAX, money(price))


def seller_net(price: Decimal) -> Decimal:
    """What the seller receives for a sale at ``price``: the price less :func:`fee_for`."""
    return money(price) - fee_for(price)
