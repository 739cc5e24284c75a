from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from avatarstudio.accounts.models import Membership


@pytest.mark.django_db
def test_signing_up_creates_the_personal_team_and_lands_on_its_dashboard(client):
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
