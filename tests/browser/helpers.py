"""Small helpers for the browser tests."""

from __future__ import annotations

import time

from playwright.sync_api import Page


def wait_until(page: Page, expression: str, timeout: float = 15.0) -> None:
    """Wait until a JavaScript expression is true in the page.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the page,
    which our Content Security Policy forbids, as it should; ``page.evaluate`` runs through
    the DevTools protocol instead.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)
