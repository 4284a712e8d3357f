"""Headless Chromium (Debian's, driven by Playwright) against pytest-django's live server."""

from __future__ import annotations

import contextlib
import re

import pytest

from tests.support.browser import CHROMIUM_ARGS, find_chromium, screenshot

# Generous: the first request that embeds photos loads the model in the server thread.
NAVIGATION_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Kept on the item so the page fixture can screenshot a failed test before closing.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


# Package scope, not session: while Playwright runs, this thread has a running asyncio loop,
# which must not outlive the browser tests (asyncio.run() and Django's async-safety checks in
# the tests collected after them would see it).
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    # That running loop makes Django's ORM raise SynchronousOnlyOperation in this thread
    # (fixtures and factories); the live server runs in its own thread and is not affected.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Open pages in fresh contexts (separate cookies: one per user) on the live server."""
    contexts = []

    def open_page(**options):
        """`options` go to the browser context: `locale="es-ES"` (Accept-Language), `viewport`, …"""
        options = {"viewport": {"width": 1280, "height": 800}, **options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        from playwright.sync_api import Error as PlaywrightError

        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, context in enumerate(contexts):
            for page in context.pages:
                # A page that crashed or is mid-navigation must not turn the failure into an error.
                with contextlib.suppress(PlaywrightError):
                    screenshot(page, f"failed-{name}-{number}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
