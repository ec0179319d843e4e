"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser) against live_server."""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are
# ordinary synchronous calls, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(transactional_db):
    # Function-scoped and after the database fixture on purpose: once Playwright runs, the test body sees a
    # fresh Django connection object, so the serialized-rollback reload must happen before it starts.
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def csp_violation(text: str) -> bool:
    """A console message in which chromium reports something the Content-Security-Policy refused."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def page(browser):
    """A page in zh-CN on Shanghai time; the test fails if the Content-Security-Policy refused anything meanwhile."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if csp_violation(message.text) else None)
    yield page
    context.close()
    # The connection the test body opened under Playwright would otherwise outlive the test database.
    connections.close_all()
    assert not violations, f"the Content-Security-Policy refused: {violations}"


@pytest.fixture
def no_console_errors(page):
    """The test fails if the page logged an error (a script's exception, a request that failed). Use it with
    ``pytest.mark.usefixtures``."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert not errors, errors
