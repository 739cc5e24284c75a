"""Every main page fits a phone's width: nothing makes the page scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from avatarstudio.accounts.models import Membership, Role
from tests.browser.test_generate_flow import sign_in
from tests.helpers import make_user
from tests.library.helpers import make_clip

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def busy_team(team, owner):
    helper = make_user("a-rather-long-address-for-a-member@example.com")
    Membership.objects.create(team=team, user=helper, role=Role.MEMBER)
    return make_clip(team, helper, "A clip with quite a long title for a small screen")


def test_the_main_pages_fit_a_phone(page: Page, owner, team, busy_team):
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.locator(".team-switcher summary").click()
    page.get_by_role("menuitem", name="Acme Studio").click()
    pages = [
        "/",
        "/create/",
        "/library/",
        f"/library/{busy_team.pk}/",
        "/library/trash/",
        "/team/members/",
        "/team/usage/",
        "/team/settings/",
        "/team/audit/",
        "/teams/new/",
    ]
    too_wide = {}
    for path in pages:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
