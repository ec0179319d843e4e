"""Reviews in a real browser: an owner reviews a completed booking on 我的预约, and the store page shows reviews."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from reviews import services
from reviews.models import DIMENSIONS, Review, ReviewStatus
from tests.bookings.conftest import make_shop
from tests.e2e.booking_fixtures import RATING_LABELS, sign_in
from tests.factories import UserFactory
from tests.reviews.conftest import RATINGS, done_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_owner_reviews_a_completed_booking_and_the_store_page_shows_it(live_server, page):
    # given an owner's completed, paid booking at a store nobody has reviewed yet
    store = make_shop(name="漕溪路保养店")
    owner = UserFactory(roles=["owner"], name="张三")
    booking = done_booking(store, owner=owner)

    # when the owner presses 评价 on 我的预约, gives stars (5, 4, 5, 4, 4), picks a tag, writes and adds a photo
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)
    item = page.locator(f'li.booking-item[data-booking-id="{booking.pk}"]')
    item.get_by_role("button", name="评价", exact=True).click()
    for dimension, stars in RATINGS.items():
        item.get_by_role("radiogroup", name=RATING_LABELS[dimension]).get_by_role("radio", name=f"{stars} 星").check()
    item.get_by_role("checkbox", name="价格与报价一致").check()
    item.get_by_label("评价内容（选填）").fill("师傅很专业，报价透明。")
    item.locator("input[type=file]").set_input_files([{"name": "car.png", "mimeType": "image/png", "buffer": _png()}])
    item.get_by_role("button", name="提交评价").click()

    # then the card shows the review with its photo, still open to 修改 and 追评, and it is stored as written
    expect(item.locator(".review-message")).to_have_text("评价已提交，感谢您的反馈。")
    expect(item.locator(".review .review-overall")).to_have_text("4.4")
    expect(item.locator(".review .review-photos img")).to_have_count(1)
    expect(item.get_by_role("button", name="修改")).to_be_visible()
    expect(item.get_by_role("button", name="追评")).to_be_visible()
    expect(item.get_by_role("button", name="评价", exact=True)).to_have_count(0)
    review = Review.objects.get(booking=booking)
    assert (review.ratings, review.tags, review.text) == (RATINGS, ["fair_price"], "师傅很专业，报价透明。")
    assert (review.status, review.photos.count()) == (ReviewStatus.PUBLISHED, 1)

    # and the store page shows the store's rating and count, the means and stars, and the review
    page.goto(f"{live_server.url}/stores/{store.pk}/")
    reviews = page.locator("#reviews")
    expect(reviews.locator(".review-rating")).to_have_text("4.4 分")
    expect(reviews.locator(".review-count")).to_have_text("1 条评价")
    expect(reviews.locator('.review-means [data-dimension="attitude"] dt')).to_have_text("服务态度")
    expect(reviews.locator('.review-means [data-dimension="attitude"] .num')).to_have_text("4.0")
    expect(reviews.locator('.review-distribution [data-stars="4"] .num')).to_have_text("1")
    expect(reviews.locator(".review")).to_have_count(1)
    shown = reviews.locator(".review")
    expect(shown.locator(".review-author")).to_have_text("张*")
    expect(shown.locator(".review-tags")).to_have_text("价格与报价一致")
    expect(shown.locator(".review-body")).to_have_text("师傅很专业，报价透明。")
    expect(shown.locator(".review-photos img")).to_have_count(1)
    expect(reviews.locator(".review-hidden")).to_have_count(0)


def _review(store, stars: int, text: str, hour: int) -> Review:
    booking = done_booking(store, hour=hour)
    return services.review_create(
        booking_id=booking.pk, owner=booking.owner, ratings=dict.fromkeys(DIMENSIONS, stars), text=text
    )


def test_the_store_page_says_how_many_reviews_were_hidden_and_sorts_by_lowest(live_server, page):
    # given three published reviews, written in this order, and a fourth QA hid
    store = make_shop()
    _review(store, 5, "很满意", hour=9)
    _review(store, 2, "等了很久", hour=10)
    _review(store, 4, "还不错", hour=11)
    hidden = _review(store, 1, "与本次服务无关的内容", hour=13)
    services.review_hide(review_id=hidden.pk, by=UserFactory(roles=["owner", "qa"]), reason="与服务无关")

    # when anyone opens the store page
    page.goto(f"{live_server.url}/stores/{store.pk}/")

    # then it says one review was hidden, counts and lists the three others, newest first
    reviews = page.locator("#reviews")
    expect(reviews.locator(".review-hidden")).to_have_text("另有 1 条评价已被平台隐藏。")
    expect(reviews.locator(".review-count")).to_have_text("3 条评价")
    expect(reviews.locator(".review-body")).to_have_text(["还不错", "等了很久", "很满意"])

    # and sorting by 最低分 lists the lowest first
    page.select_option("#review-sort", label="最低分")
    expect(reviews.locator(".review-body")).to_have_text(["等了很久", "还不错", "很满意"])
    expect(reviews.locator(".review-overall")).to_have_text(["2.0", "4.0", "5.0"])
