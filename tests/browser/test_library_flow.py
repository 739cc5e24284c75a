"""A member browses and searches the library, plays, favourites, renames, trashes and restores
a clip, and shares it with someone who has no account."""

from __future__ import annotations

import re

from django.core.management import call_command
from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Team
from avatarstudio.library.models import Clip
from tests.browser.helpers import wait_until
from tests.browser.test_generate_flow import sign_in


def test_a_member_works_with_the_library_and_shares_a_clip(page: Page, new_page, owner):
    call_command("seed_demo", clips=30, team=Team.objects.personal_for(owner).pk)
    Clip.objects.filter(title__startswith="Welcome").update(title="Quarterly results welcome")
    sign_in(page, owner)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    expect(page.locator(".gallery-count")).to_have_text("30 clips")
    expect(page.locator(".clip-tile")).to_have_count(24)
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".clip-tile")).to_have_count(6)
    expect(page).to_have_url(re.compile(r"after="))

    page.get_by_label("Search").fill("quarterly")
    expect(page).to_have_url(re.compile(r"q=quarterly"))
    expect(page.locator(".gallery-count")).to_contain_text("match")
    count = Clip.objects.filter(title="Quarterly results welcome").count()
    expect(page.locator(".clip-tile")).to_have_count(count)

    page.locator(".clip-link").first.hover()
    expect(page.locator(".clip-link video.clip-preview").first).to_be_attached()
    page.locator(".clip-link").first.click()

    expect(page.get_by_role("heading", name="Quarterly results welcome")).to_be_visible()
    page.evaluate("document.querySelector('video.clip-player').muted = true")
    page.evaluate("document.querySelector('video.clip-player').play()")
    wait_until(page, "document.querySelector('video.clip-player').currentTime > 0.3")

    page.get_by_role("button", name="Add to favourites").click()
    expect(page.get_by_role("button", name="★ Favourite")).to_be_visible()

    page.get_by_text("Rename").click()
    page.get_by_label("New title").fill("Results for the board")
    page.get_by_role("button", name="Save title").click()
    expect(page.get_by_role("heading", name="Results for the board")).to_be_visible()

    page.get_by_role("button", name="Create share link").click()
    share_url = page.get_by_label("Share link").input_value()
    assert "/s/" in share_url

    stranger = new_page()
    stranger.goto(share_url)
    expect(stranger.get_by_role("heading", name="Results for the board")).to_be_visible()
    expect(stranger.get_by_role("navigation")).to_have_count(0)
    stranger.evaluate(
        "document.querySelector('video').muted = true; document.querySelector('video').play()"
    )
    wait_until(stranger, "document.querySelector('video').currentTime > 0.3")

    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator(".toast")).to_contain_text("moved to the trash")
    page.get_by_role("link", name="Trash").click()
    expect(page.get_by_text("Results for the board")).to_be_visible()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("heading", name="Results for the board")).to_be_visible()
    expect(page.locator(".toast")).to_contain_text("is back in the library")
