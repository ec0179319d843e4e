"""The deal pages (the seller's and the dealer's) and QA's claim pages, rendered on the server: who sees what, the
pay button's way to the provider's page and back, the claim form, the resolution form, refusals shown on the page
with nothing written."""

from decimal import Decimal

import pytest
from django.test import Client

from consignment.deals.claims import claim_file
from consignment.models import Claim, ClaimStatus
from payments.models import Payment, Refund
from tests.consignment.deals.conftest import complete_handover, open_deal_payment, pay_deal
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]

DEAL_PAYMENTS = Payment.objects.filter(purpose="consignment_deal")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(deal) -> str:
    return f"/consignment/deals/{deal.pk}/"


def test_a_visitor_gets_the_sign_in_box(deal):
    for url in ("/consignment/deals/", _page(deal)):
        page = Client().get(url)
        assert page.status_code == 200 and b'id="auth"' in page.content, url
        assert "2018 大众 帕萨特" not in page.content.decode()


def test_the_seller_and_the_dealer_see_their_deal_and_nobody_else(deal):
    seller_page = _as(deal.seller).get(_page(deal)).content.decode()
    dealer_page = _as(deal.dealer.user).get(_page(deal)).content.decode()

    assert "2018 大众 帕萨特" in seller_page and "¥80000.00" in seller_page and "¥77600.00" in seller_page
    assert "待车商付款" in seller_page and "您卖出了这辆车" in seller_page
    assert 'value="pay"' not in seller_page  # only the dealer pays
    assert 'value="pay"' in dealer_page and "支付 ¥80000.00" in dealer_page
    assert deal.seller.name not in dealer_page and deal.seller.phone not in dealer_page
    assert _as(UserFactory(roles=["dealer"])).get(_page(deal)).status_code == 404


def test_the_dealers_won_deals_and_the_sellers_sold_ones(deal):
    won = _as(deal.dealer.user).get("/consignment/deals/").content.decode()
    sold = _as(deal.seller).get("/consignment/deals/").content.decode()

    assert "我拍得的车" in won and f'data-deal-id="{deal.pk}"' in won and "我卖出的车" not in won
    assert "我卖出的车" in sold and f'data-deal-id="{deal.pk}"' in sold


def test_the_site_header_leads_dealers_to_their_auctions_and_won_cars_and_qa_to_its_console(deal):
    def header(user) -> str:
        page = (_as(user) if user else Client()).get("/consignment/my/").content.decode()
        return page.split('<header class="site-header">')[1].split("</header>")[0]

    dealer, seller, qa = header(deal.dealer.user), header(deal.seller), header(UserFactory(roles=["qa"]))

    assert 'href="/consignment/auctions/">车商竞拍' in dealer and 'href="/consignment/deals/">我拍得的车' in dealer
    for page in (seller, qa, header(None)):
        assert "/consignment/auctions/" not in page and "/consignment/deals/" not in page
    assert 'href="/qa/">质检控制台' in qa and "/qa/" not in seller and "/qa/" not in dealer
    assert 'href="/consignment/my/">我的寄售车辆' in seller
    # the shop's pages are for the shops' staff (and a visitor who may be one)
    assert (
        "/partner/schedule/" not in seller
        and "/partner/schedule/" not in dealer
        and "/partner/schedule/" in header(None)
    )


def test_the_pay_button_opens_the_payment_and_goes_to_the_providers_page(deal):
    response = _as(deal.dealer.user).post(_page(deal), {"action": "pay"})

    payment = DEAL_PAYMENTS.get()
    assert response.status_code == 302 and response["Location"] == payment.pay_url
    assert "/api/v1/payments/sandbox/" in payment.pay_url
    assert f"%2Fconsignment%2Fdeals%2F%3Fpayment%3D{payment.pk}" in payment.pay_url  # the way back


