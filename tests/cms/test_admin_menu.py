"""The back office for platform admins: the menu by task (content site, operations) and the admin in Chinese."""

from decimal import Decimal

import pytest
from django.test import RequestFactory
from wagtail.admin.menu import admin_menu
from wagtail.models import Page

from catalog.models import ReferencePrice
from demo.content import demo_content_load
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _menu(user) -> dict:
    """The admin menu as {submenu label: {item label: url}} for ``user``."""
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        str(item.label): {str(child.label): child.url for child in item.menu.menu_items_for_request(request)}
        for item in admin_menu.menu_items_for_request(request)
        if hasattr(item, "menu")
    }


def test_the_menu_has_the_content_site_and_operations(admin_client, admin_user):
    demo_content_load()

    assert admin_client.get("/admin/").status_code == 200
    menu = _menu(admin_user)

    assert list(menu["内容网站"]) == ["服务指南", "优惠活动", "常见问题", "新闻动态", "门店标准"]
    assert menu["运营"]["优惠券"] == "/django-admin/payments/coupon/"
    assert menu["运营"]["质检跟进"] == "/django-admin/reviews/qafollowup/"
    assert menu["运营"]["质检控制台"] == "/qa/"


def test_the_menu_leaves_out_content_sections_that_do_not_exist(admin_user):
    assert list(_menu(admin_user)["内容网站"]) == ["门店标准"]


def test_staff_who_are_not_platform_admins_do_not_get_the_task_menus():
    qa = UserFactory(roles=["qa"])

    assert "运营" not in _menu(qa) and "内容网站" not in _menu(qa)


def test_the_django_admin_names_reference_prices_and_follow_ups_in_chinese(admin_client):
    html = admin_client.get("/django-admin/").content.decode()

    assert "参考价" in html and "质检跟进" in html and "屏蔽词" in html
    assert "Reference prices" not in html and "Qa follow ups" not in html

    ReferencePrice.objects.create(
        service_id="minor_service", city="上海", p25=Decimal(300), median=Decimal(360), p75=Decimal(420), sample_size=9
    )
    prices = admin_client.get("/django-admin/catalog/referenceprice/").content.decode()
    for header in ("标准服务", "下四分位价", "中位价", "上四分位价", "样本门店数", "计算时间"):
        assert header in prices


@pytest.mark.parametrize("slug", ["promotions", "faq", "guides", "minor-service", "chefu-shanghai-launch"])
def test_editors_open_the_content_pages_in_the_back_office(admin_client, slug):
    demo_content_load()
    page = Page.objects.get(slug=slug)

    response = admin_client.get(f"/admin/pages/{page.id}/edit/")

    assert response.status_code == 200
