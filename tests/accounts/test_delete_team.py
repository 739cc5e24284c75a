"""Deleting a team: the owner only, after typing its name; its rows and files all go."""

from __future__ import annotations

import pytest

from avatarstudio.accounts.models import Membership, Team
from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation
from avatarstudio.studio.pipeline import steps
from tests.helpers import client_in
from tests.library.helpers import make_clip
from tests.studio.helpers import start_generation

pytestmark = pytest.mark.django_db


def files_under(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_the_owner_deletes_the_team_with_every_clip_and_file(team, owner, member, settings):
    other = Team.objects.personal_for(owner)
    kept = make_clip(other, owner, "Not in the team")
    make_clip(team, member, "Launch")
    start_generation(team, member)
    folder = settings.MEDIA_ROOT / "teams" / str(team.pk)
    assert len(files_under(folder)) == 4  # a clip and its poster, a photo and a voice

    client = client_in(team, owner)
    response = client.post("/team/delete/", {"confirm": "Acme Studio"}, follow=True)

    assert "Acme Studio was deleted" in response.content.decode()
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not Clip.objects.filter(team_id=team.pk).exists()
    assert not Generation.objects.filter(team_id=team.pk).exists()
    assert not Membership.objects.filter(team_id=team.pk).exists()
    assert files_under(folder) == []
    assert not folder.exists()
    assert Clip.objects.filter(pk=kept.pk).exists()
    assert files_under(settings.MEDIA_ROOT / "teams" / str(other.pk))
    assert response.context["request"].team == other  # back to the personal team


def test_the_team_stays_unless_its_name_is_typed(team, owner):
    response = client_in(team, owner).post("/team/delete/", {"confirm": "acme"})
    assert "Type “Acme Studio” exactly" in response.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()


def test_an_admin_cannot_delete_the_team(team, admin):
    assert (
        client_in(team, admin).post("/team/delete/", {"confirm": "Acme Studio"}).status_code == 404
    )
    assert Team.objects.filter(pk=team.pk).exists()


def test_a_personal_team_is_not_deleted(owner):
    personal = Team.objects.personal_for(owner)
    response = client_in(personal, owner).post("/team/delete/", {"confirm": personal.name})
    assert response.status_code == 302
    assert Team.objects.filter(pk=personal.pk).exists()


def test_a_queued_job_of_a_deleted_team_just_stops(team, owner, provider):
    generation = start_generation(team, owner)
    client_in(team, owner).post("/team/delete/", {"confirm": "Acme Studio"})
    assert steps.advance(str(generation.pk)) == "not due"
    assert provider.stats["create_calls"] == 0
