"""The dealer who never pays (issue 14, item 6): past ``pay_before`` the deal is defaulted, the deposit forfeited to
the platform's revenue, and the car offered to the runner-up at the proxy rule's price, or given back to the seller;
exactly once however many callers race; the ledger reconciles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Booking
from consignment.auctions import services as auctions
from consignment.dealers import deposits
from consignment.dealers import services as dealer_services
from consignment.deals.defaults import deal_default, deals_default_sweep
from consignment.models import Deal, DealerEvent, DealEvent, DealStatus, DepositStatus, ListingStatus
from notifications.models import Message
from payments.models import EntryKind, JournalEntry
from payments.reconciliation import mismatches
from tests.consignment.factories import make_dealer, published_listing
from tests.factories import UserFactory
from tests.payments.charging import at_once
from tests.payments.paying import notify

RESERVE = Decimal("80000.00")


def _paying_dealer(name: str):
    """A verified dealer whose deposit was paid through the sandbox (so its forfeit moves money in the ledger)."""
    dealer = make_dealer(deposit=False, user=UserFactory(roles=["owner"], name=name))
    notify(deposits.dealer_deposit_pay(user=dealer.user, provider="sandbox"))
    dealer.refresh_from_db()
    assert dealer.deposit_status == DepositStatus.HELD
    return dealer


def _listing(seller):
    """The factory's published listing, its inspection booking (written through the ORM as paid, with no payment)
    made free, so the ledger's reconciliation checks only what these tests move."""
    listing = published_listing(seller=seller)
    Booking.objects.filter(pk=listing.report.booking_id).update(amount_paid=Decimal("0.00"))
    return listing


def _sold(maxima: list[tuple[object, str]], *, reserve: Decimal = RESERVE):
    """An auction of a fresh listing, each dealer bidding its maximum in turn (straight bids), closed at its end."""
    seller = UserFactory(roles=["owner"], name="卖家")
    listing = _listing(seller)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    auction = auctions.auction_start(listing_id=listing.pk, seller=seller, reserve_price=reserve, now=start)
    for i, (dealer, amount) in enumerate(maxima):
        placed = auctions.bid_place(
            auction_id=auction.pk, user=dealer.user, amount=Decimal(amount), now=start + dt.timedelta(minutes=i + 1)
        )
        assert placed.bid.accepted, placed.bid.refusal
    auction.refresh_from_db()
    auctions.auction_close(auction_id=auction.pk, now=auction.ends_at)
    auction.refresh_from_db()
    return auction, Deal.objects.get(auction=auction, status=DealStatus.AWAITING_PAYMENT)


