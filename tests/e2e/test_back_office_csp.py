"""The back office and the API docs keep working under their looser Content-Security-Policy (chefu/csp.py): the page
fixture fails the test on any refusal the browser reports."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Page

from accounts.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE, PASSWORD = "13800000000", "chefu-demo-2026"


def test_an_admin_edits_a_page_and_opens_django_admin(live_server, page):
    user_create(phone=PHONE, password=PASSWORD, name="管理员", roles=["admin"])
    home = Page.objects.get(depth=2)

    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", PHONE)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")

    # Wagtail's editor is the most script-heavy screen: its form is built by scripts
    page.goto(f"{live_server.url}/admin/pages/{home.pk}/edit/")
    expect(page.locator("form#page-edit-form input[name=title]")).to_have_value(home.title)
    page.wait_for_load_state("networkidle")

    # the same session opens Django's admin
    page.goto(live_server.url + "/django-admin/")
    expect(page.locator("#site-name")).to_be_visible()


def test_the_api_docs_render(live_server, page):
    page.goto(live_server.url + "/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chefu API")
    page.wait_for_load_state("networkidle")
