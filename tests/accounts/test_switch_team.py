from __future__ import annotations

import pytest

from avatarstudio.accounts.models import Team
from tests.helpers import client_for


@pytest.fixture
def member_client(member):
    return client_for(member)


def test_a_signed_in_user_works_in_their_personal_team_by_default(member_client, member):
    response = member_client.get("/")
    personal = Team.objects.personal_for(member)
    assert response.wsgi_request.team == personal
    assert response.context["request"].membership.role == "owner"


def test_switching_team_keeps_the_choice_in_the_session(member_client, team):
    response = member_client.post("/teams/switch/", {"team": team.pk, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = member_client.get("/")
    assert response.wsgi_request.team == team
    assert response.wsgi_request.membership.role == "member"
    assert f"You are now working in {team.name}." in response.content.decode()


def test_the_header_switcher_lists_every_team_of_the_user(member_client, team, member):
    page = member_client.get("/").content.decode()
    assert 'action="/teams/switch/"' in page
    assert f'name="team" value="{team.pk}"' in page
    personal = Team.objects.personal_for(member)
    assert f'name="team" value="{personal.pk}"' in page


def test_an_outsider_cannot_switch_into_a_team(outsider, team):
    client = client_for(outsider)
    response = client.post("/teams/switch/", {"team": team.pk})
    assert response.status_code == 404
    assert client.get("/").wsgi_request.team != team


@pytest.mark.parametrize("team_id", ["", "Acme Studio", "\x00", "1.5", "9" * 30, "9" * 5000])
def test_a_team_id_that_is_not_a_number_of_one_of_your_teams_is_not_found(
    member_client, team, team_id
):
    response = member_client.post("/teams/switch/", {"team": team_id})
    assert response.status_code == 404
    assert member_client.get("/").wsgi_request.team.is_personal


def test_switching_refuses_to_redirect_to_another_site(member_client, team):
    response = member_client.post(
        "/teams/switch/", {"team": team.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_switching_needs_a_post(member_client, team):
    assert member_client.get("/teams/switch/", {"team": team.pk}).status_code == 405


def test_leaving_the_chosen_team_falls_back_to_the_personal_team(member_client, team, member):
    member_client.post("/teams/switch/", {"team": team.pk})
    team.memberships.filter(user=member).delete()
    response = member_client.get("/")
    assert response.wsgi_request.team.is_personal
    assert "team_id" not in member_client.session


def test_anonymous_visitors_have_no_team(client, db):
    response = client.get("/")
    assert response.wsgi_request.team is None
    assert response.wsgi_request.membership is None
