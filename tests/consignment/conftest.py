"""Fixtures of the consignment tests: a seller's listing, dealers who may bid, an open auction."""

from decimal import Decimal

import pytest

from consignment.auctions import services
from tests.consignment.factories import make_dealer, published_listing
from tests.factories import UserFactory


@pytest.fixture
def seller(db):
    return UserFactory(roles=["owner"], name="卖家张三")


@pytest.fixture
def seller_client(seller, make_client):
    return make_client(seller)


@pytest.fixture
def listing(seller):
    return published_listing(seller=seller)


@pytest.fixture
def dealer(db):
    return make_dealer()


@pytest.fixture
def dealer_client(dealer, make_client):
    return make_client(dealer.user)


@pytest.fixture
def auction(listing, seller):
    """An open 30-minute auction on the seller's listing with a reserve of ¥80,000."""
    return services.auction_start(listing_id=listing.pk, seller=seller, reserve_price=Decimal("80000.00"))