def _after(deal: Deal) -> dt.datetime:
    return deal.pay_before + dt.timedelta(seconds=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("committing")
class TestDefault:
    def test_the_winner_who_never_pays_loses_the_deposit_and_the_runner_up_is_offered_the_car(self):
        a, b, c = _paying_dealer("甲车行"), _paying_dealer("乙车行"), _paying_dealer("丙车行")
        auction, deal = _sold([(c, "70000.00"), (b, "85000.00"), (a, "90000.00")])
        assert (deal.dealer_id, deal.price) == (a.pk, Decimal("90000.00"))  # a straight bid pays its amount

        assert deal_default(deal_id=deal.pk, now=deal.pay_before - dt.timedelta(seconds=1)) is None  # not yet
        following = deal_default(deal_id=deal.pk, now=_after(deal))

        deal.refresh_from_db()
        assert deal.status == DealStatus.DEFAULTED
        event = DealEvent.objects.get(deal=deal, to_status=DealStatus.DEFAULTED)
        assert event.details == {"runner_up_dealer_id": b.pk}
        a.refresh_from_db()
        assert a.deposit_status == DepositStatus.FORFEITED and not a.may_bid
        forfeit = DealerEvent.objects.get(dealer=a, details__deposit__to="forfeited")
        assert forfeit.details["deposit"]["deal_id"] == deal.pk
        release = JournalEntry.objects.get(kind=EntryKind.RELEASE, cause=f"forfeit:deal:{deal.pk}")
        assert release.purpose == "dealer_deposit" and release.subject == f"deposit:{a.pk}:1"
        # the runner-up: B at its own highest bid (one increment above C's 70,000 is less), a new 24 h window
        assert (following.dealer_id, following.price, following.status) == (
            b.pk,
            Decimal("85000.00"),
            "awaiting_payment",
        )
        assert following.auction_id == auction.pk and following.seller_net == following.price - following.fee
        assert following.pay_before == _after(deal) + dt.timedelta(hours=24)
        assert Message.objects.filter(recipient=b.user, template="consignment_runner_up").exists()
        assert Message.objects.filter(recipient=b.user, template="consignment_won").exists()
        assert auction.listing.__class__.objects.get(pk=auction.listing_id).status == ListingStatus.DEAL
        assert deal_default(deal_id=deal.pk, now=_after(deal)) is None  # once
        assert mismatches() == []

        # B never pays either: C's maximum is below the reserve, so the car goes back to the seller
        again = deal_default(deal_id=following.pk, now=_after(following))
        assert again.pk == following.pk and again.status == DealStatus.DEFAULTED
        listing = auction.listing.__class__.objects.get(pk=auction.listing_id)
        assert listing.status == ListingStatus.DRAFT
        assert Message.objects.filter(recipient=listing.seller, template="consignment_deal_defaulted").exists()
        assert Deal.objects.filter(auction=auction).count() == 2
        # the seller relists
        relisted = auctions.auction_start(listing_id=listing.pk, seller=listing.seller, reserve_price=RESERVE)
        assert relisted.status == "open"
        assert mismatches() == []

    def test_the_runner_up_pays_what_the_proxy_rule_gives_without_the_defaulter(self):
        a, b, c = _paying_dealer("甲车行"), _paying_dealer("乙车行"), _paying_dealer("丙车行")
        auction, deal = _sold([(c, "81000.00"), (b, "84000.00"), (a, "95000.00")])
        # B's straight bid was 84,000 and the price after A's bid went higher; C's maximum is 81,000
        b_max = auction.maxima.get(dealer=b).max_amount
        following = deal_default(deal_id=deal.pk, now=_after(deal))
        assert following.dealer_id == b.pk
        assert following.price == min(b_max, max(Decimal("84000.00"), Decimal("81500.00")))

    def test_a_dealer_who_may_not_bid_is_passed_over(self):
        a, b, c = _paying_dealer("甲车行"), _paying_dealer("乙车行"), _paying_dealer("丙车行")
        _, deal = _sold([(c, "82000.00"), (b, "85000.00"), (a, "90000.00")])
        dealer_services.dealer_suspend(dealer_id=b.pk, by=UserFactory(roles=["qa"]), reason="资料造假")
        following = deal_default(deal_id=deal.pk, now=_after(deal))
        assert (following.dealer_id, following.price) == (c.pk, Decimal("82000.00"))

    def test_an_accepted_price_below_the_reserve_has_no_runner_up(self):
        a, b = _paying_dealer("甲车行"), _paying_dealer("乙车行")
        seller = UserFactory(roles=["owner"])
        listing = _listing(seller)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        auction = auctions.auction_start(listing_id=listing.pk, seller=seller, reserve_price=RESERVE, now=start)
        auctions.bid_place(auction_id=auction.pk, user=b.user, amount=Decimal("60000.00"), now=start)
        auctions.bid_place(auction_id=auction.pk, user=a.user, amount=Decimal("70000.00"), now=start)
        auction.refresh_from_db()
        auctions.auction_close(auction_id=auction.pk, now=auction.ends_at)
        auctions.auction_accept(auction_id=auction.pk, seller=seller, now=auction.ends_at + dt.timedelta(minutes=5))
        deal = Deal.objects.get(auction=auction)

        assert deal_default(deal_id=deal.pk, now=_after(deal)).pk == deal.pk
        listing.refresh_from_db()
        assert listing.status == ListingStatus.DRAFT
        assert mismatches() == []

    def test_a_paid_deal_is_left_alone_and_the_sweep_defaults_only_what_is_due(self):
        a, b = _paying_dealer("甲车行"), _paying_dealer("乙车行")
        _, paid = _sold([(b, "81000.00"), (a, "90000.00")])
        Deal.objects.filter(pk=paid.pk).update(status=DealStatus.PAID, paid_at=timezone.now())  # as a payment does
        c, d = _paying_dealer("丙车行"), _paying_dealer("丁车行")
        _, due = _sold([(d, "81000.00"), (c, "90000.00")])

        assert deals_default_sweep(now=due.pay_before - dt.timedelta(seconds=1)) == 0
        assert deals_default_sweep(now=_after(due)) == 1
        assert Deal.objects.get(pk=paid.pk).status == DealStatus.PAID
        assert Deal.objects.get(pk=due.pk).status == DealStatus.DEFAULTED
        assert Deal.objects.get(dealer=d).status == DealStatus.AWAITING_PAYMENT  # the runner-up's
        a.refresh_from_db()
        assert a.deposit_status == DepositStatus.HELD
        assert mismatches() == []

    def test_a_deposit_recorded_without_a_payment_is_forfeited_without_a_ledger_move(self):
        a, b = make_dealer(), make_dealer()
        _, deal = _sold([(b, "81000.00"), (a, "90000.00")])
        deal_default(deal_id=deal.pk, now=_after(deal))
        a.refresh_from_db()
        assert a.deposit_status == DepositStatus.FORFEITED
        assert not JournalEntry.objects.filter(kind=EntryKind.RELEASE).exists()


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_defaulters_default_once():
    a, b, c = _paying_dealer("甲车行"), _paying_dealer("乙车行"), _paying_dealer("丙车行")
    auction, deal = _sold([(c, "81000.00"), (b, "85000.00"), (a, "90000.00")])
    now = _after(deal)

    outcomes = at_once(*[lambda: deal_default(deal_id=deal.pk, now=now)] * 3)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o is not None for o in outcomes) == 1
    assert Deal.objects.filter(auction=auction, status=DealStatus.DEFAULTED).count() == 1
    assert DealEvent.objects.filter(deal=deal, to_status=DealStatus.DEFAULTED).count() == 1
    assert DealerEvent.objects.filter(dealer=a, details__deposit__to="forfeited").count() == 1
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE, cause=f"forfeit:deal:{deal.pk}").count() == 1
    assert list(
        Deal.objects.filter(auction=auction, status=DealStatus.AWAITING_PAYMENT).values_list("dealer", flat=True)
    ) == [b.pk]
    assert mismatches() == []
