"""The generation page and its status card: live while running, final when done."""

from __future__ import annotations

import pytest

from avatarstudio.studio.models import Generation, Status
from tests.helpers import client_for
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def generation(team, owner, provider):
    return start_generation(team, owner)


def owner_client(team, owner):
    client = client_for(owner)
    client.post("/teams/switch/", {"team": team.pk})
    return client


def test_a_running_job_shows_a_card_that_polls_every_2_seconds(team, owner, generation):
    page = owner_client(team, owner).get(generation.get_absolute_url()).content.decode()
    assert 'data-status="queued"' in page
    assert 'hx-trigger="every 2s, poll-now"' in page
    assert '<meta http-equiv="refresh" content="5">' in page  # inside <noscript>
    assert "Making your video" in page


def test_htmx_gets_only_the_card(team, owner, generation):
    response = owner_client(team, owner).get(
        generation.get_absolute_url(), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith("<article")
    assert "<html" not in body
    assert f'id="generation-{generation.pk}"' in body


def test_the_card_names_each_stage_in_words(generation):
    generation.status = Status.SUBMITTED
    assert generation.stage == "Sent to Kling"
    generation.polls = 1
    assert generation.stage == "In Kling's queue"
    generation.status = Status.PROCESSING
    assert generation.stage == "Generating"
    generation.status = Status.SAVING
    assert generation.stage == "Saving to your library"


def test_a_finished_job_stops_polling_and_shows_the_clip(team, owner, generation):
    drive(generation)
    page = (
        owner_client(team, owner)
        .get(generation.get_absolute_url(), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert 'data-status="ready"' in page
    assert "hx-trigger" not in page
    clip = generation.clip
    assert f'src="/library/{clip.pk}/video.mp4"' in page
    assert f'poster="/library/{clip.pk}/poster.jpg"' in page
    assert f'href="/library/{clip.pk}/"' in page


def test_a_failed_job_says_why_what_to_do_and_offers_to_try_again(team, owner, generation):
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.FAILED,
        failure_message="Kling's servers had a problem.",
        failure_fixable_by="nobody",
        retry_helps=True,
    )
    page = owner_client(team, owner).get(generation.get_absolute_url()).content.decode()
    assert 'data-status="failed"' in page
    assert "Kling&#x27;s servers had a problem." in page
    assert "This was not your fault." in page
    assert "Try again</button>" in page


def test_try_again_starts_a_new_generation_with_the_same_inputs(team, owner, generation):
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED, retry_helps=True)
    response = owner_client(team, owner).post(f"/generations/{generation.pk}/retry/")
    again = Generation.objects.exclude(pk=generation.pk).get()
    assert response["Location"] == again.get_absolute_url()
    assert again.retry_of == generation
    assert again.status == Status.QUEUED
    assert again.photo.open("rb").read() == generation.photo.open("rb").read()
    assert again.photo.name != generation.photo.name


def test_try_again_is_refused_when_it_cannot_help(team, owner, generation):
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED, retry_helps=False)
    owner_client(team, owner).post(f"/generations/{generation.pk}/retry/")
    assert Generation.objects.count() == 1


def test_outsiders_get_404_on_the_page_and_the_retry(generation, outsider):
    client = client_for(outsider)
    assert client.get(generation.get_absolute_url()).status_code == 404
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED, retry_helps=True)
    assert client.post(f"/generations/{generation.pk}/retry/").status_code == 404
    assert Generation.objects.count() == 1


def test_a_viewer_sees_the_card_but_cannot_retry(team, viewer, generation):
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED, retry_helps=True)
    client = client_for(viewer)
    client.post("/teams/switch/", {"team": team.pk})
    page = client.get(generation.get_absolute_url()).content.decode()
    assert "Try again</button>" not in page
    assert client.post(f"/generations/{generation.pk}/retry/").status_code == 404


def test_the_dashboard_shows_running_and_recent_jobs_as_cards(team, owner, generation, provider):
    finished = start_generation(team, owner, prompt="A finished one")
    drive(finished)
    page = owner_client(team, owner).get("/").content.decode()
    assert "In progress" in page and "Recent" in page
    assert f'id="generation-{generation.pk}"' in page
    assert f'id="generation-{finished.pk}"' in page
    assert "Make your first talking video" not in page


def test_polled_from_its_own_page_the_card_also_updates_the_heading(team, owner, generation):
    drive(generation)
    url = generation.get_absolute_url()
    response = owner_client(team, owner).get(
        url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"}
    )
    assert (
        '<h1 id="generation-heading" hx-swap-oob="true">Your video is ready</h1>'
        in response.content.decode()
    )


@pytest.mark.parametrize("current_url", ["http://[", "http://testserver:99999/", "not a url"])
def test_a_current_url_that_is_not_one_returns_the_card_without_the_heading(
    team, owner, generation, current_url
):
    response = owner_client(team, owner).get(
        generation.get_absolute_url(),
        headers={"HX-Request": "true", "HX-Current-URL": current_url},
    )
    assert response.status_code == 200
    assert "generation-heading" not in response.content.decode()


def test_polled_from_the_dashboard_the_card_stays_compact(team, owner, generation):
    drive(generation)
    page = (
        owner_client(team, owner)
        .get(
            f"{generation.get_absolute_url()}?compact=1",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"},
        )
        .content.decode()
    )
    assert "generation-heading" not in page
    assert 'class="status-thumb"' in page
    assert "<video" not in page


def test_a_poll_costs_one_query_beyond_the_session_user_and_team(
    team, owner, generation, django_assert_num_queries
):
    client = owner_client(team, owner)
    client.get("/")
    with django_assert_num_queries(4):  # session, user, memberships, the generation
        client.get(generation.get_absolute_url(), headers={"HX-Request": "true"})
