"""Browser tests: the app on a live server, driven in Debian's Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.helpers import CHROMIUM_HINT, chromium_path
from tests.waiting import STALL_SECONDS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    # A fake microphone (a beeping tone) that needs no permission prompt, for recording.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


expect.set_options(timeout=STALL_SECONDS * 1000)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


_reports_key = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.fail(CHROMIUM_HINT)
    # Playwright's sync API runs an event loop in this thread; the ORM calls of a test body
    # (setting up users, checking rows) are still plain synchronous calls, so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(browser: Browser, live_server, request: pytest.FixtureRequest):
    """Open a page in a fresh browser context (no cookies); screenshots are kept on failure."""
    contexts = []

    violations: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 860}
        )
        # A wait for one thing to happen fails only after a generous stretch (see
        # tests/waiting.py); how long a busy machine takes is not the test's business.
        context.set_default_timeout(STALL_SECONDS * 1000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _note_csp_violation(message.text, violations))
        return page

    yield open_page

    assert not violations, f"the Content Security Policy blocked something: {violations}"

    reports = request.node.stash.get(_reports_key, {})
    failed = any(report.failed for report in reports.values())
    for number, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for page in context.pages:
                page.screenshot(
                    path=ARTIFACTS / f"{request.node.name}-{number}.png", full_page=True
                )
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def _note_csp_violation(text: str, violations: list[str]) -> None:
    """Chromium reports what the Content Security Policy blocked on the console."""
    if "Content Security Policy" in text:
        violations.append(text)
