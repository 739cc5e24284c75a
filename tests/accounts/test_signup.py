from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client

from avatarstudio.accounts.models import Invitation, Membership, Role
from tests.helpers import PRODUCTION, setting

PASSWORD = "a-long-password-1"


@pytest.fixture(scope="session")
def production_email_verification() -> str:
    """What a production server (DEBUG=0) reads from the settings module."""
    return json.loads(setting("ACCOUNT_EMAIL_VERIFICATION", **PRODUCTION))


@pytest.fixture
def production_sign_up(settings, production_email_verification) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = production_email_verification


def sign_up(client: Client, email: str):
    return client.post("/accounts/signup/", {"email": email, "password1": PASSWORD}, follow=True)


def confirmation_link(message) -> str:
    return re.search(r"http://testserver(/accounts/confirm-email/\S+)", message.body)[1]


def page_text(response, typed_email: str) -> str:
    """What the page says, with the address the visitor typed and the CSRF token left out."""
    text = response.content.decode().replace(typed_email, "<typed email>")
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf token>", text)


@pytest.mark.django_db
def test_on_the_laptop_signing_up_creates_the_personal_team_and_lands_on_its_dashboard(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "grace@example.com", "password1": "a-long-password-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    membership = Membership.objects.get(user__email="grace@example.com")
    assert membership.team.is_personal and membership.role == "owner"
    page = response.content.decode()
    assert "grace&#x27;s team" in page
    assert "Make your first talking video" in page


@pytest.mark.django_db
def test_a_weak_password_is_refused_with_a_reason(client):
    response = client.post("/accounts/signup/", {"email": "a@example.com", "password1": "123"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_an_email_with_a_link(client, owner):
    response = client.post("/accounts/password/reset/", {"email": owner.email}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_signup_can_be_closed(client, settings):
    settings.SIGNUP_OPEN = False
    response = client.get("/accounts/signup/")
    assert "Sign Up Closed" in response.content.decode()


@pytest.mark.django_db
def test_the_demo_account_is_made_once_on_an_empty_database(capsys):
    call_command("ensure_demo_account")
    call_command("ensure_demo_account")
    memberships = Membership.objects.filter(user__email="demo@avatarstudio.local")
    assert memberships.count() == 1
    assert "Demo login: demo@avatarstudio.local / avatarstudio-demo" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_account_is_not_made_when_people_already_use_the_site(owner):
    call_command("ensure_demo_account")
    assert not Membership.objects.filter(user__email="demo@avatarstudio.local").exists()


@pytest.mark.django_db
def test_in_production_a_sign_up_with_a_registered_email_looks_like_any_other(
    production_sign_up, owner
):
    fresh = sign_up(Client(), "fresh@example.com")
    taken = sign_up(Client(), owner.email)

    assert taken.redirect_chain == fresh.redirect_chain == [("/accounts/confirm-email/", 302)]
    assert taken.status_code == fresh.status_code == 200
    # Each page names the address its visitor typed, and says nothing else that differs.
    assert page_text(taken, owner.email) == page_text(fresh, "fresh@example.com")
    assert "already" not in page_text(taken, owner.email)
    assert "Verify Your Email Address" in page_text(taken, owner.email)
    assert get_user_model().objects.filter(email=owner.email).count() == 1


@pytest.mark.django_db
def test_in_production_the_owner_of_a_registered_email_is_told_someone_tried_to_sign_up(
    production_sign_up, owner
):
    sign_up(Client(), owner.email)
    [notice] = mail.outbox
    assert notice.to == [owner.email]
    assert "an account using that email address already exists" in notice.body
    assert "/accounts/password/reset/" in notice.body


@pytest.mark.django_db
def test_in_production_a_new_account_follows_the_emailed_link_to_its_dashboard(
    production_sign_up, client
):
    signed_up = sign_up(client, "grace@example.com")
    assert "Verify Your Email Address" in signed_up.content.decode()
    assert not signed_up.wsgi_request.user.is_authenticated
    [confirmation] = mail.outbox

    response = client.post(confirmation_link(confirmation), follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Make your first talking video" in response.content.decode()


@pytest.mark.django_db
def test_in_production_an_invited_person_comes_back_to_the_invitation_after_confirming(
    production_sign_up, client, team, owner
):
    inviter = Membership.objects.get(team=team, user=owner)
    invitation = Invitation.issue(inviter, Role.MEMBER, email="fresh@example.com")
    client.post(
        f"/accounts/signup/?next={invitation.get_absolute_url()}",
        {"email": "fresh@example.com", "password1": PASSWORD},
    )
    [confirmation] = mail.outbox

    response = client.post(confirmation_link(confirmation), follow=True)

    assert response.redirect_chain[-1][0] == invitation.get_absolute_url()
    assert "Join Acme Studio" in response.content.decode()
