"""Signing in on the pages: Django's session cookie, which the page's scripts never see, under CSRF."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.booking_fixtures import AUTH, owner_with_car, sign_in
from tests.factories import sms_code_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# Where to keep the screenshots to look at (CHEFU_SCREENSHOTS=<dir>); without it they are taken and dropped.
SHOTS = os.environ.get("CHEFU_SCREENSHOTS")


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_owner_signs_in_and_out_with_the_session_cookie(live_server, page, viewport, tmp_path):
    owner, _ = owner_with_car(name="李雷")
    page.set_viewport_size(viewport)
    size = f"{viewport['width']}x{viewport['height']}"

    # when the owner opens 我的预约 and signs in through its box
    page.goto(f"{live_server.url}/me/bookings/")
    expect(page.locator(f"{AUTH} form.signin")).to_be_visible()
    _shot(page, f"signin-form-{size}", tmp_path)
    sign_in(page, owner)

    # then the box names them, and the signed-in page stays so across a reload
    expect(page.locator(f"{AUTH} .who-name")).to_contain_text("李雷")
    _shot(page, f"signed-in-{size}", tmp_path)
    page.reload()
    expect(page.locator(f"{AUTH} .who")).to_be_visible()
    expect(page.locator(f"{AUTH} form.signin")).to_be_hidden()

    # and no script can reach a credential: nothing kept in storage, the session cookie is HttpOnly and Lax
    assert page.evaluate("Object.keys(localStorage).concat(Object.keys(sessionStorage))") == []
    assert settings.SESSION_COOKIE_NAME not in page.evaluate("document.cookie")
    session = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    assert session["httpOnly"] is True and session["sameSite"] == "Lax"

    # when they sign out, the session is over on this page and the next
    page.click(f"{AUTH} .signout")
    expect(page.locator(f"{AUTH} form.signin")).to_be_visible()
    page.reload()
    expect(page.locator(f"{AUTH} form.signin")).to_be_visible()
    assert settings.SESSION_COOKIE_NAME not in [c["name"] for c in page.context.cookies()]


def test_a_wrong_password_is_said_in_the_box(live_server, page, tmp_path):
    owner, _ = owner_with_car()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/me/bookings/")
    page.fill(f"{AUTH} input[name=phone]", owner.phone)
    page.fill(f"{AUTH} input[name=password]", "not-the-password")
    page.click(f"{AUTH} button[type=submit]")

    expect(page.locator(f"{AUTH} .auth-message.error")).to_have_text("手机号或密码错误。")
    expect(page.locator(f"{AUTH} form.signin")).to_be_visible()
    _shot(page, "signin-refused-390x844", tmp_path)


def test_owner_signs_in_with_an_sms_code(live_server, page, tmp_path):
    owner, _ = owner_with_car(name="韩梅梅")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/me/bookings/")

    # when the owner switches the box to the SMS code and asks for one
    page.click(f"{AUTH} .signin-mode")
    expect(page.locator(f"{AUTH} input[name=password]")).to_be_hidden()
    expect(page.locator(f"{AUTH} .signin-mode")).to_have_text("密码登录")
    page.fill(f"{AUTH} input[name=phone]", owner.phone)
    page.click(f"{AUTH} .send-code")

    # then the code is on its way, and the button counts down before it may ask again
    expect(page.locator(f"{AUTH} .auth-message")).to_have_text("验证码已发送，5 分钟内有效。")
    expect(page.locator(f"{AUTH} .send-code")).to_be_disabled()
    expect(page.locator(f"{AUTH} .send-code")).to_contain_text("秒后重新获取")
    _shot(page, "signin-code-sent-390x844", tmp_path)

    # when they type the code the SMS carried
    page.fill(f"{AUTH} input[name=code]", sms_code_sent(owner.phone))
    page.click(f"{AUTH} button[type=submit]")

    # then the session is signed in, as with the password
    expect(page.locator(f"{AUTH} .who-name")).to_contain_text("韩梅梅")
    _shot(page, "signin-code-signed-in-390x844", tmp_path)
    page.reload()
    expect(page.locator(f"{AUTH} .who")).to_be_visible()


def test_a_wrong_sms_code_is_said_in_the_box(live_server, page):
    owner, _ = owner_with_car()
    page.goto(f"{live_server.url}/me/bookings/")
    page.click(f"{AUTH} .signin-mode")
    page.fill(f"{AUTH} input[name=phone]", owner.phone)
    page.click(f"{AUTH} .send-code")
    expect(page.locator(f"{AUTH} .auth-message")).to_contain_text("验证码已发送")

    wrong = f"{(int(sms_code_sent(owner.phone)) + 1) % 1_000_000:06d}"
    page.fill(f"{AUTH} input[name=code]", wrong)
    page.click(f"{AUTH} button[type=submit]")

    expect(page.locator(f"{AUTH} .auth-message.error")).to_have_text("手机号或验证码错误。")
    expect(page.locator(f"{AUTH} form.signin")).to_be_visible()


def test_a_session_signed_in_on_one_page_is_signed_in_on_the_others(live_server, page):
    owner, _ = owner_with_car()
    page.goto(f"{live_server.url}/me/bookings/")
    sign_in(page, owner)

    page.goto(f"{live_server.url}/partner/schedule/")

    expect(page.locator(f"{AUTH} .who")).to_be_visible()
