"""A visitor signs up, lands on their team's dashboard, signs out and signs back in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Membership

EMAIL = "lin@example.com"
PASSWORD = "talking-heads-2026"


def sign_up(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()


def test_a_visitor_signs_up_and_lands_on_the_dashboard_of_their_personal_team(page: Page):
    sign_up(page)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Make your first talking video")).to_be_visible()
    expect(page.locator(".team-switcher summary")).to_contain_text("lin's team")
    membership = Membership.objects.get(user__email=EMAIL)
    assert membership.team.is_personal and membership.role == "owner"


def test_a_user_signs_out_and_signs_back_in(page: Page):
    sign_up(page)
    page.get_by_label(f"Account menu for {EMAIL}").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    expect(page.locator(".toast")).to_contain_text("You have signed out.")
    page.goto("/")
    expect(page.get_by_role("heading", name="Dashboard")).not_to_be_visible()

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".toast")).to_contain_text(f"Successfully signed in as {EMAIL}.")


def test_a_wrong_password_says_what_went_wrong(page: Page, owner):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")


def test_a_user_switches_to_a_shared_team_from_the_header(page: Page, team, member):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Switch team").click()
    page.get_by_role("menuitem", name="Acme Studio").click()
    expect(page.locator(".team-switcher summary")).to_contain_text("Acme Studio")
    expect(page.locator(".toast")).to_contain_text("You are now working in Acme Studio.")
