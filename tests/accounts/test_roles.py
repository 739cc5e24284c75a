"""Who may change whom: roles, removals, leaving and handing the team over."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from avatarstudio.accounts.models import (
    AuditAction,
    AuditEvent,
    Membership,
    NotAllowed,
    Role,
    Team,
)
from tests.helpers import client_for, client_in

pytestmark = pytest.mark.django_db


def membership(team, user) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=user)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_admin_promotes_a_member_to_admin(team, admin, member):
    response = client_in(team, admin).post(
        f"/team/members/{membership(team, member).pk}/role/", {"role": "admin"}, follow=True
    )
    assert membership(team, member).role == Role.ADMIN
    assert "member@example.com is now admin." in messages_of(response)
    event = AuditEvent.objects.get(team=team, action=AuditAction.ROLE_CHANGED)
    assert (event.actor_email, event.subject, event.detail) == (
        "admin@example.com",
        "member@example.com",
        "Member → Admin",
    )


def test_an_admin_cannot_demote_the_owner(team, owner, admin):
    response = client_in(team, admin).post(
        f"/team/members/{membership(team, owner).pk}/role/", {"role": "viewer"}, follow=True
    )
    assert membership(team, owner).role == Role.OWNER
    assert any("owner's role cannot be changed" in text for text in messages_of(response))


def test_nobody_is_made_owner_by_a_role_change(team, owner, member):
    client_in(team, owner).post(
        f"/team/members/{membership(team, member).pk}/role/", {"role": "owner"}
    )
    assert membership(team, member).role == Role.MEMBER


def test_a_member_cannot_change_roles(team, member, viewer):
    response = client_in(team, member).post(
        f"/team/members/{membership(team, viewer).pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 404
    assert membership(team, viewer).role == Role.VIEWER


def test_an_admin_removes_a_viewer(team, admin, viewer):
    client_in(team, admin).post(f"/team/members/{membership(team, viewer).pk}/remove/")
    assert not Membership.objects.filter(team=team, user=viewer).exists()
    assert AuditEvent.objects.filter(team=team, action=AuditAction.REMOVED).exists()


def test_the_owner_cannot_be_removed(team, owner, admin):
    client_in(team, admin).post(f"/team/members/{membership(team, owner).pk}/remove/")
    assert Membership.objects.filter(team=team, user=owner, role=Role.OWNER).exists()


def test_a_member_leaves_and_loses_access(team, member):
    client = client_in(team, member)
    response = client.post("/team/leave/", follow=True)
    assert "You left Acme Studio." in messages_of(response)
    assert not Membership.objects.filter(team=team, user=member).exists()
    assert client.get("/team/members/").status_code == 200  # now their personal team's page
    assert b"Acme Studio" not in client.get("/team/members/").content


def test_the_owner_cannot_leave_before_handing_the_team_over(team, owner):
    response = client_in(team, owner).post("/team/leave/", follow=True)
    assert Membership.objects.filter(team=team, user=owner, role=Role.OWNER).exists()
    assert any("transfer the ownership" in text for text in messages_of(response))


def test_the_owner_hands_the_team_over_and_stays_an_admin(team, owner, member):
    client_in(team, owner).post(f"/team/members/{membership(team, member).pk}/transfer/")
    assert membership(team, member).role == Role.OWNER
    assert membership(team, owner).role == Role.ADMIN
    assert Membership.objects.filter(team=team, role=Role.OWNER).count() == 1


def test_an_admin_cannot_transfer_the_ownership(team, owner, admin, member):
    response = client_in(team, admin).post(f"/team/members/{membership(team, member).pk}/transfer/")
    assert response.status_code == 404
    assert membership(team, owner).role == Role.OWNER


def test_a_team_never_has_two_owners(team, member):
    with pytest.raises(IntegrityError):
        Membership.objects.filter(team=team, user=member).update(role=Role.OWNER)


def test_a_personal_team_is_not_handed_over(owner, outsider):
    personal = Team.objects.personal_for(owner)
    guest = Membership.objects.create(team=personal, user=outsider, role=Role.MEMBER)
    with pytest.raises(NotAllowed):
        personal.transfer_ownership(membership(personal, owner), guest)


def test_an_admin_sees_role_controls_and_a_viewer_does_not(team, admin, viewer):
    admin_page = client_in(team, admin).get("/team/members/").content.decode()
    viewer_page = client_in(team, viewer).get("/team/members/").content.decode()
    assert "Send invitation" in admin_page and 'name="role"' in admin_page
    assert "Send invitation" not in viewer_page and 'name="role"' not in viewer_page
    assert "viewer@example.com" in viewer_page and "admin@example.com" in viewer_page


def test_a_new_team_is_created_with_its_creator_as_owner(outsider):
    client = client_for(outsider)
    response = client.post("/teams/new/", {"name": "  Night   Owls "}, follow=True)
    team = Team.objects.get(name="Night Owls")
    assert membership(team, outsider).role == Role.OWNER
    assert response.context["request"].team == team
    assert AuditEvent.objects.filter(team=team, action=AuditAction.TEAM_CREATED).exists()


def test_a_team_needs_a_name(outsider):
    response = client_for(outsider).post("/teams/new/", {"name": "   "})
    assert "Give the team a name." in response.content.decode()
