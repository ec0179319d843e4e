"""The content site: service guides with the live checklist and city bands, FAQ, news, promotions tied to listed
coupons, the site search (Chinese words), the sitemap and the meta tags."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ReferencePrice, Service, ServiceChecklistItem
from cms.content import cjk_query, cjk_terms
from cms.models import PromotionsPage, ServiceGuidePage
from demo.content import demo_content_load
from demo.payments import demo_coupons_load
from payments.models import Coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    demo_coupons_load()
    return demo_content_load()


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/guides/", "服务指南"),
        ("/guides/minor-service/", "小保养"),
        ("/faq/", "常见问题"),
        ("/news/", "新闻动态"),
        ("/news/chefu-shanghai-launch/", "车服在上海上线"),
        ("/promotions/", "优惠活动"),
        ("/search/?q=保养", "搜索"),
    ],
)
def test_each_content_page_renders_in_chinese(client, site, url, text):
    html = _html(client, url)

    assert text in html
    assert 'lang="zh-hans"' in html


def test_the_demo_writes_the_guides_and_articles_once(site):
    again = demo_content_load()

    assert site.guides == again.guides == 8
    assert site.articles == again.articles == 3
    assert again.created == 0
    assert ServiceGuidePage.objects.count() == 8


def test_a_guide_shows_the_live_checklist(client, site):
    service = Service.objects.get(code="minor_service")
    first = service.checklist_items.order_by("position").first()
    assert first.label_zh in _html(client, "/guides/minor-service/")

    # when the platform edits the checklist in the catalogue
    ServiceChecklistItem.objects.create(
        service=service, code="wiper-check", label_zh="检查雨刮", label_en="Wipers", position=99
    )

    # then the guide lists the new item at once
    assert "检查雨刮" in _html(client, "/guides/minor-service/")


def test_a_guide_shows_the_live_city_band(client, site):
    service = Service.objects.get(code="minor_service")
    assert "暂无合作门店提供此服务" in _html(client, "/guides/minor-service/")

    band = ReferencePrice.objects.create(
        service=service, city="上海", p25=Decimal("300"), median=Decimal("360"), p75=Decimal("420"), sample_size=40
    )
    html = _html(client, "/guides/minor-service/")
    assert "¥300 – ¥420" in html
    assert "¥360" in html

    # when the band is recomputed from new prices
    band.p25, band.median, band.p75 = Decimal("310.50"), Decimal("365"), Decimal("455")
    band.save()

    html = _html(client, "/guides/minor-service/")
    assert "¥310.50 – ¥455" in html
    assert "¥300 – ¥420" not in html


def test_the_guide_index_lists_the_guides(client, site):
    html = _html(client, "/guides/")

    for slug in ("minor-service", "major-service", "brake-pads"):
        assert f'href="/guides/{slug}/"' in html


def test_the_promotions_page_shows_only_listed_coupons_with_their_live_terms(client, site):
    page = PromotionsPage.objects.get()
    page.promotions = [
        *({"type": "promotion", "value": block.get_prep_value()["value"]} for block in page.promotions),
        {"type": "promotion", "value": {"coupon": "CHEFU888", "headline": "车主节", "text": ""}},
    ]
    page.save_revision().publish()

    html = _html(client, "/promotions/")
    assert "XINKE30" in html and "BAOYANG15" in html
    assert "CHEFU888" not in html  # not listed at checkout
    assert "满 ¥199 可用" in html

    # when the coupon's terms change, the page says so; when it is unlisted it goes
    Coupon.objects.filter(code="XINKE30").update(min_spend=Decimal("259"))
    Coupon.objects.filter(code="BAOYANG15").update(listed=False)

    html = _html(client, "/promotions/")
    assert "满 ¥259 可用" in html
    assert "BAOYANG15" not in html


def test_an_expired_coupon_is_not_promoted(client, site):
    Coupon.objects.filter(code="XINKE30").update(valid_until=timezone.now() - dt.timedelta(minutes=1))

    assert "XINKE30" not in _html(client, "/promotions/")


def test_chinese_is_indexed_by_characters_and_pairs():
    assert cjk_terms("小保养（机油）") == "小 保 养 小保 保养 机 油 机油"
    assert cjk_query("机油滤 oil") == "机油 油滤 oil"
    assert cjk_query("刹") == "刹"


@pytest.mark.parametrize(
    ("query", "slug"), [("机滤", "minor-service"), ("刹车片", "brake-pads"), ("蒸发箱", "ac-service")]
)
def test_search_finds_a_guide_by_a_chinese_word(client, site, query, slug):
    html = _html(client, f"/search/?q={query}")

    assert f'href="/guides/{slug}/"' in html


def test_search_finds_nothing_for_an_unknown_word(client, site):
    html = _html(client, "/search/?q=潜水艇")

    assert "0 条结果" in html or "0 result" in html
    assert "/guides/" not in re.sub(r"<footer.*</footer>", "", html, flags=re.S)


def test_the_sitemap_lists_the_pages(client, site):
    xml = _html(client, "/sitemap.xml")

    for path in (
        "/guides/",
        "/guides/minor-service/",
        "/faq/",
        "/news/chefu-shanghai-launch/",
        "/promotions/",
        "/standards/",
    ):
        assert f"{path}</loc>" in xml


def test_meta_tags_describe_the_page(client, site):
    html = _html(client, "/guides/minor-service/")

    assert '<meta name="description" content="每 5000–10000 公里一次' in html
    assert '<meta property="og:title" content="小保养（机油+机滤）">' in html
    assert '<meta property="og:type" content="website">' in html
    assert re.search(r'<meta property="og:url" content="http://[^"]+/guides/minor-service/">', html)
    assert '<meta property="og:locale" content="zh_CN">' in html

    article = _html(client, "/news/chefu-shanghai-launch/")
    assert '<meta property="og:type" content="article">' in article


def test_pages_outside_the_tree_get_default_meta_tags(client, site):
    html = _html(client, "/search/")

    assert '<meta name="description" content="' in html
    assert '<meta property="og:title" content="车服 Chefu">' in html


def test_the_footer_links_the_content_pages(client, site):
    html = _html(client, "/")

    for path in ("/guides/", "/promotions/", "/faq/", "/news/", "/search/"):
        assert f'href="{path}"' in html
