"""Helpers for the browser tests of the booking pages: people with known passwords, and signing in on a page."""

from playwright.sync_api import Page, expect

from accounts.models import User, Vehicle
from tests.factories import PASSWORD, UserFactory, VehicleFactory

# Every page that needs a user mounts the same sign-in box (cms/templates/cms/_signin.html).
AUTH = "#auth"


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
