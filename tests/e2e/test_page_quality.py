"""The main pages as a browser sees them (issue 15, item 7): on a 390 px phone nothing scrolls sideways; axe-core
finds no serious or critical accessibility violation; the console shows no error; each page's own JavaScript stays
under 150 KB as sent (gzip, as whitenoise serves it: the map page's Leaflet alone is 148 KB uncompressed). axe-core
is vendored for the tests only (``tests/e2e/vendor``, from npm with its licence) and run in the page through
Playwright, never served to users."""

import gzip
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from bookings.models import BookingStatus
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import make_booking, staff_of
from tests.factories import UserFactory, VehicleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.3" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
JS_BUDGET = 150 * 1024
# What axe reports that a page must not have.
BLOCKING = ("serious", "critical")


def _signed_in(page, live_server, user) -> None:
    """Give the browser a session for ``user`` (the sign-in box is tested on its own: tests/e2e/test_sign_in.py)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ThrottledPhoneBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    page.context.add_cookies([{"name": "sessionid", "value": session.session_key, "url": live_server.url}])


def _check(page, url: str) -> dict:
    """Open ``url`` at phone then desktop size; what went wrong on it, by kind (empty lists when nothing did)."""
    errors, scripts = [], {}
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def script(response):
        if response.request.resource_type == "script" and response.url.startswith(url.split("/", 3)[0] + "//"):
            # Counted as sent: whitenoise serves every static file gzip-compressed (compressed here alike).
            scripts[response.url] = len(gzip.compress(response.body()))

    page.on("response", script)
    found = {"scroll": [], "axe": [], "console": errors, "js_bytes": 0}
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if size is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                found["scroll"].append(width)
        page.evaluate(AXE.read_text())
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found["axe"] += [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in result["violations"]
            if v["impact"] in BLOCKING
        ]
    found["js_bytes"] = sum(scripts.values())
    return found


def _assert_good(found: dict, url: str) -> None:
    assert not found["scroll"], f"{url} scrolls sideways at 390 px: {found['scroll']}"
    assert not found["axe"], f"{url}: {found['axe']}"
    assert not found["console"], f"{url} logs errors: {found['console']}"
    assert found["js_bytes"] <= JS_BUDGET, f"{url} loads {found['js_bytes']} bytes of JS"


def test_the_public_pages(live_server, page):
    store = make_shop()
    for path in ("/", f"/stores/{store.pk}/", reverse("cms:signin"), reverse("cms:signup"), "/standards/"):
        url = f"{live_server.url}{path}"
        _assert_good(_check(page, url), url)


def test_the_owners_pages(live_server, page):
    store = make_shop()
    owner = UserFactory(roles=["owner"], name="张伟")
    car = VehicleFactory(owner=owner, plate="沪A12345", make="大众", model="朗逸", year=2019)
    booking = make_booking(owner=owner, store=store, vehicle=car, status=BookingStatus.CONFIRMED)
    _signed_in(page, live_server, owner)
    for path in (
        reverse("cms:my_bookings"),
        reverse("cms:owner_booking", args=[booking.pk]),
        reverse("cms:my_vehicles"),
        reverse("cms:inbox"),
        reverse("consignment:my_listings"),
        reverse("cms:partner_apply"),
        f"/stores/{store.pk}/",
    ):
        url = f"{live_server.url}{path}"
        _assert_good(_check(page, url), url)


def test_the_shops_pages(live_server, page):
    store = make_shop()
    make_booking(store=store, status=BookingStatus.CONFIRMED)
    _signed_in(page, live_server, staff_of(store, role="manager"))
    for name in ("partner_schedule", "partner_prices", "partner_settings", "partner_settlements", "partner_reviews"):
        url = f"{live_server.url}{reverse(f'cms:{name}')}"
        _assert_good(_check(page, url), url)


def test_the_content_pages(live_server, page):
    from demo.content import demo_content_load

    demo_content_load()
    for path in ("/guides/", "/guides/minor-service/", "/faq/", "/news/", "/promotions/", "/search/?q=保养"):
        url = f"{live_server.url}{path}"
        _assert_good(_check(page, url), url)


def test_the_dealers_and_qas_pages(live_server, page):
    from tests.consignment.deals.conftest import verified_dealer

    dealer = verified_dealer()
    _signed_in(page, live_server, dealer.user)
    for path in (reverse("consignment:auctions"), reverse("consignment:deals")):
        url = f"{live_server.url}{path}"
        _assert_good(_check(page, url), url)
    page.context.clear_cookies()
    _signed_in(page, live_server, UserFactory(roles=["qa"]))
    for path in ("/qa/", reverse("consignment:qa_dealers"), "/qa/claims/"):
        url = f"{live_server.url}{path}"
        _assert_good(_check(page, url), url)
