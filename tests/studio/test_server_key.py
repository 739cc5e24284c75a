"""The server's CometAPI key is spent only by teams an operator allowed, within a monthly
limit; a team with a key of its own spends that, and a laptop lets every team use the
server's key."""

from __future__ import annotations

import pytest

from avatarstudio.studio import quotas
from avatarstudio.studio.models import Generation, Status
from avatarstudio.studio.quotas import QuotaExceeded
from tests.helpers import client_in
from tests.studio.helpers import drive, start_generation, step
from tests.studio.test_voices import SCRIPT, create, with_script

pytestmark = pytest.mark.django_db

REFUSED = "This team has no CometAPI key of its own"


@pytest.fixture
def production(settings):
    """Production's defaults: nobody may spend the server's key until an operator says so."""
    settings.SERVER_KEY_FOR_ALL_TEAMS = False
    settings.SERVER_KEY_MONTHLY_SECONDS = 600


def test_a_team_nobody_allowed_is_told_to_add_its_own_key_before_anything_is_paid(
    team, member, provider, production
):
    client = client_in(team, member)
    page = client.get("/create/").content.decode()
    assert REFUSED in page
    response = create(client, **with_script())
    assert REFUSED in response.content.decode()
    assert not Generation.objects.exists()
    assert provider.stats["tts_calls"] == 0
    assert provider.stats["create_calls"] == 0


def test_a_team_nobody_allowed_cannot_preview_speech_on_the_server_key(
    team, member, provider, production
):
    response = client_in(team, member).post("/voices/preview/", with_script(SCRIPT))
    assert REFUSED in response.content.decode()
    assert provider.stats["tts_calls"] == 0


def test_a_team_the_operator_allowed_spends_the_server_key_within_the_default_limit(
    team, member, provider, production, settings
):
    team.server_key_allowed = True
    team.save()
    settings.SERVER_KEY_MONTHLY_SECONDS = 10
    drive(start_generation(team, member, seconds=6))
    assert Generation.objects.get().status == Status.READY
    with pytest.raises(QuotaExceeded, match="this server's key's monthly limit of 10 s"):
        start_generation(team, member, seconds=6)


def test_an_operator_can_give_one_team_another_limit_on_the_server_key(
    team, member, provider, production
):
    team.server_key_allowed, team.server_key_monthly_seconds = True, 5
    team.save()
    with pytest.raises(QuotaExceeded, match="limit of 5 s"):
        start_generation(team, member, seconds=6)


def test_a_team_with_its_own_key_is_not_held_to_the_server_keys_limit(
    team, member, provider, production, settings
):
    settings.SERVER_KEY_MONTHLY_SECONDS = 1
    team.set_api_key("team-own-cometapi-key")
    team.save()
    drive(start_generation(team, member, seconds=6))
    assert Generation.objects.get().status == Status.READY
    assert quotas.seconds_used(team, quotas.month_start(), on_server_key=True) == 0


def test_server_key_for_all_teams_lets_every_team_spend_it(team, member, provider, settings):
    settings.SERVER_KEY_FOR_ALL_TEAMS = True
    drive(start_generation(team, member, seconds=3))
    assert Generation.objects.get().status == Status.READY


def test_a_queued_job_whose_team_lost_the_allowance_fails_saying_what_to_do(
    team, member, provider, production
):
    team.server_key_allowed = True
    team.save()
    generation = start_generation(team, member)
    team.server_key_allowed = False
    team.save()
    assert step(generation) == "failed"
    assert REFUSED in generation.failure_message
    assert generation.failure_fixable_by == "admin"
    assert provider.stats["create_calls"] == 0


def test_a_job_already_at_kling_still_reaches_the_library_when_the_allowance_goes(
    team, member, provider, production
):
    team.server_key_allowed = True
    team.save()
    generation = start_generation(team, member)
    step(generation)
    team.server_key_allowed = False
    team.save()
    drive(generation)
    assert generation.status == Status.READY


def test_the_key_check_says_the_team_needs_its_own_key(team, admin, provider, production):
    response = client_in(team, admin).post("/team/settings/key/test/", follow=True)
    assert REFUSED in response.content.decode()


def test_a_job_queued_on_the_teams_key_counts_on_the_server_key_once_that_is_removed(
    team, member, provider, production, settings
):
    team.server_key_allowed = True
    team.set_api_key("team-own-cometapi-key")
    team.save()
    settings.SERVER_KEY_MONTHLY_SECONDS = 10
    first = start_generation(team, member, seconds=6)
    second = start_generation(team, member, seconds=6)
    team.set_api_key("")
    team.save()
    assert step(first) == "submitted"
    assert quotas.seconds_used(team, quotas.month_start(), on_server_key=True) == 6
    assert step(second) == "failed"
    assert "this server's key's monthly limit of 10 s" in second.failure_message
    assert provider.stats["create_calls"] == 1
