"""The store's reviews in the browser: its staff reply publicly once (the reply then shows under the review) and
report another review to QA; a second report of it while the first is open is refused on the page (409)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews.models import Reply, ReviewReport
from reviews.services import review_create
from tests.bookings.floor_fixtures import staff_of
from tests.e2e.booking_fixtures import sign_in
from tests.reviews.conftest import RATINGS, done_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


def test_staff_reply_to_a_review_and_report_another(live_server, page, tmp_path):
    first = done_booking(days=2, hour=9)
    store = first.store
    second = done_booking(store, days=2, hour=10)
    kind = review_create(booking_id=first.pk, owner=first.owner, ratings=RATINGS, text="师傅很细心，价格透明")
    rude = review_create(booking_id=second.pk, owner=second.owner, ratings={**RATINGS, "quality": 1}, text="一般")
    advisor = staff_of(store, role="advisor", name="陈顾问")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/partner/reviews/")
    sign_in(page, advisor)

    card = page.locator(f'li.shop-review[data-review-id="{kind.pk}"]')
    expect(card).to_contain_text("师傅很细心")
    card.locator("button.reply-open").click()
    card.locator(".review-reply textarea").fill("感谢您的认可，欢迎再来！")
    _shot(page, "reviews-1-reply-phone", tmp_path)
    card.locator(".review-reply button[type=submit]").click()
    card = page.locator(f'li.shop-review[data-review-id="{kind.pk}"]')
    expect(card.locator(".review-actions-message")).to_have_text("回复已发布。")
    expect(card).to_contain_text("感谢您的认可")
    expect(card.locator("button.reply-open")).to_have_count(0)
    assert Reply.objects.get(review=kind).text == "感谢您的认可，欢迎再来！"

    other = page.locator(f'li.shop-review[data-review-id="{rude.pk}"]')
    other.locator("button.report-open").click()
    other.locator(".review-report textarea").fill("与实际服务不符")
    other.locator(".review-report button[type=submit]").click()
    expect(other).to_contain_text("已举报")
    assert ReviewReport.objects.filter(review=rude).count() == 1

    other.locator("button.report-open").click()
    other.locator(".review-report textarea").fill("再次举报")
    other.locator(".review-report button[type=submit]").click()
    expect(other.locator(".review-report .form-message")).not_to_be_empty()
    assert ReviewReport.objects.filter(review=rude).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "reviews-2-reported-phone", tmp_path)
