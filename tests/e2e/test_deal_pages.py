"""The consignment deal pages in a real browser: the dealer pays a won deal through the sandbox's pay page (a real
worker delivering the provider's notification) and sees it paid with its handover; QA resolves a dealer's claim in
the console. Screenshots of each page at a phone's and a desktop's size go to /tmp/shots/deals/."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consignment.deals.claims import claim_file
from consignment.models import ClaimStatus, DealStatus
from payments.models import Payment, Refund
from tests.consignment.deals.conftest import complete_handover, deal_awaiting_payment, pay_deal
from tests.e2e.booking_fixtures import AUTH
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/shots/deals")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("390x844", PHONE), ("1280x800", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def _sign_in(page, user, then: str) -> None:
    """The sign-in box: once signed in, the page reloads into what the server renders for the user."""
    page.fill(f"{AUTH} input[name=phone]", user.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")
    expect(page.locator(then).first).to_be_visible()


def test_the_dealer_pays_a_won_deal_in_the_sandbox_and_sees_it_paid(celery_worker, live_server, page, settings):
    # given a deal won at ¥80,000.00, awaiting the dealer's payment, and providers reaching this live server
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    deal = deal_awaiting_payment()
    dealer = deal.dealer.user
    page.set_viewport_size(PHONE)

    # when the dealer opens their won deals and the deal
    page.goto(f"{live_server.url}/consignment/deals/")
    _sign_in(page, dealer, ".deals")
    expect(page.get_by_role("heading", name="我拍得的车")).to_be_visible()
    _shoot(page, "dealer-won-deals")
    page.locator(f'.deal-item[data-deal-id="{deal.pk}"] a').click()
    expect(page.locator(".deal-status")).to_have_text("待车商付款")
    _shoot(page, "dealer-deal-awaiting-payment")

    # and presses 支付 ¥80000.00
    page.get_by_role("button", name="支付 ¥80000.00").click()

    # then the sandbox's pay page shows the order
    expect(page).to_have_url(re.compile(r"/api/v1/payments/sandbox/CP\w+\?"))
    expect(page.locator(".cashier .amount")).to_have_text("¥80000.00")

    # when the dealer pays there
    page.get_by_role("button", name="付款").click()

    # then they are back on the deal, which shows it paid, with the handover, once the notification has arrived
    expect(page).to_have_url(re.compile(rf"/consignment/deals/{deal.pk}/\?payment=\d+"))
    expect(page.locator(".deal-status")).to_have_text("已付款，待交接", timeout=30_000)
    expect(page.locator("[data-waiting]")).to_have_count(0)
    expect(page.locator(".handover-store")).to_have_text(deal.listing.report.store.name)
    expect(page.locator(".seller-name")).to_have_text("张*")
    expect(page.get_by_role("button", name=re.compile("支付"))).to_have_count(0)
    _shoot(page, "dealer-deal-paid")
    deal.refresh_from_db()
    payment = Payment.objects.get(purpose="consignment_deal")
    assert (deal.status, payment.status, payment.amount) == (DealStatus.PAID, "succeeded", Decimal("80000.00"))
    assert deal.handover_booking is not None
    assert [run.state for run in celery_worker.ran("payments.tasks.sandbox_notify_deliver_task")] == ["SUCCESS"]


def test_the_seller_reads_the_deal_once_handed_over(live_server, page):
    deal = deal_awaiting_payment()
    pay_deal(deal)
    complete_handover(deal)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/consignment/deals/{deal.pk}/")
    _sign_in(page, deal.seller, ".deal")

    expect(page.locator(".deal-status")).to_have_text("已交接")
    expect(page.locator(".net")).to_have_text("¥77600.00")
    expect(page.locator(".dealer-company")).to_have_text("沪上二手车行")
    expect(page.locator(".duration")).to_contain_text("从检测到交接共")
    expect(page.locator(".timeline-list li")).to_have_count(4)
    _shoot(page, "seller-deal-handed-over")


def test_qa_resolves_a_claim_in_the_console(live_server, page):
    # given a handed-over deal and the dealer's claim
    deal = deal_awaiting_payment()
    pay_deal(deal)
    complete_handover(deal)
    claim = claim_file(deal_id=deal.pk, user=deal.dealer.user, description="右后翼子板有钣金修复痕迹，报告未注明")
    qa = UserFactory(roles=["qa"], name="质检员赵")
    page.set_viewport_size(PHONE)

    # when QA opens the claims in the console
    page.goto(f"{live_server.url}/qa/claims/")
    _sign_in(page, qa, "nav.console-nav")
    expect(page.get_by_role("heading", level=1)).to_have_text("车商异议")
    expect(page.locator(".per-inspector")).to_contain_text("检测员李")
    _shoot(page, "qa-claims")
    page.locator(f'tr[data-claim-id="{claim.pk}"] a').first.click()
    expect(page.locator(".claim-description")).to_contain_text("钣金修复痕迹")
    _shoot(page, "qa-claim-open")

    # and adjusts the price by ¥3,000.00 with a note
    page.get_by_label("价格调整").check()
    page.get_by_label("退还车商金额（元，仅调价时填写）").fill("3000.00")
    page.get_by_label("说明（卖家和车商可见）").fill("确有钣金未披露，补偿修复费用")
    page.get_by_role("button", name="裁定异议").click()

    # then the claim shows its resolution, and the dealer has ¥3,000.00 coming back
    expect(page.locator(".resolution")).to_contain_text("确有钣金未披露，补偿修复费用")
    expect(page.locator(".claim-status")).to_have_text("价格调整")
    expect(page.locator(".net")).to_have_text("¥74600.00")
    _shoot(page, "qa-claim-resolved")
    claim.refresh_from_db()
    assert (claim.status, claim.adjustment) == (ClaimStatus.ADJUSTED, Decimal("3000.00"))
    assert Refund.objects.get(payment__purpose="consignment_deal").amount == Decimal("3000.00")
