"""A status card left in a hidden tab polls far less, and catches up the moment it is seen."""

from __future__ import annotations

from playwright.sync_api import Page

from avatarstudio.accounts.models import Team
from tests.browser.helpers import wait_until
from tests.browser.test_generate_flow import sign_in
from tests.studio.helpers import start_generation

COUNT_POLLS = """() => {
  window.polls = {tried: 0, sent: 0};
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.matches("[data-poll]")) window.polls.tried += 1;
  });
  document.addEventListener("htmx:beforeSend", (event) => {
    if (event.detail.elt.matches("[data-poll]")) window.polls.sent += 1;
  });
}"""


def seen(page: Page, hidden: bool) -> None:
    """What the browser does when the tab is hidden or shown again."""
    page.evaluate(
        """(hidden) => {
          Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
          Object.defineProperty(document, "visibilityState",
            {value: hidden ? "hidden" : "visible", configurable: true});
          window.polls = {tried: 0, sent: 0};
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_a_hidden_tab_polls_far_less_and_catches_up_when_shown(page: Page, owner):
    # No worker runs: the video stays queued, so its card keeps polling.
    generation = start_generation(Team.objects.personal_for(owner), owner)
    sign_in(page, owner)
    page.goto(generation.get_absolute_url())
    page.evaluate(COUNT_POLLS)
    wait_until(page, "window.polls.sent >= 1")  # seen: every 2 s

    seen(page, hidden=True)
    wait_until(page, "window.polls.tried >= 3")  # three of its 2 s ticks went by
    assert page.evaluate("window.polls.sent") == 0

    seen(page, hidden=False)
    wait_until(page, "window.polls.sent >= 1")  # at once, not at the next tick
    assert page.evaluate("window.polls.tried") <= 2


def test_an_unchanged_card_stays_while_its_time_counts_up_and_changes_when_the_job_moves_on(
    page: Page, owner
):
    generation = start_generation(Team.objects.personal_for(owner), owner)
    sign_in(page, owner)
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "seen=" in r.url else None)
    page.goto(generation.get_absolute_url())
    card = page.locator(f"#generation-{generation.pk}")
    first = card.locator("[data-elapsed]").inner_text()
    while answers.count(204) < 2:  # two polls, each answered "unchanged"
        page.wait_for_event("response", predicate=lambda r: "seen=" in r.url)
    assert 200 not in answers  # nothing changed, nothing rendered again
    assert card.locator(".status-pill").inner_text() == "Queued"
    assert card.locator("[data-elapsed]").inner_text() != first  # counted up in the page

    generation.refresh_from_db()
    generation.status = "processing"
    generation.save()  # what the worker does when Kling starts
    page.wait_for_selector(f'#generation-{generation.pk}[data-status="processing"]')
