"""Helpers for the browser tests of the booking pages: people with known passwords, signing in on a page, a photo
the shop takes, and screenshots of a page on a phone and a desktop."""

import os
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from accounts.models import User, Vehicle
from bookings.photos import photo_add
from tests.bookings.floor_fixtures import image_bytes
from tests.factories import PASSWORD, UserFactory, VehicleFactory

# Every page that needs a user mounts the same sign-in box (cms/templates/cms/_signin.html).
AUTH = "#auth"
# Where screenshots go when CHEFU_SCREENSHOTS names a directory (to look at them); else the test's own tmp_path.
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# The review form's rating groups, by dimension (reviews.models.DIMENSIONS, in Chinese).
RATING_LABELS = {
    "quality": "施工质量",
    "attitude": "服务态度",
    "timeliness": "准时程度",
    "price_transparency": "价格透明",
    "environment": "门店环境",
}


def owner_with_car(**kwargs) -> tuple[User, Vehicle]:
    owner = UserFactory(roles=["owner"], **kwargs)
    return owner, VehicleFactory(owner=owner, plate="沪A12345", make="大众", model="朗逸", year=2019)


def sign_in(page: Page, user: User, password: str = PASSWORD) -> None:
    """Sign in through the page's sign-in box and wait until it shows who is signed in."""
    page.fill(f"{AUTH} input[name=phone]", user.phone)
    page.fill(f"{AUTH} input[name=password]", password)
    page.click(f"{AUTH} button[type=submit]")
    expect(page.locator(f"{AUTH} .who")).to_be_visible()


def slot_button(page: Page, start) -> str:
    """The selector of the free-slot button for ``start`` (an aware datetime in the store's zone)."""
    return f'.slot[data-start="{start.isoformat()}"]'


def shop_photo(booking, tech, color: str):
    """A photo ``tech`` took of the booking's car (a 64 px PNG of ``color``), as the shop floor uploads it."""
    upload = SimpleUploadedFile(f"{color}.png", image_bytes(color=color), content_type="image/png")
    return photo_add(booking_id=booking.pk, by=tech, upload=upload)


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Full-page screenshots ``<name>-phone.png`` and ``<name>-desktop.png``; the page is left at the phone's size."""
    folder = Path(SHOTS or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
