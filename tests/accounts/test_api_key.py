"""The team's own CometAPI key: encrypted at rest, shown by its last four characters only,
used for the team's calls, testable, and never in a page or a log."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from avatarstudio.accounts.models import AuditAction, AuditEvent, Team
from avatarstudio.studio.models import Status
from tests.helpers import client_in
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db

TEAM_KEY = "sk-team-0123456789abcdef-WXYZ"


def stored_column(team: Team) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted FROM accounts_team WHERE id = %s", [team.pk])
        return cursor.fetchone()[0]


def test_the_key_is_stored_encrypted_and_shown_by_its_last_four(team, admin):
    client = client_in(team, admin)
    response = client.post("/team/settings/key/", {"api_key": f"  {TEAM_KEY} "}, follow=True)
    team.refresh_from_db()
    assert team.api_key == TEAM_KEY
    assert TEAM_KEY not in stored_column(team)
    assert team.api_key_hint == "WXYZ"
    page = response.content.decode()
    assert "…WXYZ" in page
    assert TEAM_KEY not in page and "0123456789abcdef" not in page
    event = AuditEvent.objects.get(team=team, action=AuditAction.KEY_SET)
    assert TEAM_KEY not in str(event.__dict__)


def test_a_key_that_is_not_a_key_is_refused_with_a_hint(team, admin):
    response = client_in(team, admin).post(
        "/team/settings/key/", {"api_key": "sk abc"}, follow=True
    )
    assert "does not look like an API key" in response.content.decode()
    team.refresh_from_db()
    assert not team.has_api_key


def test_removing_the_key_goes_back_to_the_servers(team, admin):
    team.set_api_key(TEAM_KEY)
    team.save()
    client_in(team, admin).post("/team/settings/key/", {"remove": "1"})
    team.refresh_from_db()
    assert (team.api_key_encrypted, team.api_key_hint, team.api_key) == ("", "", "")
    assert AuditEvent.objects.filter(team=team, action=AuditAction.KEY_REMOVED).exists()


def test_keys_can_be_rotated_with_a_list_of_fernet_keys(team, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TEAM_KEY_ENCRYPTION_KEYS = [old]
    team.set_api_key(TEAM_KEY)
    team.save()
    settings.TEAM_KEY_ENCRYPTION_KEYS = [new, old]
    assert Team.objects.get(pk=team.pk).api_key == TEAM_KEY


def test_the_teams_calls_use_the_teams_key(team, owner, provider):
    provider.config.api_key = TEAM_KEY  # the server's key ("test-key") would be refused
    team.set_api_key(TEAM_KEY)
    team.save()
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.status == Status.READY


def test_without_a_team_key_the_servers_key_is_used(team, owner, provider):
    provider.config.api_key = "test-key"
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.status == Status.READY


def test_a_refused_key_fails_the_job_for_an_admin_to_fix_and_stays_out_of_the_logs(
    team, owner, provider, caplog
):
    provider.config.api_key = "the-right-key-1234"
    team.set_api_key(TEAM_KEY)
    team.save()
    caplog.set_level(logging.DEBUG)
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.status == Status.FAILED
    assert generation.failure_fixable_by == "admin"
    assert "CometAPI key" in generation.failure_message
    assert caplog.records, "the run logged nothing, so the check below would prove nothing"
    assert TEAM_KEY not in caplog.text
    assert not any(TEAM_KEY in str(record.args) for record in caplog.records)


def test_a_key_the_server_can_no_longer_read_asks_an_admin_to_enter_it_again(
    team, owner, provider, settings
):
    settings.TEAM_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    team.set_api_key(TEAM_KEY)
    team.save()
    settings.TEAM_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.status == Status.FAILED
    assert "enter it again" in generation.failure_message


def test_test_key_says_the_key_works(team, admin, provider):
    provider.config.api_key = TEAM_KEY
    team.set_api_key(TEAM_KEY)
    team.save()
    response = client_in(team, admin).post(
        "/team/settings/key/test/", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'id="key-check"' in html and "is-ok" in html
    assert "The key works" in html
    assert TEAM_KEY not in html


def test_test_key_says_when_the_key_is_refused(team, admin, provider):
    provider.config.api_key = "another-key-5678"
    team.set_api_key(TEAM_KEY)
    team.save()
    response = client_in(team, admin).post("/team/settings/key/test/", follow=True)
    html = response.content.decode()
    assert "refused the API key" in html
    assert TEAM_KEY not in html


def test_the_settings_page_never_prints_the_key(team, admin):
    team.set_api_key(TEAM_KEY)
    team.save()
    html = client_in(team, admin).get("/team/settings/").content.decode()
    assert TEAM_KEY not in html
    assert team.api_key_encrypted not in html
    assert 'type="password"' in html
