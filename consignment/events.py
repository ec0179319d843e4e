"""What happens in consignment, for the apps above it (and payments' integration) to react to (``chefu.events``)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from chefu.events import Event


@dataclass(frozen=True)
class DealerStatusChanged(Event):
    """A dealer applied (``from_status`` ""), was verified, rejected, suspended or reinstated."""

    name = "consignment.dealer_status_changed"
    dealer_id: int
    user_id: int
    from_status: str
    to_status: str


@dataclass(frozen=True)
class DealerDepositChanged(Event):
    """A dealer's deposit was held, forfeited or returned; ``amount`` is the deposit's, ``payment_id`` the payment
    that holds it (when one does)."""

    name = "consignment.dealer_deposit_changed"
    dealer_id: int
    from_status: str
    to_status: str
    amount: Decimal
    payment_id: int | None


@dataclass(frozen=True)
class AuctionStarted(Event):
    name = "consignment.auction_started"
    auction_id: int
    listing_id: int
    ends_at: dt.datetime


@dataclass(frozen=True)
class AuctionClosed(Event):
    """``outcome``: ``sold``, ``reserve_not_met`` or ``no_bids``; ``price`` and ``dealer_id`` are the leader's (None
    without bids); ``deal_id`` the deal opened by the close (a sale), else None."""

    name = "consignment.auction_closed"
    auction_id: int
    listing_id: int
    outcome: str
    price: Decimal | None
    dealer_id: int | None
    deal_id: int | None


@dataclass(frozen=True)
class AuctionDecided(Event):
    """The seller accepted (``accepted``) or declined (``declined``, also by letting 24 h pass) a reserve not met."""

    name = "consignment.auction_decided"
    auction_id: int
    listing_id: int
    decision: str
    deal_id: int | None


@dataclass(frozen=True)
class DealOpened(Event):
    """A deal awaiting the dealer's payment of ``price`` by ``pay_before``."""

    name = "consignment.deal_opened"
    deal_id: int
    auction_id: int
    listing_id: int
    dealer_id: int
    seller_id: int
    price: Decimal
    fee: Decimal
    pay_before: dt.datetime


@dataclass(frozen=True)
class HandoverNotBooked(Event):
    """A paid deal's handover could not be booked at the inspecting store: ``reason`` is ``not_offered`` (the store
    does not offer ``consignment_handover`` or takes no bookings), ``no_free_start`` (nothing free within its
    horizon), ``slots_taken`` (every free start taken by others meanwhile), or the booking's refusal code. Emitted at
    the payment and again by every sweep while it lasts."""

    name = "consignment.handover_not_booked"
    deal_id: int
    store_id: int
    reason: str
