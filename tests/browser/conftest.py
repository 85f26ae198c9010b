"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the browser tests.

Playwright's sync API runs an event loop in this thread, which makes Django refuse database
access from the test body unless told that this is safe here (it is: one thread, the test's).
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def sign_in(page, base: str, username: str, password: str | None = None, *, home: bool = True):
    """Sign in on the login page at ``base``; with ``home``, wait for the workbench (a forced
    password change or an error page shows instead when it is not)."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD if password is None else password)
    page.get_by_role("button", name="登录").click()
    if home:
        expect(page.locator("h1")).to_have_text("我的工作台")


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the session: its sync API refuses a second one started while
    the first runs, so a test that needs a differently launched browser launches it here."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
