"""The audit log: what admins see of invitations, joins, roles, removals, keys and deletions."""

from __future__ import annotations

import pytest

from avatarstudio.accounts.models import AuditAction, AuditEvent, Invitation, Membership, Role
from tests.helpers import client_in, make_user
from tests.library.helpers import make_clip

pytestmark = pytest.mark.django_db


def test_the_log_lists_what_happened_newest_first(team, owner, member):
    by = Membership.objects.get(team=team, user=owner)
    invitation = Invitation.issue(by, Role.VIEWER, "guest@example.com")
    invitation.accept(make_user("guest@example.com"))
    team.change_role(by, Membership.objects.get(team=team, user=member), Role.ADMIN)
    html = client_in(team, owner).get("/team/audit/").content.decode()
    rows = [
        "changed the role of <strong>member@example.com</strong>",
        "joined <strong>guest@example.com</strong>",
        "invited <strong>guest@example.com</strong>",
        "created the team <strong>Acme Studio</strong>",
    ]
    positions = [html.index(row) for row in rows]
    assert positions == sorted(positions)


def test_deleting_a_clip_forever_is_logged(team, owner, member):
    clip = make_clip(team, member, "Old promo")
    clip.move_to_trash()
    client_in(team, owner).post(f"/library/{clip.pk}/delete/")
    event = AuditEvent.objects.get(team=team, action=AuditAction.CLIP_DELETED)
    assert (event.actor_email, event.subject) == ("owner@example.com", "Old promo")


def test_changing_a_limit_is_logged(team, owner):
    client_in(team, owner).post(
        "/team/settings/",
        {
            "name": "Acme Studio",
            "default_mode": "pro",
            "price_std": "0.4",
            "price_pro": "0.8",
            "monthly_limit_seconds": "600",
            "require_consent": "on",
        },
    )
    team.refresh_from_db()
    assert (team.default_mode, team.monthly_limit_seconds) == ("pro", 600)
    event = AuditEvent.objects.get(team=team, action=AuditAction.SETTINGS_CHANGED)
    assert event.detail == "default_mode, monthly_limit_seconds"


def test_the_team_default_mode_is_chosen_on_the_create_page(team, member):
    team.default_mode = "pro"
    team.save()
    html = client_in(team, member).get("/create/").content.decode()
    assert 'value="pro" data-price="0.8"\n                   checked' in html


def test_members_do_not_see_the_log(team, member):
    assert client_in(team, member).get("/team/audit/").status_code == 404
