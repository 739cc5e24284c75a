"""The gallery: search, filters, sorting, keyset pages, and a constant number of queries."""

from __future__ import annotations

import base64
import json
import re

import pytest

from avatarstudio.library.gallery import paginate
from avatarstudio.library.models import Clip, Favourite
from tests.helpers import client_for
from tests.library.helpers import days_ago, make_clip

pytestmark = pytest.mark.django_db


def member_of(team, user):
    client = client_for(user)
    client.post("/teams/switch/", {"team": team.pk})
    return client


def titles(response) -> list[str]:
    return re.findall(r'<span class="clip-title">([^<]*)</span>', response.content.decode())


@pytest.fixture
def shelf(team, owner, member):
    return {
        "launch": make_clip(
            team, owner, "Spring launch", duration=30, mode="pro", created=days_ago(1)
        ),
        "thanks": make_clip(
            team,
            member,
            "Thank you all",
            duration=5,
            prompt="A warm THANK you",
            created=days_ago(3),
        ),
        "chinese": make_clip(team, member, "新年祝福", duration=45, created=days_ago(10)),
        "banana": make_clip(team, owner, "banana split", duration=12, created=days_ago(40)),
    }


def test_the_gallery_lists_the_teams_clips_newest_first(team, member, shelf):
    response = member_of(team, member).get("/library/")
    assert titles(response) == ["Spring launch", "Thank you all", "新年祝福", "banana split"]
    assert "4 clips" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=LAUNCH", ["Spring launch"]),
        ("q=thank", ["Thank you all"]),
        ("q=warm+thank", ["Thank you all"]),  # found in the prompt
        ("q=新年", ["新年祝福"]),
        ("mode=pro", ["Spring launch"]),
        ("sort=oldest", ["banana split", "新年祝福", "Thank you all", "Spring launch"]),
        ("sort=longest", ["新年祝福", "Spring launch", "banana split", "Thank you all"]),
        ("sort=title", ["banana split", "Spring launch", "Thank you all", "新年祝福"]),
    ],
)
def test_search_filters_and_sorting_choose_the_right_clips(team, member, shelf, query, expected):
    assert titles(member_of(team, member).get(f"/library/?{query}")) == expected


