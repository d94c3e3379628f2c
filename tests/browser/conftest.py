"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against a live server.

They run on PostgreSQL only: the live server answers from another thread, so every write must
be committed (``transaction=True``), as it is in production. Playwright never downloads a
browser here (CI sets PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1); it launches /usr/bin/chromium, which
.ci/run installs from Debian packages together with a Chinese font.

Every page opened through ``open_page`` reports console errors, uncaught exceptions and server
errors to ``browser_errors``; the tests assert that list is empty. A failing test leaves a
full-page screenshot of each open page in tests/artifacts/ (git-ignored).
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connection, connections

from projects.choices import Role
from supervision.models import Unit

# Playwright's sync API keeps an asyncio event loop in the test's thread, and Django refuses ORM
# calls while a loop runs there. The test's own ORM calls happen between browser steps, never
# inside the loop, so they are safe; this is what the Playwright + Django guides recommend.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "Zhaoqing-Browser-Test-2024"
# Every wait (navigation, expect, click) gives up after this long, so a broken page fails
# quickly with Playwright's own explanation of what it was waiting for.
STEP_TIMEOUT_MS = 15_000


def pytest_runtest_setup(item):
    # Before any fixture (and before the live server starts): a clear reason to skip.
    if connection.vendor != "postgresql":
        pytest.skip(
            "browser tests need PostgreSQL (set DATABASE_URL=postgres://...): "
            f"the live server and the test share committed data; this run uses {connection.vendor}"
        )
    if not os.access(CHROMIUM, os.X_OK):
        reason = (
            f"browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium chromium-driver fonts-wqy-microhei)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs it, so CI must not skip these tests")
        pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keeps each phase's report on the test, so fixtures can tell at teardown that it failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            # Inside sync_playwright() Django's ORM sees another context, hence its own database
            # connection (asgiref's Local is context-local). Closed here, while that context is
            # still the current one; left open, it would keep PostgreSQL from dropping the test
            # database at the end of the run.
            connections.close_all()


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors, uncaught page exceptions and 5xx answers seen by any page of the test."""
    return []


@pytest.fixture
def open_page(request, browser, live_server, browser_errors, artifacts):
    """``open_page(viewport=..., locale=...)``: a new page in its own browser context (its own
    cookies), with relative URLs resolved against the live server."""
    contexts = []
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for stale in artifacts.glob(f"failure-{name}-*.png"):  # from an earlier run of this test
        stale.unlink()

    def watch(page):
        def on_console(message):
            if message.type == "error":
                where = message.location or {}
                browser_errors.append(
                    f"console error on {page.url}: {message.text} "
                    f"({where.get('url', '?')}:{where.get('lineNumber', '?')})"
                )

        def on_response(response):
            if response.status >= 500:
                browser_errors.append(f"HTTP {response.status} for {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: browser_errors.append(f"uncaught error on {page.url}: {error}"))
        page.on("response", on_response)

    def open_(viewport=None, locale="zh-CN"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1366, "height": 900},
            # A phone or office PC in Zhaoqing: Chinese first, China's time.
            locale=locale,
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch(page)
        return page

    yield open_

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for i, page in enumerate(p for c in contexts for p in c.pages):
            path = artifacts / f"failure-{name}-{i}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=STEP_TIMEOUT_MS)
            except Exception as exc:  # the page may be gone; the test's own error matters more
                print(f"could not save {path}: {exc}")
            else:
                print(f"screenshot of the failing page {page.url}: {path}")
    for context in contexts:
        context.close()


@pytest.fixture
def browser_user(make_user):
    """``browser_user(role, region=..., username=..., name=...)``: a user who signs in through
    the login form with PASSWORD (tests make no failed attempt, so django-axes never locks)."""

    def make(role: Role, *, region=None, username: str, name: str = ""):
        user = make_user(role, region=region, username=username)
        user.first_name = name
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def responsible_unit(region) -> Unit:
    """The unit a leader hands the region's problems to (交办)."""
    return Unit.objects.create(
        name="端州区自然资源局", name_en="Duanzhou Natural Resources Bureau", region=region
    )


# --- steps every browser test takes ----------------------------------------------------------


def sign_in(page, user, password: str = PASSWORD):
    """Through the real sign-in form; lands on the dashboard (LOGIN_REDIRECT_URL)."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    form = page.locator("section.sign-in form")
    form.locator("#id_username").fill(user.username)
    form.locator("#id_password").fill(password)
    form.locator("button[type=submit]").click()
    # Signed in (the header names the user) or refused (the form again, with its errors).
    who = page.locator(".site-header .who__name")
    refused = page.locator("section.sign-in .form-errors")
    expect(who.or_(refused)).to_be_visible()
    assert refused.count() == 0, f"sign-in of {user.username} refused: {refused.inner_text()}"
    expect(who).to_have_text(user.get_full_name() or user.username)


def sign_out(page):
    from playwright.sync_api import expect

    page.locator(".site-header form.sign-out button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".site-header .who__name")).to_have_count(0)


def assert_no_browser_errors(errors: list[str]):
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)
