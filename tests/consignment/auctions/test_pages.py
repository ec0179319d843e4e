"""The consignment pages, rendered on the server (zh-hans): the dealer's auctions and application, an auction as its
dealer and as its seller see it, the seller's start form with the estimate, and QA's dealer page."""

from decimal import Decimal

import pytest
from django.test import Client

from consignment.auctions import services
from consignment.models import Auction, Dealer, DealerStatus
from tests.consignment.factories import make_dealer, past_deal
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        assert client.login(phone=user.phone, password=PASSWORD)
    return client


def test_a_visitor_gets_the_sign_in_box(auction):
    for url in ("/consignment/auctions/", f"/consignment/auctions/{auction.pk}/", "/consignment/qa/dealers/"):
        page = browser().get(url)
        assert page.status_code == 200 and 'id="auth"' in page.content.decode()


def test_a_user_applies_as_a_dealer_on_the_page():
    user = UserFactory(roles=["owner"])
    client = browser(user)
    assert "申请成为车商" in client.get("/consignment/auctions/").content.decode()
    bad = client.post("/consignment/auctions/", {"company": "诚信车行", "license_no": "123"})
    assert bad.status_code == 200 and "统一社会信用代码" in bad.content.decode() and not Dealer.objects.exists()
    sent = client.post("/consignment/auctions/", {"company": "诚信车行", "license_no": "91310000MA1FL3XX2K"})
    assert sent.status_code == 302
    assert Dealer.objects.get(user=user).status == DealerStatus.APPLIED
    assert "平台质检正在审核" in client.get("/consignment/auctions/").content.decode()


def test_a_dealer_sees_the_open_auctions(auction, dealer):
    page = browser(dealer.user).get("/consignment/auctions/").content.decode()
    assert f'href="/consignment/auctions/{auction.pk}/"' in page
    assert "2019 大众 朗逸" in page and "漕宝路检测中心" in page and "¥1000.00" in page


def test_the_dealer_auction_page_shows_the_report_and_the_bid_form_never_the_reserve(auction, dealer, seller):
    services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("50000.00"))
    page = browser(dealer.user).get(f"/consignment/auctions/{auction.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="bid-form"' in html and 'value="50500.00"' in html and "¥50000.00" in html
    assert "检测报告" in html and "左前门" in html and "门漆面有划痕" in html
    assert "您领先" in html
    for secret in ("80000", seller.name, seller.phone, "沪A12345"):
        assert secret not in html, secret
    assert '"etag": "W/\\"2-d' in html  # the poller starts from the page's version


def test_someone_else_is_refused_the_auction_page(auction):
    page = browser(UserFactory(roles=["owner"])).get(f"/consignment/auctions/{auction.pk}/")
    assert page.status_code == 403
    assert browser(UserFactory()).get("/consignment/auctions/999999/").status_code == 404


def test_the_seller_accepts_below_the_reserve_on_the_page(auction, seller, dealer):
    services.bid_place(auction_id=auction.pk, user=dealer.user, amount=Decimal("70000.00"))
    ends = Auction.objects.get(pk=auction.pk).ends_at
    services.auction_close(auction_id=auction.pk, now=ends)
    client = browser(seller)
    html = client.get(f"/consignment/auctions/{auction.pk}/").content.decode()
    assert "¥80000.00" in html and "最高出价低于您的保留价" in html
    assert dealer.company not in html
    assert client.post(f"/consignment/auctions/{auction.pk}/", {"decision": "accept"}).status_code == 302
    html = client.get(f"/consignment/auctions/{auction.pk}/").content.decode()
    assert ("已成交" in html or "已售出" in html) and "¥67900.00" in html


def test_the_start_page_shows_the_estimate_and_starts_the_auction(listing, seller):
    for price in ("78000.00", "80000.00", "82000.00", "84000.00", "86000.00"):
        past_deal(price)
    client = browser(seller)
    html = client.get(f"/consignment/listings/{listing.pk}/auction/").content.decode()
    assert "¥82000.00" in html and "¥79540.00" in html  # the median, and the net at it
    bad = client.post(f"/consignment/listings/{listing.pk}/auction/", {"reserve_price": "-1", "duration_min": "30"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    assert not Auction.objects.filter(listing=listing).exists()
    form = {"reserve_price": "85,000", "duration_min": "45"}
    started = client.post(f"/consignment/listings/{listing.pk}/auction/", form)
    auction = Auction.objects.get(listing=listing)
    assert started["Location"] == f"/consignment/auctions/{auction.pk}/"
    assert (auction.reserve_price, auction.duration_min) == (Decimal("85000.00"), 45)
    assert browser(UserFactory()).get(f"/consignment/listings/{listing.pk}/auction/").status_code == 404


def test_qa_verifies_a_dealer_in_the_console(qa_user):
    dealer = make_dealer(verified=False, deposit=False)
    client = browser(qa_user)
    html = client.get("/consignment/qa/dealers/").content.decode()
    assert dealer.company in html and dealer.license_no in html and 'nav class="console-nav"' in html
    missing = client.post("/consignment/qa/dealers/", {"dealer_id": dealer.pk, "action": "reject", "reason": ""})
    assert missing.status_code == 200 and Dealer.objects.get(pk=dealer.pk).status == "applied"
    done = client.post("/consignment/qa/dealers/", {"dealer_id": dealer.pk, "action": "verify", "reason": "齐全"})
    assert done.status_code == 302 and Dealer.objects.get(pk=dealer.pk).status == "verified"
    assert browser(UserFactory()).get("/consignment/qa/dealers/").status_code == 403
