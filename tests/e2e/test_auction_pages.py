"""The dealer auction in a real browser: a dealer signs in on an auction's page, bids, and sees the price follow a
rival's bid without reloading (the page polls with If-None-Match); the seller starts an auction from the estimate
form and lands on their auction's page. Screenshots at phone and desktop sizes go to CHEFU_SCREENSHOTS when set."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consignment.auctions import services
from consignment.models import Auction, Bid
from tests.consignment.factories import make_dealer, past_deal, published_listing
from tests.e2e.booking_fixtures import AUTH
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def _sign_in(page, user) -> None:
    """The sign-in box of a consignment page: once signed in, the page reloads into what it shows."""
    page.fill(f"{AUTH} input[name=phone]", user.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_dealer_bids_and_sees_the_price_follow_a_rival(live_server, page, tmp_path, size):
    # given: an open auction with a rival's opening bid, and a verified dealer with a deposit
    listing = published_listing(make="丰田", model="凯美瑞", year=2020, mileage_km=38_000)
    auction = services.auction_start(listing_id=listing.pk, seller=listing.seller, reserve_price=Decimal("120000.00"))
    rival = make_dealer(company="浦东好车行")
    services.bid_place(auction_id=auction.pk, user=rival.user, amount=Decimal("100000.00"))
    dealer = make_dealer(user=UserFactory(roles=["owner"], name="王经理"), company="诚信二手车")
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)

    # when: the dealer signs in on the auction's page and bids 101,000 with a maximum of 110,000
    page.goto(f"{live_server.url}/consignment/auctions/{auction.pk}/")
    _sign_in(page, dealer.user)
    form = page.locator("#bid-form")
    expect(form).to_be_visible()
    expect(page.locator('[data-field="highest_bid"]')).to_have_text("¥100000.00")
    expect(page.locator(".report")).to_contain_text("检测报告")
    expect(form.locator("input[name=amount]")).to_have_value("100500.00")
    form.locator("input[name=amount]").fill("101000")
    form.locator("input[name=max_amount]").fill("110000")
    form.get_by_role("button", name="出价").click()

    # then: the bid is taken, the dealer leads
    expect(form.locator(".bid-message")).to_contain_text("出价成功")
    expect(page.locator('[data-field="standing"]')).to_have_text("您领先")
    expect(page.locator('[data-field="highest_bid"]')).to_have_text("¥101000.00")
    expect(page.locator('[data-field="my_max"]')).to_have_text("¥110000.00")
    _shot(page, f"dealer-bid-{size}", tmp_path)

    # and when the rival bids 105,000, the page follows on its next poll: the proxy answers at 105,500
    services.bid_place(auction_id=auction.pk, user=rival.user, amount=Decimal("105000.00"))
    expect(page.locator('[data-field="highest_bid"]')).to_have_text("¥105500.00", timeout=8_000)
    expect(page.locator('[data-field="bid_count"]')).to_have_text("4")
    expect(page.locator('[data-field="standing"]')).to_have_text("您领先")
    # and when the rival outbids the maximum, the dealer sees it
    services.bid_place(auction_id=auction.pk, user=rival.user, amount=Decimal("111000.00"))
    expect(page.locator('[data-field="standing"]')).to_have_text("已被超过", timeout=8_000)
    expect(form.locator("input[name=amount]")).to_have_value("111500.00")
    expect(page.locator('[data-field="countdown"]')).to_have_text(re.compile(r"^\d\d:\d\d$"))
    _shot(page, f"dealer-outbid-{size}", tmp_path)
    assert Bid.objects.filter(auction=auction, dealer=dealer, accepted=True, by_proxy=False).count() == 1
    page_text = page.content()
    assert "120000" not in page_text and listing.seller.name not in page_text


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_seller_starts_an_auction_from_the_estimate(live_server, page, tmp_path, size):
    # given: a seller's inspected car and five comparable deals
    seller = UserFactory(roles=["owner"], name="陈女士")
    listing = published_listing(seller=seller)
    for price in ("78000.00", "80000.00", "82000.00", "84000.00", "86000.00"):
        past_deal(price)
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)

    # when: the seller opens the start form, reads the estimate and starts a 30-minute auction
    page.goto(f"{live_server.url}/consignment/listings/{listing.pk}/auction/")
    _sign_in(page, seller)
    expect(page.locator(".estimate-median")).to_have_text("¥82000.00")
    expect(page.locator(".estimate")).to_contain_text("¥79540.00")
    _shot(page, f"seller-start-{size}", tmp_path)
    page.get_by_label("保留价（元）").fill("85000")
    page.get_by_role("button", name="开始竞拍").click()

    # then: the seller's auction page, counting down, with the reserve
    expect(page.locator(".crumbs")).to_have_text("我的竞拍")
    auction = Auction.objects.get(listing=listing)
    assert auction.reserve_price == Decimal("85000.00") and auction.duration_min == 30
    expect(page.locator('[data-field="countdown"]')).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))
    expect(page.locator(".live")).to_contain_text("¥85000.00")
    _shot(page, f"seller-auction-{size}", tmp_path)


def test_qa_verifies_a_dealer_in_the_console(live_server, page, tmp_path):
    qa = UserFactory(roles=["qa"], name="质检员")
    applicant = make_dealer(verified=False, deposit=False, company="嘉定名车汇")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/consignment/qa/dealers/")
    _sign_in(page, qa)
    card = page.locator(f"#dealer-{applicant.pk}")
    expect(card).to_contain_text("嘉定名车汇")
    _shot(page, "qa-dealers-desktop", tmp_path)
    card.get_by_role("button", name="认证通过").click()
    expect(page.locator(f"#dealer-{applicant.pk}")).to_have_count(0)
    applicant.refresh_from_db()
    assert applicant.status == "verified"
