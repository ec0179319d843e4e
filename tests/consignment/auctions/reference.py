"""A brute-force reference of the auction's rules, written from the rules' text (consignment.auctions.rules), not
from the code: every bid is judged by replaying the whole history from the start, every dealer's maximum and its time
found by scanning every earlier accepted bid, the price by looking at every other dealer."""

from dataclasses import dataclass, field
from decimal import Decimal

OPENING = Decimal("1000.00")


def step_above(price: Decimal) -> Decimal:
    if price < 50_000:
        return Decimal("200.00")
    if price < 200_000:
        return Decimal("500.00")
    return Decimal("1000.00")


@dataclass(frozen=True)
class RefBid:
    dealer: str
    amount: Decimal
    max_amount: Decimal | None = None


@dataclass
class RefState:
    price: Decimal | None = None
    leader: str | None = None
    accepted: list[bool] = field(default_factory=list)
    maxima: dict[str, Decimal] = field(default_factory=dict)

    @property
    def min_next(self) -> Decimal:
        return OPENING if self.price is None else self.price + step_above(self.price)


def replay(bids: list[RefBid]) -> RefState:
    """The state after ``bids`` in order, each accepted when it is at least the minimum then."""
    state = RefState()
    history: list[RefBid] = []  # accepted bids so far
    for bid in bids:
        if bid.amount < state.min_next:
            state.accepted.append(False)
            continue
        state.accepted.append(True)
        history.append(bid)
        # each dealer's maximum, and the index of the accepted bid at which they first reached it
        reached: dict[str, tuple[Decimal, int]] = {}
        for index, earlier in enumerate(history):
            wanted = earlier.max_amount or earlier.amount
            if earlier.dealer not in reached or wanted > reached[earlier.dealer][0]:
                reached[earlier.dealer] = (wanted, index)
        ranked = sorted(reached.items(), key=lambda item: (-item[1][0], item[1][1]))
        leader, (leader_max, _) = ranked[0]
        others = [maximum for dealer, (maximum, _) in ranked if dealer != leader]
        price = max(min(leader_max, other + step_above(other)) for other in others) if others else bid.amount
        if leader == bid.dealer:
            price = max(price, bid.amount)
        if state.price is not None:
            price = max(price, state.price)
        state.price, state.leader = price, leader
        state.maxima = {dealer: maximum for dealer, (maximum, _) in reached.items()}
    return state
