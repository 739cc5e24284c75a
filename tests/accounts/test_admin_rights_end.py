"""When an admin's rights end (removed, demoted, or gone of their own accord), the invitation
links they made stop working, and the audit log says so; limits follow the role rules."""

from __future__ import annotations

import pytest

from avatarstudio.accounts.models import AuditAction, AuditEvent, Invitation, Membership, Role
from tests.helpers import client_for, client_in, make_user

pytestmark = pytest.mark.django_db


def membership(team, user) -> Membership:
    return Membership.objects.select_related("user", "team").get(team=team, user=user)


def link_made_by(team, user) -> Invitation:
    return Invitation.issue(membership(team, user), Role.ADMIN)


def rejoin_with(link: Invitation, user) -> str:
    return client_for(user).post(link.get_absolute_url()).content.decode()


def test_a_removed_admin_cannot_rejoin_with_a_link_they_made(team, owner, admin):
    link = link_made_by(team, admin)
    emailed = Invitation.issue(membership(team, admin), Role.MEMBER, "friend@example.com")
    client_in(team, owner).post(f"/team/members/{membership(team, admin).pk}/remove/")
    assert "This invitation was withdrawn" in rejoin_with(link, admin)
    assert not Membership.objects.filter(team=team, user=admin).exists()
    emailed.refresh_from_db()
    assert emailed.revoked_at is not None
    withdrawn = AuditEvent.objects.filter(team=team, action=AuditAction.INVITATION_REVOKED)
    assert withdrawn.count() == 2
    assert {event.detail for event in withdrawn} == {
        "made by admin@example.com, removed from the team"
    }


def test_an_admin_demoted_to_member_loses_the_links_they_made(team, owner, admin):
    link = link_made_by(team, admin)
    client_in(team, owner).post(
        f"/team/members/{membership(team, admin).pk}/role/", {"role": "member"}
    )
    assert "This invitation was withdrawn" in rejoin_with(link, make_user("friend@example.com"))
    event = AuditEvent.objects.get(team=team, action=AuditAction.INVITATION_REVOKED)
    assert event.detail == "made by admin@example.com, no longer an admin"


def test_an_admin_who_leaves_takes_their_links_with_them(team, admin):
    link = link_made_by(team, admin)
    client_in(team, admin).post("/team/leave/")
    assert "This invitation was withdrawn" in rejoin_with(link, admin)


def test_links_made_by_others_keep_working(team, owner, admin):
    owners_link = link_made_by(team, owner)
    client_in(team, owner).post(f"/team/members/{membership(team, admin).pk}/remove/")
    newcomer = make_user("new@example.com")
    rejoin_with(owners_link, newcomer)
    assert Membership.objects.filter(team=team, user=newcomer).exists()


def test_an_admin_cannot_set_the_owners_monthly_limit(team, owner, admin):
    owner_row = membership(team, owner)
    response = client_in(team, admin).post(
        f"/team/members/{owner_row.pk}/limit/", {"monthly_limit_seconds": 1}, follow=True
    )
    owner_row.refresh_from_db()
    assert owner_row.monthly_limit_seconds is None
    assert "Only the owner can set the owner&#x27;s" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.LIMIT_CHANGED).exists()


def test_an_admin_cannot_raise_their_own_limit_but_the_owner_can(team, owner, admin):
    row = membership(team, admin)
    row.monthly_limit_seconds = 10
    row.save()
    client_in(team, admin).post(f"/team/members/{row.pk}/limit/", {"monthly_limit_seconds": ""})
    row.refresh_from_db()
    assert row.monthly_limit_seconds == 10
    client_in(team, owner).post(f"/team/members/{row.pk}/limit/", {"monthly_limit_seconds": ""})
    row.refresh_from_db()
    assert row.monthly_limit_seconds is None


def test_the_usage_page_offers_an_admin_only_the_limits_they_may_set(team, owner, admin, member):
    page = client_in(team, admin).get("/team/usage/").content.decode()
    assert f'id="limit-{membership(team, member).pk}"' in page
    assert f'id="limit-{membership(team, owner).pk}"' not in page
    assert f'id="limit-{membership(team, admin).pk}"' not in page
    page = client_in(team, owner).get("/team/usage/").content.decode()
    assert f'id="limit-{membership(team, owner).pk}"' in page
