"""The create page: who may use it, what it checks, what a valid submit stores and starts."""

from __future__ import annotations

import functools
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from avatarstudio.media.fetch import fetch_bytes
from avatarstudio.studio import services
from avatarstudio.studio.models import Generation, Status
from tests.helpers import client_for
from tests.media_factory import photo_bytes, voice_bytes
from tests.slow_server import DrippingServer

pytestmark = pytest.mark.django_db


def member_client(team, member):
    client = client_for(member)
    client.post("/teams/switch/", {"team": team.pk})
    return client


def form_data(**overrides):
    data = {
        "photo": SimpleUploadedFile("me.jpg", photo_bytes(600, 800), content_type="image/jpeg"),
        "audio": SimpleUploadedFile(
            "hello.mp3", voice_bytes(2.5, "mp3"), content_type="audio/mpeg"
        ),
        "prompt": "Wave and smile",
        "mode": "pro",
        "submission_token": str(uuid.uuid4()),
        "consent_statement": "self",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_shows_every_field_with_its_label(team, member):
    page = member_client(team, member).get("/create/").content.decode()
    for label in ("Face photo", "Photo URL", "Audio file", "Kling audio ID", "Prompt", "Mode"):
        assert f">{label}" in page
    assert "Generate video" in page
    assert "About 0.4 Kling units per second" in page
    assert "About 0.8 Kling units per second" in page
    assert 'maxlength="2500"' in page


def test_a_viewer_gets_404(team, viewer):
    assert member_client(team, viewer).get("/create/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/create/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_valid_submit_stores_the_inputs_under_the_team_and_queues_the_job(
    team, member, django_capture_on_commit_callbacks
):
    client = member_client(team, member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/create/", form_data())
    generation = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/generations/{generation.pk}/"
    assert generation.team == team
    assert generation.created_by == member
    assert generation.status == Status.QUEUED
    assert generation.mode == "pro"
    assert generation.prompt == "Wave and smile"
    assert generation.photo.name == f"teams/{team.pk}/inputs/{generation.pk}/photo.jpg"
    assert generation.audio.name == f"teams/{team.pk}/inputs/{generation.pk}/voice.mp3"
    assert generation.photo.open("rb").read() == photo_bytes(600, 800)
    assert generation.audio_seconds == pytest.approx(2.5, abs=0.1)
    assert DBTaskResult.objects.get().args_kwargs["args"][0] == str(generation.pk)


def test_an_htmx_submit_answers_with_a_client_redirect(team, member):
    response = member_client(team, member).post(
        "/create/", form_data(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == Generation.objects.get().get_absolute_url()


def test_a_double_click_makes_one_generation(team, member):
    client = member_client(team, member)
    token = str(uuid.uuid4())
    first = client.post("/create/", form_data(submission_token=token))
    second = client.post("/create/", form_data(submission_token=token))
    assert Generation.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_kling_audio_id_can_stand_in_for_the_audio_file(team, member):
    client = member_client(team, member)
    client.post("/create/", form_data(audio=None, audio_id="a1b2c3d4e5f6"))
    generation = Generation.objects.get()
    assert generation.audio_id == "a1b2c3d4e5f6"
    assert not generation.audio


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"photo": None}, "Choose a face photo, or paste the web address of one."),
        ({"audio": None}, "Choose an audio file with the voice, or enter a Kling audio ID."),
        ({"audio_id": "abcdefgh1234"}, "Use either an audio file or a Kling audio ID, not both."),
        ({"audio": None, "audio_id": "bad id!"}, "does not look like a Kling audio ID"),
        (
            {"photo_url": "https://example.com/a.jpg"},
            "Use either an uploaded photo or a photo URL, not both.",
        ),
        ({"prompt": "x" * 2501}, "The prompt is 2,501 characters; Kling accepts at most 2,500."),
        (
            {"audio": SimpleUploadedFile("short.wav", voice_bytes(1.9, "wav"))},
            "This audio file has only 1.9 s of voice; Kling needs at least 2 seconds.",
        ),
        ({"mode": "ultra"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_message_that_says_how_to_fix_it(
    team, member, overrides, message
):
    response = member_client(team, member).post("/create/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Generation.objects.exists()


def test_a_refused_form_keeps_the_prompt_and_mode(team, member):
    page = member_client(team, member).post("/create/", form_data(photo=None)).content.decode()
    assert "Wave and smile</textarea>" in page
    assert re.search(r'value="pro"[^>]*checked', page)


def test_an_htmx_refusal_swaps_in_only_the_messages(team, member):
    response = member_client(team, member).post(
        "/create/", form_data(photo=None), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert '<div id="error-photo" class="field-errors" hx-swap-oob="true">' in page
    assert "Choose a face photo" in page
    assert "<form" not in page


def test_a_photo_url_is_fetched_by_the_server_and_checked_like_an_upload(team, member, monkeypatch):
    fetched = []

    def fake_fetch(url, **kwargs):
        fetched.append(url)
        return photo_bytes(500, 500, fmt="PNG")

    monkeypatch.setattr(services, "fetch_bytes", fake_fetch)
    member_client(team, member).post(
        "/create/", form_data(photo=None, photo_url="https://cdn.example/me.png")
    )
    generation = Generation.objects.get()
    assert fetched == ["https://cdn.example/me.png"]
    assert generation.photo.name.endswith("photo.png")


def test_a_photo_url_inside_our_network_is_refused(team, member):
    response = member_client(team, member).post(
        "/create/", form_data(photo=None, photo_url="http://169.254.169.254/latest/meta-data/")
    )
    assert "We cannot fetch this address" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_photo_url_that_downloads_too_slowly_is_refused_with_what_to_do_instead(
    team, member, settings, monkeypatch
):
    settings.PHOTO_FETCH_DEADLINE_SECONDS = 0.3
    # The slow host is on loopback, which the URL guard lets through only as an allowed host.
    allow_loopback = functools.partial(fetch_bytes, allowed_hosts=["127.0.0.1"])
    monkeypatch.setattr(services, "fetch_bytes", allow_loopback)
    with DrippingServer() as server:
        response = member_client(team, member).post(
            "/create/", form_data(photo=None, photo_url=server.url)
        )
    assert (
        "The photo at this address took too long to download (more than 0.3 seconds). "
        "Download it to your computer and upload it here instead."
    ) in response.content.decode()
    assert not Generation.objects.exists()


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(team, member, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = member_client(team, member).post("/create/", form_data())
    assert response.status_code == 413
    assert "too large" in response.content.decode()
