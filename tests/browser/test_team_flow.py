"""An owner makes a team and invites someone new by email; they sign up, join, switch teams
and see the shared library. Made a viewer, they lose the create button and /create/."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Membership, Team
from tests.browser.test_generate_flow import sign_in
from tests.helpers import make_user
from tests.library.helpers import make_clip

GUEST = "guest@example.com"


def invitation_link() -> str:
    body = mail.outbox[-1].body
    return re.search(r"http://\S+/invite/\S+/", body).group(0)


def test_an_owner_invites_someone_who_joins_and_later_becomes_a_viewer(page: Page, new_page, owner):
    sign_in(page, owner)
    page.locator(".team-switcher summary").click()
    page.get_by_role("menuitem", name="Create a team").click()
    page.get_by_label("Team name").fill("Studio North")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Studio North")).to_be_visible()
    expect(page.locator(".team-switcher summary")).to_contain_text("Studio North")
    make_clip(Team.objects.get(name="Studio North"), owner, "Northern lights teaser")

    page.get_by_label("Email address").fill(GUEST)
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".toast")).to_contain_text(f"Invitation sent to {GUEST}.")
    expect(page.get_by_role("region", name="Pending invitations")).to_contain_text(GUEST)

    guest = new_page()
    guest.goto(invitation_link())
    expect(guest.get_by_role("heading", name="Join Studio North")).to_be_visible()
    expect(guest.get_by_text("owner@example.com invites you")).to_be_visible()
    guest.get_by_role("link", name="Create an account").click()
    expect(guest.get_by_label("Email")).to_have_value(GUEST)
    guest.get_by_label("Password").fill("a-long-password-1")
    guest.get_by_role("button", name="Sign Up").click()
    expect(guest.get_by_role("heading", name="Join Studio North")).to_be_visible()
    guest.get_by_role("button", name="Join Studio North").click()

    expect(guest.get_by_role("heading", name="Library")).to_be_visible()
    expect(guest.locator(".toast")).to_contain_text("Welcome to Studio North.")
    expect(guest.get_by_role("link", name="Northern lights teaser")).to_be_visible()

    guest.locator(".team-switcher summary").click()
    guest.get_by_role("menuitem", name="guest's team").click()
    expect(guest.locator(".team-switcher summary")).to_contain_text("guest's team")
    guest.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    expect(guest.get_by_role("heading", name="No clips yet")).to_be_visible()
    guest.locator(".team-switcher summary").click()
    guest.get_by_role("menuitem", name="Studio North").click()
    guest.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    expect(guest.get_by_role("link", name="Northern lights teaser")).to_be_visible()
    expect(guest.get_by_role("link", name="New video")).to_be_visible()

    page.reload()
    page.get_by_label(f"Role of {GUEST}").select_option("viewer")
    page.get_by_role("row", name=re.compile(GUEST)).get_by_role("button", name="Save").click()
    expect(page.locator(".toast")).to_contain_text(f"{GUEST} is now viewer.")
    assert Membership.objects.get(user__email=GUEST, team__name="Studio North").role == "viewer"

    guest.reload()
    expect(guest.get_by_role("link", name="Northern lights teaser")).to_be_visible()
    expect(guest.get_by_role("link", name="New video")).to_have_count(0)
    nav = guest.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Create")).to_have_count(0)
    response = guest.goto("/create/")
    assert response.status == 404
    expect(guest.get_by_role("heading", name="This page is not here")).to_be_visible()


def test_a_link_invitation_is_copied_used_withdrawn_and_a_member_leaves(
    page: Page, new_page, owner, team
):
    reader = make_user("reader@example.com")
    sign_in(page, owner)
    page.locator(".team-switcher summary").click()
    page.get_by_role("menuitem", name="Acme Studio").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_label("Joins as").select_option("viewer")
    page.get_by_label("Link works for").select_option("1")
    page.get_by_role("button", name="Create link").click()
    expect(page.locator(".toast")).to_contain_text("Invitation link ready")
    link = page.get_by_label("Invitation link", exact=True)
    link.focus()  # focusing selects the whole link, ready to copy
    whole = "(e => e.selectionStart === 0 && e.selectionEnd === e.value.length)"
    assert page.evaluate(f"{whole}(document.activeElement)")
    url = link.input_value()

    guest = new_page()
    sign_in(guest, reader)
    guest.goto(url)
    guest.get_by_role("button", name="Join Acme Studio").click()
    expect(guest.get_by_role("heading", name="Library")).to_be_visible()
    assert Membership.objects.get(team=team, user=reader).role == "viewer"

    page.reload()
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".toast")).to_contain_text("Invitation withdrawn")
    late = new_page()
    late.goto(url)
    expect(late.get_by_role("alert")).to_contain_text("This invitation was withdrawn.")

    guest.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    guest.once("dialog", lambda dialog: dialog.accept())
    guest.get_by_role("button", name="Leave Acme Studio").click()
    expect(guest.locator(".toast")).to_contain_text("You left Acme Studio.")
    expect(guest.locator(".team-switcher summary")).to_contain_text("reader's team")
    assert not Membership.objects.filter(team=team, user=reader).exists()