def test_back_from_the_pay_page_the_deal_waits_for_the_notification_then_shows_paid(deal):
    payment = open_deal_payment(deal)
    dealer = _as(deal.dealer.user)

    back = dealer.get(f"/consignment/deals/?payment={payment.pk}")
    assert back.status_code == 302 and back["Location"] == f"{_page(deal)}?payment={payment.pk}"
    waiting = dealer.get(back["Location"]).content.decode()
    assert "data-waiting" in waiting and 'value="pay"' not in waiting

    from tests.payments.paying import notify

    notify(payment)
    paid = dealer.get(back["Location"]).content.decode()
    assert "data-waiting" not in paid and "已付款，待交接" in paid
    assert "handover-store" in paid and "张*" in paid  # the handover, and the seller's name as the store calls it


def test_the_seller_sees_the_handover_and_the_time_from_inspection_to_handover(deal):
    pay_deal(deal)
    complete_handover(deal)

    page = _as(deal.seller).get(_page(deal)).content.decode()

    minutes = int((deal.handed_over_at - deal.inspection_started_at).total_seconds() // 60)
    assert f"从检测到交接共 {minutes // 60} 小时 {minutes % 60} 分钟" in page
    assert "沪上二手车行" in page and "交接已预约" in page


def test_the_dealer_files_a_claim_from_the_page_and_a_refusal_is_shown(deal):
    pay_deal(deal)
    complete_handover(deal)
    dealer = _as(deal.dealer.user)
    assert "claim-form" in dealer.get(_page(deal)).content.decode()

    refused = dealer.post(_page(deal), {"action": "claim", "description": "   "})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert not Claim.objects.exists()

    filed = dealer.post(_page(deal), {"action": "claim", "description": "右后门曾钣金，报告未注明"})
    assert filed.status_code == 302
    page = dealer.get(_page(deal)).content.decode()
    assert "右后门曾钣金，报告未注明" in page and "claim-form" not in page  # one open claim at a time
    # the seller may not claim
    assert _as(deal.seller).post(_page(deal), {"action": "claim", "description": "x"}).status_code == 200
    assert Claim.objects.count() == 1


# --- QA ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def claim(deal):
    pay_deal(deal)
    complete_handover(deal)
    return claim_file(deal_id=deal.pk, user=deal.dealer.user, description="里程表疑似调校")


def test_qa_finds_claims_in_the_console_and_others_may_not(claim, qa):
    queue = _as(qa).get("/qa/claims/")
    assert queue.status_code == 200
    html = queue.content.decode()
    assert f'data-claim-id="{claim.pk}"' in html and "里程表疑似调校" in html
    assert "检测员李" in html  # the per-inspector table
    assert 'href="/qa/claims/"' in _as(qa).get("/qa/").content.decode()  # the console's navigation
    for user in (claim.deal.seller, claim.dealer.user):
        assert _as(user).get("/qa/claims/").status_code == 403
        assert _as(user).post(f"/qa/claims/{claim.pk}/", {"outcome": "rejected", "note": "x"}).status_code == 403
    assert b'id="auth"' in Client().get("/qa/claims/").content


def test_qa_resolves_a_claim_from_its_page_and_a_refusal_writes_nothing(claim, qa):
    console = _as(qa)
    refused = console.post(f"/qa/claims/{claim.pk}/", {"outcome": "adjusted", "amount": "", "note": "补偿"})
    assert refused.status_code == 200 and "请填写退还给车商的金额" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.OPEN and not Refund.objects.filter(payment__purpose="consignment_deal").exists()

    done = console.post(f"/qa/claims/{claim.pk}/", {"outcome": "adjusted", "amount": "2000.00", "note": "补偿里程差价"})

    assert done.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.adjustment) == (ClaimStatus.ADJUSTED, Decimal("2000.00"))
    page = console.get(f"/qa/claims/{claim.pk}/").content.decode()
    assert "补偿里程差价" in page and "resolve-form" not in page and "¥75600.00" in page
    assert console.get("/qa/claims/999999/").status_code == 404
