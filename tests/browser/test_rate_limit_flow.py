"""Past a rate limit a person is told how often they did it and when to try again: in a toast
on the create page, and on a page of its own after a plain form."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from avatarstudio.core import ratelimit
from tests.browser.test_generate_flow import sign_in

# Ten minutes into an hour, whatever the real clock says: the windows are fixed hours.
TEN_PAST = 500_000 * 3600 + 600

SCRIPT = "Hello and welcome! Today we show you three quick tips for better videos."


def test_a_member_who_previews_too_often_is_told_in_a_toast_when_to_try_again(
    page: Page, owner, provider, settings, monkeypatch
):
    monkeypatch.setattr(ratelimit, "clock", lambda: TEN_PAST)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "voice_preview": "1/h/user"}
    sign_in(page, owner)
    page.goto("/create/")
    page.get_by_role("radio", name="Script").check()
    page.get_by_label("What the avatar says").fill(SCRIPT)
    preview = page.get_by_role("button", name="Preview voice")
    preview.click()
    expect(page.get_by_label("Listen to the speech")).to_be_visible()

    preview.click()

    toast = page.locator(".toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text(
        "You have done this once in the last hour, the most we allow. "
        "Please try again in about 50 minutes."
    )
    expect(preview).to_be_enabled()
    expect(page.get_by_label("Listen to the speech")).to_be_visible()  # the speech stays


def test_a_visitor_who_signs_up_too_often_gets_a_page_that_says_when_to_try_again(
    page: Page, settings, monkeypatch
):
    monkeypatch.setattr(ratelimit, "clock", lambda: TEN_PAST)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/h/ip"}
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("lin@example.com")
    page.get_by_label("Password").fill("123")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()

    page.get_by_label("Password").fill("talking-heads-2026")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Please wait a little")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "This has been done once in the last hour from your network, the most we allow."
    )
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("link", name="Create a free account")).to_be_visible()
