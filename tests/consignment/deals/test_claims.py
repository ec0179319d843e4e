"""Dealers' claims: filed within 3 days of the handover, one open at a time; QA rejects, adjusts (part of the price
back to the dealer, taken from the seller's net) or unwinds (all of it back, the car back to the seller); the seller
is paid only once the window has passed with no open claim, so every remedy comes from money still held. Two
resolutions of one claim at once make one, with one refund."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from chefu.errors import NotFound, PermissionDenied, ValidationFailed
from consignment.deals import claims, settlement
from consignment.deals.charges import PURPOSE
from consignment.deals.exceptions import ClaimExists, ClaimResolved, ClaimWindowClosed, DealNotHandedOver
from consignment.models import Claim, ClaimStatus, DealStatus, ListingStatus
from notifications.models import Message
from payments import ledger
from payments.models import Payout, Refund
from payments.reconciliation import mismatches
from payments.selectors import charge_held
from tests.consignment.deals.conftest import (
    FEE,
    PRICE,
    after_window,
    deal_awaiting_payment,
    handed_over,
    pay_deal,
    provider_runs,
    read_together,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

NET = PRICE - FEE


def _file(deal, text="变速箱异响，报告未注明", **kw) -> Claim:
    return claims.claim_file(deal_id=deal.pk, user=deal.dealer.user, description=text, **kw)


def _held(deal) -> Decimal:
    return charge_held(purpose=PURPOSE, subject=f"deal:{deal.pk}")


def _revenue() -> Decimal:
    return -ledger.balance(ledger.account(f"revenue:{PURPOSE}"))


@pytest.fixture
def deal(db):
    return handed_over()


# --- filing ---------------------------------------------------------------------------------------------------------


def test_the_dealer_files_a_claim_within_the_window_and_the_seller_is_told(deal):
    claim = _file(deal, now=after_window(deal) - dt.timedelta(minutes=1))

    report = deal.listing.report
    assert (claim.status, claim.dealer_id, claim.store_id, claim.inspector_id) == (
        ClaimStatus.OPEN,
        deal.dealer_id,
        report.store_id,
        report.inspector_id,
    )
    assert deal.events.order_by("id").last().details == {"step": "claim_filed", "claim_id": claim.pk}
    assert Message.objects.filter(template="deal_claim_filed", recipient=deal.seller).count() == 2


def test_no_claim_once_the_window_has_passed(deal):
    with pytest.raises(ClaimWindowClosed) as closed:
        _file(deal, now=after_window(deal))

    assert (closed.value.status, closed.value.code) == (409, "claim_window_closed")
    assert closed.value.details["closed_at"] == after_window(deal).isoformat()
    assert not Claim.objects.exists()


def test_no_claim_before_the_handover():
    deal = deal_awaiting_payment()
    with pytest.raises(DealNotHandedOver):
        _file(deal)
    pay_deal(deal)
    with pytest.raises(DealNotHandedOver) as refused:
        _file(deal)
    assert refused.value.details == {"status": "paid"}


def test_one_open_claim_per_deal(deal):
    _file(deal)
    with pytest.raises(ClaimExists):
        _file(deal, "另一个问题")
    assert Claim.objects.count() == 1


def test_only_the_deals_dealer_claims(deal):
    with pytest.raises(PermissionDenied):
        claims.claim_file(deal_id=deal.pk, user=deal.seller, description="x")
    with pytest.raises(NotFound):
        claims.claim_file(deal_id=deal.pk, user=UserFactory(roles=["dealer"]), description="x")
    with pytest.raises(NotFound):
        claims.claim_file(deal_id=deal.pk + 1000, user=deal.dealer.user, description="x")


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001, "异\x00响"])
def test_a_description_that_cannot_be_read_is_refused_and_nothing_written(deal, text):
    with pytest.raises(ValidationFailed) as refused:
        _file(deal, text)
    assert list(refused.value.details["fields"]) == ["description"]
    assert not Claim.objects.exists()


# --- resolving ------------------------------------------------------------------------------------------------------


def test_rejected_moves_no_money_and_the_seller_is_paid_after_the_window(deal, qa):
    claim = _file(deal)
    claims.claim_resolve(claim_id=claim.pk, by=qa, outcome="rejected", note="属正常磨损")

    # the window passes while it is open: the sweep waits for it... (resolved here already)
    assert settlement.deals_settle_due(now=after_window(deal)) == 1
    provider_runs()
    deal.refresh_from_db()
    assert deal.status == DealStatus.SETTLED
    assert Payout.objects.get().amount == NET and _revenue() == FEE
    assert not Refund.objects.exists()
    assert mismatches() == []


def test_an_open_claim_holds_the_seller_payment_until_it_is_resolved(deal, qa):
    claim = _file(deal)

    assert settlement.deals_settle_due(now=after_window(deal) + dt.timedelta(days=2)) == 0

    # resolved after the window: the seller is paid at once
    claims.claim_resolve(
        claim_id=claim.pk, by=qa, outcome="rejected", note="不属实", now=after_window(deal) + dt.timedelta(days=2)
    )
    assert Payout.objects.get().amount == NET
    provider_runs()
    deal.refresh_from_db()
    assert deal.status == DealStatus.SETTLED
    assert mismatches() == []


def test_adjusted_refunds_the_dealer_from_the_sellers_net(deal, qa):
    claim = _file(deal)

    claims.claim_resolve(claim_id=claim.pk, by=qa, outcome="adjusted", amount=Decimal("3000.00"), note="补偿变速箱维修")

    claim.refresh_from_db()
    deal.refresh_from_db()
    assert (claim.status, claim.adjustment, claim.resolved_by_id) == (ClaimStatus.ADJUSTED, Decimal("3000.00"), qa.pk)
    assert deal.adjusted_total == Decimal("3000.00") and deal.status == DealStatus.HANDED_OVER
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.cause) == (Decimal("3000.00"), "adjusted", f"claim:{claim.pk}")
    assert refund.payment.owner_id == deal.dealer.user_id
    for user in (deal.seller, deal.dealer.user):
        message = Message.objects.get(template="deal_claim_resolved", recipient=user, channel="in_app")
        assert "¥3000.00" in message.body
    # the window passes: the seller is paid the net less the adjustment; the fee is kept whole
    settlement.deals_settle_due(now=after_window(deal))
    provider_runs()
    deal.refresh_from_db()
    assert deal.status == DealStatus.SETTLED
    assert Payout.objects.get().amount == NET - Decimal("3000.00")
    assert _revenue() == FEE and _held(deal) == Decimal("0.00")
    assert mismatches() == []


def test_adjustments_beyond_the_sellers_net_are_borne_by_the_fee(qa):
    deal = handed_over(deal_awaiting_payment(price=Decimal("10000.00"), fee=Decimal("1000.00")))
    claim = _file(deal)

    claims.claim_resolve(claim_id=claim.pk, by=qa, outcome="adjusted", amount=Decimal("9500.00"), note="发动机大修")
    settlement.deals_settle_due(now=after_window(deal))

    deal.refresh_from_db()
    assert deal.status == DealStatus.SETTLED  # nothing left to pay the seller
    assert not Payout.objects.exists()
    assert _revenue() == Decimal("500.00")
    provider_runs()
    assert _held(deal) == Decimal("0.00")
    assert mismatches() == []


@pytest.mark.parametrize(
    ("outcome", "amount", "field"),
    [
        ("adjusted", None, "amount"),
        ("adjusted", "0", "amount"),
        ("adjusted", "-5", "amount"),
        ("adjusted", "1.005", "amount"),
        ("adjusted", "abc", "amount"),
        ("adjusted", str(PRICE), "amount"),  # the whole price: that is an unwind
        ("rejected", "100.00", "amount"),
        ("unwound", "100.00", "amount"),
        ("upheld", None, "outcome"),
    ],
)
def test_a_resolution_that_breaks_a_rule_is_refused_and_nothing_written(deal, qa, outcome, amount, field):
    claim = _file(deal)

    with pytest.raises(ValidationFailed) as refused:
        claims.claim_resolve(claim_id=claim.pk, by=qa, outcome=outcome, amount=amount, note="说明")

    assert field in refused.value.details["fields"]
    claim.refresh_from_db()
    deal.refresh_from_db()
    assert claim.status == ClaimStatus.OPEN and deal.adjusted_total == 0
    assert not Refund.objects.exists()


def test_a_second_adjustment_may_not_reach_the_price_with_the_first(deal, qa):
    first = _file(deal)
    claims.claim_resolve(claim_id=first.pk, by=qa, outcome="adjusted", amount=Decimal("70000.00"), note="一")
    second = _file(deal, "又发现问题")

    with pytest.raises(ValidationFailed) as refused:
        claims.claim_resolve(claim_id=second.pk, by=qa, outcome="adjusted", amount=Decimal("10000.00"), note="二")

    assert "10000.00" in refused.value.details["fields"]["amount"][0]
    assert Refund.objects.count() == 1


def test_unwound_gives_the_whole_price_back_and_the_car_back_to_the_seller(deal, qa):
    first = _file(deal)
    claims.claim_resolve(claim_id=first.pk, by=qa, outcome="adjusted", amount=Decimal("2000.00"), note="小问题")
    second = _file(deal, "泡水车，报告未检出")

    claims.claim_resolve(claim_id=second.pk, by=qa, outcome="unwound", note="检测漏检，退车")

    deal.refresh_from_db()
    assert deal.status == DealStatus.UNWOUND
    assert deal.listing.status == ListingStatus.DRAFT
    refunds = Refund.objects.order_by("pk")
    assert [(r.amount, r.reason) for r in refunds] == [(Decimal("2000.00"), "adjusted"), (PRICE - 2000, "returned")]
    assert sum(r.amount for r in refunds) == PRICE
    # never settled, nothing paid out or kept
    assert settlement.deals_settle_due(now=after_window(deal)) == 0
    provider_runs()
    assert not Payout.objects.exists() and _revenue() == 0 and _held(deal) == 0
    assert mismatches() == []
    with pytest.raises(DealNotHandedOver):
        _file(deal, "再申诉")


def test_a_claim_is_resolved_once(deal, qa):
    claim = _file(deal)
    claims.claim_resolve(claim_id=claim.pk, by=qa, outcome="rejected", note="不属实")

    with pytest.raises(ClaimResolved):
        claims.claim_resolve(claim_id=claim.pk, by=qa, outcome="adjusted", amount=Decimal("10.00"), note="改判")


def test_only_qa_resolves(deal):
    claim = _file(deal)
    for user in (deal.seller, deal.dealer.user):
        with pytest.raises(PermissionDenied):
            claims.claim_resolve(claim_id=claim.pk, by=user, outcome="rejected", note="x")


@pytest.mark.django_db(transaction=True)
def test_two_qa_users_resolving_at_once_make_one_resolution_and_one_refund(monkeypatch):
    # given an open claim, and each resolution made to wait, once it has read the claim, until the other has read it
    # too or is seen waiting on a lock: without the deal's lock both would read it open and both resolve it
    deal = handed_over()
    claim = _file(deal)
    read = read_together(monkeypatch, claims, "claim_lock")
    first, second = UserFactory(roles=["qa"]), UserFactory(roles=["qa"])
    barrier, outcomes = threading.Barrier(2), {}

    def resolve(user, amount):
        try:
            barrier.wait()
            claims.claim_resolve(claim_id=claim.pk, by=user, outcome="adjusted", amount=Decimal(amount), note="补偿")
            outcomes[user.pk] = "resolved"
        except ClaimResolved:
            outcomes[user.pk] = "refused"
        except Exception as error:
            outcomes[user.pk] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resolve, args=args) for args in ((first, "1000.00"), (second, "2500.00"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes.values()) == ["refused", "resolved"], outcomes
    assert len(read) == 2
    claim.refresh_from_db()
    deal.refresh_from_db()
    refund = Refund.objects.get()
    assert refund.amount == claim.adjustment == deal.adjusted_total
    assert claim.resolved_by_id == next(pk for pk, outcome in outcomes.items() if outcome == "resolved")
    assert deal.events.filter(details__step="claim_resolved").count() == 1
