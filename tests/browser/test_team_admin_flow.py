"""An owner runs a team: settings and the default mode, the team's CometAPI key (saved, tested,
shown only by its last four characters), a member's monthly limit on the usage page, the audit
log, and finally deleting the team after typing its name."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Membership, Role, Team
from tests.browser.test_generate_flow import sign_in
from tests.helpers import make_user
from tests.library.helpers import make_clip

TEAM_KEY = "sk-live-team-key-0000-9XQZ"


def test_an_owner_configures_tests_the_key_limits_a_member_and_deletes_the_team(
    page: Page, owner, provider
):
    team = Team.objects.create_with_owner("Night Shift", owner)
    helper = make_user("helper@example.com")
    Membership.objects.create(team=team, user=helper, role=Role.MEMBER)
    make_clip(team, helper, "Late news")
    sign_in(page, owner)
    page.locator(".team-switcher summary").click()
    page.get_by_role("menuitem", name="Night Shift").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_role("navigation", name="Team pages").get_by_role("link", name="Settings").click()
    page.get_by_label("Default mode on the create page").select_option("pro")
    page.get_by_label("Team limit (seconds of video a month)").fill("600")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".toast")).to_contain_text("Team settings saved.")

    page.get_by_label("New CometAPI key").fill(TEAM_KEY)
    page.get_by_role("button", name="Save key").click()
    expect(page.locator(".toast")).to_contain_text("Key saved.")
    expect(page.locator(".key-hint")).to_have_text("…9XQZ")
    assert TEAM_KEY not in page.content()
    page.get_by_role("button", name="Test key").click()
    expect(page.locator("#key-check")).to_have_text("The key works: CometAPI accepted it.")

    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_role("heading", name=re.compile(r"\w+ \d{4}"))).to_be_visible()
    expect(page.get_by_role("img", name="Seconds of video per month")).to_be_visible()
    page.get_by_label("Monthly limit in seconds for helper@example.com").fill("120")
    page.get_by_role("row", name=re.compile("helper@example.com")).get_by_role(
        "button", name="Save"
    ).click()
    expect(page.locator(".toast")).to_contain_text("Monthly limit saved for helper@example.com.")
    assert Membership.objects.get(team=team, user=helper).monthly_limit_seconds == 120

    page.get_by_role("link", name="Audit log").click()
    log = page.get_by_role("table")
    expect(log).to_contain_text("changed a monthly limit helper@example.com")
    expect(log).to_contain_text("set the CometAPI key")
    expect(log).not_to_contain_text(TEAM_KEY)

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Delete Night Shift…").click()
    page.get_by_label("Type the team's name to confirm").fill("night shift")
    page.get_by_role("button", name="Delete the team forever").click()
    expect(page.locator(".error")).to_contain_text("Type “Night Shift” exactly")
    page.get_by_label("Type the team's name to confirm").fill("Night Shift")
    page.get_by_role("button", name="Delete the team forever").click()
    expect(page.locator(".toast")).to_contain_text("Night Shift was deleted")
    expect(page.locator(".team-switcher summary")).to_contain_text("owner's team")
    assert not Team.objects.filter(name="Night Shift").exists()
