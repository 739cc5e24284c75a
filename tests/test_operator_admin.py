"""The operators' console (Django's admin at ADMIN_PATH): staff see teams, members, jobs,
clips and the credit ledger, and allow a team to spend the server's key; nobody else gets in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from avatarstudio.accounts.models import Team
from avatarstudio.studio.models import Generation, LedgerEntry
from tests.helpers import client_for, make_user
from tests.library.helpers import make_clip
from tests.studio.helpers import start_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = make_user("operator@example.com")
    user.is_staff = user.is_superuser = True
    user.save()
    return client_for(user)


@pytest.fixture
def busy_team(team, owner):
    generation = start_generation(team, owner)
    clip = make_clip(team, owner, "Launch")
    clip.generation = generation
    clip.save()
    return team


@pytest.mark.parametrize(
    "model", ["accounts_team", "accounts_membership", "studio_generation", "studio_ledgerentry",
              "studio_speechcall", "library_clip", "accounts_auditevent"],
)  # fmt: skip
def test_staff_see_every_list_and_every_row(operator, busy_team, model):
    listing = operator.get(reverse(f"admin:{model}_changelist"))
    assert listing.status_code == 200
    rows = listing.context["cl"].result_list
    for row in rows:
        assert operator.get(reverse(f"admin:{model}_change", args=[row.pk])).status_code == 200


def test_an_operator_allows_a_team_to_spend_the_server_key(operator, team):
    response = operator.post(
        reverse("admin:accounts_team_changelist"),
        {"action": "allow_server_key", "_selected_action": [team.pk]},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.server_key_allowed


def test_an_operator_sets_a_teams_server_key_limit(operator, team):
    url = reverse("admin:accounts_team_change", args=[team.pk])
    form = {
        "name": team.name,
        "server_key_allowed": "on",
        "server_key_monthly_seconds": "120",
        "monthly_limit_seconds": "",
        "default_mode": "std",
        "price_std": "0.4",
        "price_pro": "0.8",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": team.memberships.get().pk,
        "memberships-0-team": team.pk,
    }
    assert operator.post(url, form).status_code == 302
    team.refresh_from_db()
    assert (team.server_key_allowed, team.server_key_limit_seconds) == (True, 120)


def test_jobs_and_the_ledger_are_for_looking_not_editing(operator, busy_team):
    generation = Generation.objects.get()
    page = operator.get(reverse("admin:studio_generation_change", args=[generation.pk]))
    assert b'name="status"' not in page.content
    assert generation.callback_token.encode() not in page.content
    entry = LedgerEntry.objects.get()
    assert (
        operator.post(reverse("admin:studio_ledgerentry_delete", args=[entry.pk])).status_code
        == 403
    )


def test_a_team_owner_who_is_not_staff_is_sent_to_the_sign_in(team, owner):
    response = client_for(owner).get(reverse("admin:accounts_team_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    refused = client_for(owner).post(
        reverse("admin:accounts_team_changelist"),
        {"action": "allow_server_key", "_selected_action": [team.pk]},
    )
    assert refused.status_code == 302
    assert not Team.objects.filter(server_key_allowed=True).exists()


def test_the_consoles_sign_in_is_the_sites_own_rate_limited_one(db):
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_who_may_only_look_cannot_allow_a_team_or_delete_anything(team, owner):
    looker = make_user("looker@example.com")
    looker.is_staff = True
    looker.save()
    looker.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_team", "view_membership"])
    )
    client = client_for(looker)
    assert client.get(reverse("admin:accounts_team_changelist")).status_code == 200
    client.post(
        reverse("admin:accounts_team_changelist"),
        {"action": "allow_server_key", "_selected_action": [team.pk]},
    )
    team.refresh_from_db()
    assert not team.server_key_allowed
    member_row = team.memberships.get()
    delete = reverse("admin:accounts_membership_delete", args=[member_row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert team.memberships.exists()


def test_not_even_a_superuser_deletes_a_team_or_a_membership_in_the_console(operator, team):
    delete_team = reverse("admin:accounts_team_delete", args=[team.pk])
    assert operator.post(delete_team, {"post": "yes"}).status_code == 403
    row = team.memberships.get()
    delete_row = reverse("admin:accounts_membership_delete", args=[row.pk])
    assert operator.post(delete_row, {"post": "yes"}).status_code == 403
    assert Team.objects.filter(pk=team.pk).exists() and team.memberships.exists()