def test_filtering_by_creator_and_dates(team, member, owner, shelf):
    client = member_of(team, member)
    assert titles(client.get(f"/library/?creator={owner.pk}")) == ["Spring launch", "banana split"]
    since = days_ago(15).date().isoformat()
    until = days_ago(2).date().isoformat()
    assert titles(client.get(f"/library/?since={since}&until={until}")) == [
        "Thank you all",
        "新年祝福",
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_dates_at_either_end_of_the_calendar_filter_nothing_out(
    team, member, shelf, settings, zone
):
    settings.TIME_ZONE = zone
    response = member_of(team, member).get("/library/?since=0001-01-01&until=9999-12-31")
    assert response.status_code == 200
    assert len(titles(response)) == len(shelf)


def test_favourites_are_per_user(team, member, owner, shelf):
    Favourite.objects.create(user=member, clip=shelf["banana"])
    assert titles(member_of(team, member).get("/library/?favourites=on")) == ["banana split"]
    assert titles(member_of(team, owner).get("/library/?favourites=on")) == []


def test_an_htmx_request_gets_only_the_results(team, member, shelf):
    response = member_of(team, member).get(
        "/library/?q=launch", headers={"HX-Request": "true", "HX-Target": "gallery-results"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="gallery-results"')
    assert "<form" not in body


def test_trashed_clips_leave_the_gallery(team, member, shelf):
    shelf["launch"].move_to_trash()
    assert "Spring launch" not in titles(member_of(team, member).get("/library/"))


def test_pages_walk_forwards_and_backwards_over_every_clip_once(team, owner):
    for number in range(11):
        make_clip(team, owner, f"Clip {number:02}", created=days_ago(number))
    clips = Clip.objects.for_team(team)
    seen = []
    page = paginate(clips, "newest", size=4)
    assert page.is_first and not page.is_last
    while True:
        seen += [clip.title for clip in page.clips]
        if page.is_last:
            break
        page = paginate(clips, "newest", after=page.next_cursor, size=4)
    assert seen == [f"Clip {n:02}" for n in range(11)]
    last = paginate(clips, "newest", last=True, size=4)
    assert [c.title for c in last.clips] == ["Clip 07", "Clip 08", "Clip 09", "Clip 10"]
    back = paginate(clips, "newest", before=last.previous_cursor, size=4)
    assert [c.title for c in back.clips] == ["Clip 03", "Clip 04", "Clip 05", "Clip 06"]
    start = paginate(clips, "newest", before=back.previous_cursor, size=4)
    assert [c.title for c in start.clips] == ["Clip 00", "Clip 01", "Clip 02", "Clip 03"]
    assert start.is_first


@pytest.mark.parametrize("sort", ["newest", "oldest", "longest", "title"])
def test_every_sort_order_pages_through_equal_keys_without_loss(team, owner, sort):
    moment = days_ago(1)
    for _ in range(7):
        make_clip(team, owner, "Same title", duration=10, created=moment)
    clips = Clip.objects.for_team(team)
    page, seen = paginate(clips, sort, size=3), []
    while True:
        seen += [clip.pk for clip in page.clips]
        if page.is_last:
            break
        page = paginate(clips, sort, after=page.next_cursor, size=3)
    assert sorted(seen) == sorted(clips.values_list("pk", flat=True))


def test_a_broken_cursor_shows_the_first_page(team, member, shelf):
    assert titles(member_of(team, member).get("/library/?after=!!nonsense"))[0] == "Spring launch"


def test_the_pager_links_keep_the_filters(team, owner):
    for number in range(30):
        make_clip(team, owner, f"Pro clip {number}", mode="pro")
    page = member_of(team, owner).get("/library/?mode=pro").content.decode()
    assert 'href="?mode=pro&amp;after=' in page
    assert 'href="?mode=pro&amp;page=last"' in page


def test_the_gallery_costs_the_same_queries_for_10_or_60_clips(
    team, owner, django_assert_num_queries
):
    client = member_of(team, owner)
    for number in range(10):
        make_clip(team, owner, f"Clip {number}")
    client.get("/library/")
    with django_assert_num_queries(6) as first:
        client.get("/library/")
    for number in range(50):
        make_clip(team, owner, f"More {number}")
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/library/?page=last")


def test_outsiders_see_none_of_the_teams_clips(outsider, shelf):
    assert titles(client_for(outsider).get("/library/")) == []


def test_a_title_is_escaped_in_its_tile(team, member):
    make_clip(team, member, '<script>alert("x")</script>')
    page = member_of(team, member).get("/library/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_a_tile_links_to_the_clip_page_its_video_and_its_poster(team, member, shelf):
    page = member_of(team, member).get("/library/").content.decode()
    pk = shelf["launch"].pk
    assert f'href="/library/{pk}/"' in page
    assert f'data-preview="/library/{pk}/video.mp4"' in page
    assert f'src="/library/{pk}/poster.jpg"' in page


def test_a_large_library_is_counted_up_to_a_limit(team, member, shelf, monkeypatch):
    monkeypatch.setattr("avatarstudio.library.gallery.COUNT_LIMIT", 3)
    page = member_of(team, member).get("/library/").content.decode()
    assert "3+ clips" in page


def test_the_filters_show_the_choices_made(team, member, shelf):
    page = member_of(team, member).get(
        f"/library/?creator={member.pk}&mode=pro&since=2026-01-02&favourites=on&sort=title"
    )
    html = page.content.decode()
    assert f'<option value="{member.pk}" selected>{member.email}</option>' in html
    assert '<option value="pro" selected>Pro</option>' in html
    assert '<input type="date" name="since" value="2026-01-02" id="id_since">' in html
    assert '<input type="checkbox" name="favourites" id="id_favourites" checked>' in html
    assert '<option value="title" selected>Title A to Z</option>' in html


def test_a_cursor_whose_id_is_not_a_uuid_shows_the_first_page(team, member, shelf):
    forged = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", "x"]).encode())
    response = member_of(team, member).get(f"/library/?after={forged.decode().rstrip('=')}")
    assert response.status_code == 200
    assert titles(response)[0] == "Spring launch"


@pytest.mark.parametrize(
    ("sort", "forged"),
    [
        ("longest", f'[1{"0" * 400}, "00000000-0000-0000-0000-000000000000"]'),
        ("newest", "[" * 5000 + "]" * 5000),
    ],
    ids=["a-duration-too-large-for-a-float", "arrays-nested-5000-deep"],
)
def test_a_cursor_too_large_or_too_deep_to_read_shows_the_first_page(
    team, member, shelf, sort, forged
):
    cursor = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    response = member_of(team, member).get(f"/library/?sort={sort}&after={cursor}")
    assert response.status_code == 200
    assert len(titles(response)) == len(shelf)
