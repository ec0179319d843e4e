"""The back office in Chinese: every screen platform admins open in the Django admin (/django-admin/) and the
Wagtail admin (/admin/) answers, and names its models, columns, fields, filters, fieldsets and actions in Chinese;
in English it still speaks English."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import RequestFactory
from django.urls import reverse
from django.utils.timezone import now
from wagtail.admin.menu import admin_menu
from wagtail.users.models import UserProfile

from payments.models import Coupon, CouponKind
from tests.factories import StoreFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# Words that stay as they are in a Chinese UI: the brand, the frameworks naming themselves, an acronym.
ALLOWED_WORDS = {
    "Chefu",  # the brand (WAGTAIL_SITE_NAME "车服 Chefu")
    "Django",  # Django's own zh_Hans title: "Django 站点管理员"
    "Wagtail",  # Wagtail's own page titles end in "- Wagtail"
    "AMQP",  # django_celery_beat's own zh_Hans label "AMQP消息头"
}
# Labels upstream does not mark for translation (a field without verbose_name, a plain-string verbose_name, a
# listing column without a label): gettext cannot reach them, and they are on screens platform admins seldom use.
UPSTREAM_UNTRANSLATABLE = {
    # wagtailimages.Image's focal point fields (Django admin /django-admin/wagtailimages/image/)
    "Focal point x:",
    "Focal point y:",
    "Focal point width:",
    "Focal point height:",
    # django_celery_beat: PeriodicTask.name (verbose_name="Task Name") and its read-only helpers
    "Task Name",
    "以 Task Name",
    "Crontab translation:",
    "Human readable:",
    # Wagtail's sites listing: Column("port"), Column("site_name"), Column("root_page")
    "Port",
    "Site name",
    "Root page",
    # tests/kinds_app's service kind, registered only under the test settings (a filter choice on services)
    "Inspection (demo)",
}
# Rows Wagtail's own migrations create: the root page's title and the default groups' names.
UPSTREAM_DATA = {"Root", "Editors", "Moderators"}


class _Headings(HTMLParser):
    """Text of the elements that name things: title, headings, column headers (not the rows' first cells, which
    are data), labels, captions (app names), filter titles (<summary>) and choices (links under the Django
    admin's filters), and the actions' options."""

    NAMING = {"title", "h1", "h2", "h3", "th", "label", "caption", "summary"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, names something, is the filter sidebar)
        self.texts: list[str] = []
        self._buffer: list[list[str]] = []
        self._in_action_select = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("name") == "action":
            self._in_action_select = True
        if tag in ("br", "img", "input", "meta", "link", "hr", "source"):
            return
        filters = attrs.get("id") == "changelist-filter"
        in_filters = filters or any(sidebar for _, _, sidebar in self.stack)
        naming = tag in self.NAMING or (tag == "option" and self._in_action_select) or (tag == "a" and in_filters)
        if tag == "th" and any(c.startswith("field-") for c in (attrs.get("class") or "").split()):
            naming = False  # a changelist row's first cell: the object's value
        self.stack.append((tag, naming, filters))
        if naming:
            self._buffer.append([])

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_action_select = False
        while self.stack:
            open_tag, naming, _ = self.stack.pop()
            if naming:
                text = " ".join("".join(self._buffer.pop()).split())
                if text:
                    self.texts.append(text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        for chunk in self._buffer:
            chunk.append(data)


def _english(html: str, data: str = "") -> list[str]:
    """The naming texts with an English word in them, leaving out ``data`` (the object a change page shows)."""
    parser = _Headings()
    parser.feed(html)
    english = []
    for text in parser.texts:
        if text in UPSTREAM_UNTRANSLATABLE:
            continue
        words = ENGLISH_WORD.findall(text.replace(data, "") if data else text)
        if any(word not in ALLOWED_WORDS and word not in UPSTREAM_DATA for word in words):
            english.append(text)
    return english


@pytest.fixture
def superuser(db):
    user = UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "zh-hans"
    profile.save()
    return user


@pytest.fixture
def zh_client(client, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.fixture
def some_rows(superuser):
    """Rows to open change pages on (catalog reference data comes with the migrations)."""
    VehicleFactory(owner=superuser)
    StoreFactory()
    Coupon.objects.create(
        code="WELCOME10",
        name="新人立减",
        kind=CouponKind.AMOUNT,
        value=Decimal(10),
        valid_from=now(),
        valid_until=now() + dt.timedelta(days=30),
        budget=Decimal(1000),
    )


def _django_admin_pages(user) -> dict[str, str]:
    """{url: the object it shows ("" for lists and forms)} for the index, each app, and each model's pages."""
    request = RequestFactory().get("/django-admin/")
    request.user = user
    urls = {"/django-admin/": ""}
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls[f"/django-admin/{opts.app_label}/"] = ""
        urls[reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")] = ""
        if model_admin.has_add_permission(request):
            urls[reverse(f"admin:{opts.app_label}_{opts.model_name}_add")] = ""
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls[reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(row.pk)])] = str(row)
    return urls


def _wagtail_pages(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = ["/admin/"]

    def walk(items):
        for item in items:
            if hasattr(item, "menu"):
                walk(item.menu.menu_items_for_request(request))
            elif str(item.url).startswith("/admin/"):
                urls.append(str(item.url))

    walk(admin_menu.menu_items_for_request(request))
    # Each catalog screen's add form, beside its listing from the menu.
    urls += [url + "new/" for url in urls if url.startswith("/admin/catalog/") and "reference-prices" not in url]
    return list(dict.fromkeys(urls))


def test_the_django_admin_speaks_chinese(zh_client, superuser, some_rows):
    pages = _django_admin_pages(superuser)
    assert len(pages) > 40

    english, failed = {}, {}
    for url, shown in pages.items():
        response = zh_client.get(url)
        if response.status_code != 200:
            failed[url] = response.status_code
            continue
        if found := _english(response.content.decode(), shown):
            english[url] = found

    assert failed == {}
    assert english == {}


def test_the_wagtail_admin_speaks_chinese(zh_client, superuser):
    pages = _wagtail_pages(superuser)
    assert "/admin/catalog/reference-prices/" in pages and "/admin/catalog/services/new/" in pages

    english, failed = {}, {}
    for url in pages:
        response = zh_client.get(url)
        if response.status_code != 200:
            failed[url] = response.status_code
            continue
        if found := _english(response.content.decode()):
            english[url] = found

    assert failed == {}
    assert english == {}


def test_the_admins_still_speak_english_in_english(client, superuser):
    UserProfile.objects.filter(user=superuser).update(preferred_language="en")
    client.force_login(superuser)
    client.cookies["django_language"] = "en"

    index = client.get("/django-admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    prices = client.get("/admin/catalog/reference-prices/").content.decode()

    assert "Reference prices" in index and "参考价" not in index
    assert "Reference prices" in prices
