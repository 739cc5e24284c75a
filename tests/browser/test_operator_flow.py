"""An operator lets a team spend the server's key: before, its member is told to add a key of
the team's own; the operator ticks the team in the console at ADMIN_PATH; the member can make
videos, within the server key's monthly limit."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Team
from tests.browser.test_generate_flow import sign_in
from tests.helpers import make_user

REFUSED = "This team has no CometAPI key of its own"


def test_an_operator_allows_a_team_to_spend_the_server_key(
    new_page, team, member, provider, settings
):
    settings.SERVER_KEY_FOR_ALL_TEAMS = False
    settings.SERVER_KEY_MONTHLY_SECONDS = 600
    operator = make_user("operator@example.com")
    operator.is_staff = operator.is_superuser = True
    operator.save()

    member_page: Page = new_page()
    sign_in(member_page, member)
    member_page.locator(".team-switcher summary").click()
    member_page.get_by_role("menuitem", name=team.name).click()
    member_page.goto("/create/")
    expect(member_page.locator("#cannot-start")).to_contain_text(REFUSED)

    console: Page = new_page()
    sign_in(console, operator)  # staff sign in on the site's own page, then open the console
    console.goto("/operator/")
    console.get_by_role("link", name="Teams", exact=True).click()
    console.get_by_role("link", name=team.name).click()
    console.get_by_label("May use the server's key").check()
    console.get_by_label("Server key seconds a month").fill("300")
    console.get_by_role("button", name="Save", exact=True).click()
    expect(console.locator(".messagelist")).to_contain_text("was changed successfully")
    team.refresh_from_db()
    assert (team.server_key_allowed, team.server_key_limit_seconds) == (True, 300)

    member_page.reload()
    expect(member_page.locator("#cannot-start")).to_have_count(0)
    expect(member_page.locator(".allowance")).to_contain_text("0 s of 300 s used")
    assert Team.objects.filter(server_key_allowed=True).count() == 1
