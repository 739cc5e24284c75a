"""Small helpers for the browser tests: waits that fail only when the page stops moving."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.waiting import Stalled, wait_for

# What moves on a page while something is on its way: the address, the status cards, the
# amount of content, and the players' state. Any change restarts a wait's stall timer.
PAGE_PROGRESS = """[
    location.href,
    document.readyState,
    document.body ? document.body.innerHTML.length : 0,
    ((text) => {
        let hash = 0;
        for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
        return hash;
    })(document.body ? document.body.innerText : ''),
    ...Array.from(document.querySelectorAll('[data-status]'), (el) => el.dataset.status),
    ...Array.from(document.querySelectorAll('audio, video'),
                  (m) => `${m.readyState}:${m.networkState}:${m.currentTime.toFixed(1)}`),
].join('|')"""


def page_progress(page: Page) -> str:
    return page.evaluate(PAGE_PROGRESS)


def wait_until(page: Page, expression: str) -> None:
    """Wait until a JavaScript expression is true in the page, while the page keeps moving.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the page,
    which our Content Security Policy forbids, as it should; ``page.evaluate`` runs through
    the DevTools protocol instead.
    """
    wait_for(
        lambda: page.evaluate(expression), what=expression, progress=lambda: page_progress(page)
    )


def eventually(page: Page, check: Callable[[], None]) -> None:
    """Retry a Playwright ``expect`` (given a short timeout) until it holds, while the page moves.

    For waits on the server (a job running in the worker), where Playwright's own timeout
    would be a guess at the machine's speed.
    """

    def holds() -> bool:
        try:
            check()
        except AssertionError:
            return False
        return True

    try:
        wait_for(holds, what="the page to change", progress=lambda: page_progress(page))
    except Stalled:
        check()  # raises Playwright's own account of what the page shows instead
        raise


def confirm_consent(page: Page) -> None:
    """Tick the consent a team asks for before a video of an uploaded face (on by default)."""
    page.get_by_label("I am the person in this photo").check()
