"""Rename, favourite, trash and restore, delete forever, purge: who may, and what happens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from avatarstudio.accounts.models import Membership, Role
from avatarstudio.library.models import Clip, Favourite
from tests.helpers import client_for, make_user
from tests.library.helpers import make_clip
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db


def member_of(team, user):
    client = client_for(user)
    client.post("/teams/switch/", {"team": team.pk})
    return client


@pytest.fixture
def own_clip(team, member):
    return make_clip(team, member, "Member's own clip")


@pytest.fixture
def admin(team):
    user = make_user("admin@example.com")
    Membership.objects.create(team=team, user=user, role=Role.ADMIN)
    return user


def test_a_member_renames_their_own_clip(team, member, own_clip):
    response = member_of(team, member).post(
        f"/library/{own_clip.pk}/rename/", {"title": "  New   name "}
    )
    own_clip.refresh_from_db()
    assert own_clip.title == "New name"
    assert response["Location"] == own_clip.get_absolute_url()


def test_renaming_in_place_answers_with_the_new_title(team, member, own_clip):
    response = member_of(team, member).post(
        f"/library/{own_clip.pk}/rename/", {"title": "Inline"}, headers={"HX-Request": "true"}
    )
    assert "<h1>Inline</h1>" in response.content.decode()


def test_an_empty_title_is_refused(team, member, own_clip):
    response = member_of(team, member).post(
        f"/library/{own_clip.pk}/rename/", {"title": "   "}, headers={"HX-Request": "true"}
    )
    own_clip.refresh_from_db()
    assert own_clip.title == "Member's own clip"
    assert "This field is required." in response.content.decode()


def test_a_member_cannot_change_someone_elses_clip(team, member, owner):
    others = make_clip(team, owner, "Owner's clip")
    client = member_of(team, member)
    assert client.post(f"/library/{others.pk}/rename/", {"title": "x"}).status_code == 404
    assert client.post(f"/library/{others.pk}/trash/").status_code == 404
    assert client.post(f"/library/{others.pk}/share/").status_code == 404


def test_an_admin_manages_every_clip(team, admin, own_clip):
    client = member_of(team, admin)
    client.post(f"/library/{own_clip.pk}/rename/", {"title": "Admin was here"})
    own_clip.refresh_from_db()
    assert own_clip.title == "Admin was here"


def test_a_viewer_may_only_watch_and_favourite(team, viewer, own_clip):
    client = member_of(team, viewer)
    assert client.get(f"/library/{own_clip.pk}/").status_code == 200
    assert client.get(f"/library/{own_clip.pk}/download").status_code == 200
    assert client.post(f"/library/{own_clip.pk}/rename/", {"title": "x"}).status_code == 404
    assert client.post(f"/library/{own_clip.pk}/trash/").status_code == 404
    client.post(f"/library/{own_clip.pk}/favourite/")
    assert Favourite.objects.filter(user=viewer, clip=own_clip).exists()
    page = client.get(f"/library/{own_clip.pk}/").content.decode()
    assert "Rename" not in page and "Move to trash" not in page


def test_favourite_toggles_on_and_off(team, member, own_clip):
    client = member_of(team, member)
    response = client.post(f"/library/{own_clip.pk}/favourite/", headers={"HX-Request": "true"})
    assert 'aria-pressed="true"' in response.content.decode()
    response = client.post(f"/library/{own_clip.pk}/favourite/", headers={"HX-Request": "true"})
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Favourite.objects.exists()


def test_the_trash_lifecycle_restores_and_then_removes_the_files(team, owner, provider):
    generation = start_generation(team, owner)
    drive(generation)
    clip = generation.clip
    names = [clip.video.name, clip.poster.name, generation.photo.name, generation.audio.name]
    client = member_of(team, owner)

    client.post(f"/library/{clip.pk}/trash/")
    clip.refresh_from_db()
    assert clip.in_trash
    assert clip.title in client.get("/library/trash/").content.decode()
    assert client.post(f"/library/{clip.pk}/restore/").status_code == 302
    clip.refresh_from_db()
    assert not clip.in_trash

    assert client.post(f"/library/{clip.pk}/delete/").status_code == 404  # not from the library
    client.post(f"/library/{clip.pk}/trash/")
    client.post(f"/library/{clip.pk}/delete/")
    assert not Clip.objects.filter(pk=clip.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_the_purge_deletes_clips_trashed_30_days_ago_and_keeps_younger_ones(team, owner):
    old = make_clip(team, owner, "Old")
    young = make_clip(team, owner, "Young")
    Clip.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=30, minutes=1))
    Clip.objects.filter(pk=young.pk).update(deleted_at=timezone.now() - timedelta(days=29))
    call_command("purge_trash")
    assert list(Clip.objects.values_list("title", flat=True)) == ["Young"]
    assert not default_storage.exists(old.video.name)
    assert default_storage.exists(young.video.name)


def test_clips_sharing_one_file_keep_it_until_the_last_goes(team, owner):
    first = make_clip(team, owner, "First")
    second = make_clip(
        team,
        owner,
        "Second",
    )
    Clip.objects.filter(pk=second.pk).update(video=first.video.name)
    second.refresh_from_db()
    first.delete_forever()
    assert default_storage.exists(second.video.name)


def test_seed_demo_fills_a_library_quickly_with_playable_clips(team, owner, client):
    call_command("seed_demo", clips=25, team=team.pk)
    clips = Clip.objects.for_team(team)
    assert clips.count() == 25
    assert clips.values("video").distinct().count() == 1
    assert default_storage.size(clips.first().video.name) > 1000
    assert clips.filter(title__regex=r"[\u4e00-\u9fff]").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/library/{pk}/rename/",
        "/library/{pk}/favourite/",
        "/library/{pk}/trash/",
        "/library/{pk}/restore/",
        "/library/{pk}/delete/",
        "/library/{pk}/share/",
    ],
)
def test_outsiders_get_404_on_every_clip_action(outsider, own_clip, path):
    assert client_for(outsider).post(path.format(pk=own_clip.pk), {"title": "x"}).status_code == 404
    own_clip.refresh_from_db()
    assert own_clip.title == "Member's own clip" and not own_clip.in_trash


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_the_favourite_button_never_sends_anyone_to_another_site(team, member, own_clip, target):
    response = member_of(team, member).post(f"/library/{own_clip.pk}/favourite/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == own_clip.get_absolute_url()


def test_the_favourite_button_returns_to_the_gallery_it_was_pressed_on(team, member, own_clip):
    response = member_of(team, member).post(
        f"/library/{own_clip.pk}/favourite/", {"next": "/library/?q=spring"}
    )
    assert response["Location"] == "/library/?q=spring"
