from __future__ import annotations

import pytest

from tests.helpers import client_for


@pytest.mark.django_db
def test_a_visitor_sees_the_welcome_page_with_sign_up(client):
    page = client.get("/").content.decode()
    assert "Turn one photo and one voice into a talking video." in page
    assert 'href="/accounts/signup/"' in page


def test_the_dashboard_shows_the_current_team_and_an_empty_state(owner, team):
    page = client_for(owner).get("/").content.decode()
    assert "<h1>Dashboard</h1>" in page
    assert team.name.replace("'", "&#x27;") in page
    assert "Make your first talking video" in page


def test_a_viewer_is_told_how_to_get_permission_to_create(team, viewer):
    client = client_for(viewer)
    client.post("/teams/switch/", {"team": team.pk})
    page = client.get("/").content.decode()
    assert "ask an admin for the member role" in page


def test_every_page_loads_htmx_and_sends_the_csrf_token_with_it(owner):
    page = client_for(owner).get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in page
    assert 'hx-headers=\'{"x-csrftoken": "' in page
    assert '<main id="main"' in page


def test_the_header_says_when_videos_come_from_the_simulator(owner, settings):
    settings.KLING_USE_SIMULATOR = True
    assert "badge-simulator" in client_for(owner).get("/").content.decode()
    settings.KLING_USE_SIMULATOR = False
    assert "badge-simulator" not in client_for(owner).get("/").content.decode()
