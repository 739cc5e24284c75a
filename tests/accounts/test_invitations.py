"""Invitations by email and by link: sending, accepting, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from avatarstudio.accounts.models import (
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
    NotAllowed,
    Role,
)
from tests.helpers import client_for, client_in, make_user

pytestmark = pytest.mark.django_db


def owner_membership(team, owner) -> Membership:
    return Membership.objects.get(team=team, user=owner)


def test_an_admin_invites_by_email_and_the_email_holds_the_accept_link(team, admin):
    response = client_in(team, admin).post(
        "/team/invitations/", {"email": "New.Person@Example.com", "role": "member"}, follow=True
    )
    invitation = Invitation.objects.get(team=team)
    assert invitation.email == "new.person@example.com"
    assert "Invitation sent to new.person@example.com." in response.content.decode()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["new.person@example.com"]
    assert "Join Acme Studio" in sent.subject
    assert f"http://testserver/invite/{invitation.token}/" in sent.body
    assert "admin@example.com invites you" in sent.body
    assert AuditEvent.objects.filter(team=team, action=AuditAction.INVITED).exists()


def test_inviting_someone_already_in_the_team_says_so(team, admin, member):
    response = client_in(team, admin).post(
        "/team/invitations/", {"email": "member@example.com", "role": "viewer"}, follow=True
    )
    assert "member@example.com is already in this team." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_admin_cannot_invite_an_owner(team, admin):
    client_in(team, admin).post(
        "/team/invitations/", {"email": "boss@example.com", "role": "owner"}
    )
    assert not Invitation.objects.exists()


def test_a_signed_in_user_accepts_an_email_invitation(team, owner):
    invitation = Invitation.issue(owner_membership(team, owner), Role.MEMBER, "guest@example.com")
    guest = make_user("guest@example.com")
    client = client_for(guest)
    page = client.get(invitation.get_absolute_url())
    assert "Join Acme Studio" in page.content.decode()
    response = client.post(invitation.get_absolute_url(), follow=True)
    assert response.redirect_chain[-1][0] == "/library/"
    assert Membership.objects.get(team=team, user=guest).role == Role.MEMBER
    assert response.context["request"].team == team  # switched to it
    invitation.refresh_from_db()
    assert invitation.accepted_by == guest and invitation.accepted_at is not None
    assert AuditEvent.objects.filter(team=team, action=AuditAction.JOINED).exists()


def test_an_email_invitation_works_once(team, owner):
    invitation = Invitation.issue(owner_membership(team, owner), Role.MEMBER, "guest@example.com")
    invitation.accept(make_user("guest@example.com"))
    page = client_for(make_user("other@example.com")).get(invitation.get_absolute_url())
    assert "already been used" in page.content.decode()


def test_an_email_invitation_is_only_for_its_address(team, owner, outsider):
    invitation = Invitation.issue(owner_membership(team, owner), Role.MEMBER, "guest@example.com")
    page = client_for(outsider).get(invitation.get_absolute_url()).content.decode()
    assert "This invitation is for guest@example.com" in page
    assert "Join Acme Studio</button>" not in page
    response = client_for(outsider).post(invitation.get_absolute_url())
    assert "This invitation is for guest@example.com" in response.content.decode()
    assert not Membership.objects.filter(team=team, user=outsider).exists()


def test_a_new_person_accepts_through_sign_up(team, owner, client):
    invitation = Invitation.issue(owner_membership(team, owner), Role.VIEWER, "fresh@example.com")
    page = client.get(invitation.get_absolute_url()).content.decode()
    assert "Create an account" in page
    signup = client.get(
        f"/accounts/signup/?next={invitation.get_absolute_url()}&email=fresh@example.com"
    )
    assert 'value="fresh@example.com"' in signup.content.decode()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "fresh@example.com",
            "password1": "a-long-password-1",
            "next": invitation.get_absolute_url(),
        },
    )
    assert response.url == invitation.get_absolute_url()
    client.post(invitation.get_absolute_url())
    assert Membership.objects.get(team=team, user__email="fresh@example.com").role == Role.VIEWER


def test_a_link_invitation_lets_several_people_join_until_it_expires(team, owner):
    client_in(team, owner).post("/team/invitations/link/", {"role": "viewer", "days": "1"})
    link = Invitation.objects.get(team=team)
    assert link.email == ""
    assert link.expires_at - timezone.now() > timedelta(hours=23)
    for email in ("one@example.com", "two@example.com"):
        client_for(make_user(email)).post(link.get_absolute_url())
    assert Membership.objects.filter(team=team, role=Role.VIEWER).count() == 2

    Invitation.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    late = make_user("late@example.com")
    response = client_for(late).post(link.get_absolute_url())
    assert "This invitation has expired" in response.content.decode()
    assert not Membership.objects.filter(team=team, user=late).exists()


def test_a_revoked_invitation_stops_working(team, owner, admin):
    invitation = Invitation.issue(owner_membership(team, owner), Role.MEMBER, "guest@example.com")
    client_in(team, admin).post(f"/team/invitations/{invitation.pk}/revoke/")
    guest = make_user("guest@example.com")
    response = client_for(guest).post(invitation.get_absolute_url())
    assert "This invitation was withdrawn" in response.content.decode()
    assert not Membership.objects.filter(team=team, user=guest).exists()
    assert AuditEvent.objects.filter(team=team, action=AuditAction.INVITATION_REVOKED).exists()


def test_pending_invitations_leave_out_used_expired_and_revoked_ones(team, owner):
    by = owner_membership(team, owner)
    live = Invitation.issue(by, Role.MEMBER, "live@example.com")
    used = Invitation.issue(by, Role.MEMBER, "used@example.com")
    used.accept(make_user("used@example.com"))
    revoked = Invitation.issue(by, Role.MEMBER)
    revoked.revoke(by)
    expired = Invitation.issue(by, Role.MEMBER)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert list(Invitation.objects.filter(team=team).pending()) == [live]


def test_a_member_already_in_the_team_keeps_their_role(team, owner, admin):
    link = Invitation.issue(owner_membership(team, owner), Role.VIEWER)
    link.accept(admin)
    assert Membership.objects.get(team=team, user=admin).role == Role.ADMIN


def test_only_admins_issue_invitations(team, member):
    with pytest.raises(NotAllowed):
        Invitation.issue(Membership.objects.get(team=team, user=member), Role.VIEWER)


def test_an_unknown_invitation_is_not_found(client, db):
    assert client.get("/invite/not-a-real-token/").status_code == 404
