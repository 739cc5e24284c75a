"""Share links: public, unguessable, optionally expiring, revocable, counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from avatarstudio.library.models import ShareLink
from tests.helpers import client_for
from tests.library.helpers import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip(team, owner):
    return make_clip(team, owner, "Launch greeting")


@pytest.fixture
def link(clip, owner):
    return ShareLink.objects.create(clip=clip, created_by=owner)


def owner_of(team, owner):
    client = client_for(owner)
    client.post("/teams/switch/", {"team": team.pk})
    return client


def test_creating_a_link_with_an_expiry(team, owner, clip):
    response = owner_of(team, owner).post(
        f"/library/{clip.pk}/share/", {"expires_in": "7"}, follow=True
    )
    link = ShareLink.objects.get()
    assert len(link.token) >= 32
    assert link.expires_at == pytest.approx(
        timezone.now() + timedelta(days=7), abs=timedelta(minutes=1)
    )
    assert f"/s/{link.token}/" in response.content.decode()


def test_the_public_page_plays_the_clip_shows_nothing_else_and_counts_views(
    client, clip, link, team
):
    page = client.get(f"/s/{link.token}/").content.decode()
    client.get(f"/s/{link.token}/")
    assert "Launch greeting" in page
    assert f'src="/s/{link.token}/video.mp4"' in page
    assert team.name not in page and "owner@example.com" not in page
    link.refresh_from_db()
    assert link.views == 2
    assert b"".join(client.get(f"/s/{link.token}/video.mp4").streaming_content) == b"mp4!"


def test_a_revoked_link_stops_working(team, owner, client, clip, link):
    owner_of(team, owner).post(f"/library/{clip.pk}/share/{link.pk}/revoke/")
    assert client.get(f"/s/{link.token}/").status_code == 404
    assert client.get(f"/s/{link.token}/video.mp4").status_code == 404


def test_an_expired_link_stops_working(client, link):
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/s/{link.token}/").status_code == 404
    assert client.get(f"/s/{link.token}/poster.jpg").status_code == 404


def test_a_clip_in_the_trash_is_not_shared(client, clip, link):
    clip.move_to_trash()
    assert client.get(f"/s/{link.token}/").status_code == 404


def test_a_guessed_token_is_404(client, link):
    assert client.get("/s/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/").status_code == 404


def test_outsiders_cannot_revoke_a_link(outsider, clip, link):
    response = client_for(outsider).post(f"/library/{clip.pk}/share/{link.pk}/revoke/")
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_media_files_are_not_served_by_guessing_their_path(client, clip):
    assert client.get(f"/media/{clip.video.name}").status_code == 404
