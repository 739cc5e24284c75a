"""The first library: the team's clips, one clip's page, and its files for members only."""

from __future__ import annotations

import pytest

from tests.helpers import client_for
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip(team, owner, provider):
    generation = start_generation(team, owner, prompt="Product launch greeting")
    drive(generation)
    return generation.clip


def member_of(team, user):
    client = client_for(user)
    client.post("/teams/switch/", {"team": team.pk})
    return client


def test_the_library_lists_the_teams_clips(team, member, clip):
    page = member_of(team, member).get("/library/").content.decode()
    assert "Product launch greeting" in page
    assert f'href="/library/{clip.pk}/"' in page


def test_the_clip_page_has_a_player_and_a_download_link(team, member, clip):
    page = member_of(team, member).get(f"/library/{clip.pk}/").content.decode()
    assert f'src="/library/{clip.pk}/video.mp4"' in page
    assert f'href="/library/{clip.pk}/download"' in page
    assert "Standard (720p)" in page


def test_the_video_streams_with_ranges_for_seeking(team, member, clip):
    client = member_of(team, member)
    whole = b"".join(client.get(f"/library/{clip.pk}/video.mp4").streaming_content)
    assert len(whole) == clip.size_bytes
    part = client.get(f"/library/{clip.pk}/video.mp4", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{clip.size_bytes}"
    assert b"".join(part.streaming_content) == whole[100:200]
    assert (
        client.get(
            f"/library/{clip.pk}/video.mp4", headers={"Range": "bytes=999999999-"}
        ).status_code
        == 416
    )


def test_the_download_has_a_safe_name_from_the_title(team, member, clip):
    response = member_of(team, member).get(f"/library/{clip.pk}/download")
    assert response["Content-Disposition"] == 'attachment; filename="product-launch-greeting.mp4"'


def test_a_chinese_title_keeps_its_characters_in_the_download_name(clip):
    clip.title = "产品 发布/../"
    assert clip.download_name == "产品-发布.mp4"


@pytest.mark.parametrize(
    "path",
    [
        "/library/{pk}/",
        "/library/{pk}/video.mp4",
        "/library/{pk}/poster.jpg",
        "/library/{pk}/download",
    ],
)
def test_outsiders_get_404_for_every_clip_page_and_file(outsider, clip, path):
    assert client_for(outsider).get(path.format(pk=clip.pk)).status_code == 404


def test_an_outsiders_library_does_not_list_the_clip(outsider, clip):
    assert clip.title not in client_for(outsider).get("/library/").content.decode()


def test_a_range_header_of_thousands_of_digits_is_ignored_not_a_server_error(team, member, clip):
    response = member_of(team, member).get(
        f"/library/{clip.pk}/video.mp4", headers={"Range": "bytes=" + "9" * 4300 + "-"}
    )
    assert response.status_code == 200
