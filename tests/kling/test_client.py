"""How the client speaks: paths per API style, authentication, id lookups, logs without secrets."""

from __future__ import annotations

import json
import logging

import httpx
import jwt
import pytest

from avatarstudio.kling import client as kling_client
from avatarstudio.kling.client import KlingClient, client_from_settings
from avatarstudio.kling.errors import UnexpectedResponse
from avatarstudio.kling.types import SpeechRequest
from tests.kling.helpers import avatar_request
from tests.provider import client_for

TASK = {
    "task_id": "t-1",
    "task_status": "succeeded",
    "task_info": {"external_task_id": "ext-1"},
    "created_at": 1722769557708,
    "updated_at": 1722769567708,
}


class Recorder:
    """A transport that answers every request with one task and keeps what it was sent."""

    def __init__(self, data=TASK) -> None:
        self.requests: list[httpx.Request] = []
        self.data = data

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            200, json={"code": 0, "message": "SUCCEED", "request_id": "r", "data": self.data}
        )


def recording_client(**kwargs) -> tuple[KlingClient, Recorder]:
    recorder = Recorder(kwargs.pop("data", TASK))
    values = {"base_url": "https://api.cometapi.com", "api_key": "sk-123"} | kwargs
    return KlingClient(transport=httpx.MockTransport(recorder), **values), recorder


def test_cometapi_style_prefixes_kling_and_sends_the_key_as_bearer():
    client, recorder = recording_client()
    client.get_avatar_task("t-1")
    [request] = recorder.requests
    assert request.url.path == "/kling/v1/videos/avatar/image2video/t-1"
    assert request.headers["Authorization"] == "Bearer sk-123"


def test_kling_style_drops_the_prefix_and_signs_a_short_lived_jwt():
    client, recorder = recording_client(
        base_url="https://api-singapore.klingai.com",
        api_key="",
        access_key="ak-1",
        secret_key="sk-secret-of-at-least-thirty-two-bytes",
        style="kling",
    )
    client.get_avatar_task("t-1")
    request = recorder.requests[0]
    assert request.url.path == "/v1/videos/avatar/image2video/t-1"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, "sk-secret-of-at-least-thirty-two-bytes", algorithms=["HS256"])
    assert claims["iss"] == "ak-1"
    assert claims["exp"] - claims["nbf"] == 1805


def test_an_external_id_goes_in_the_path_or_the_query_as_configured():
    client, recorder = recording_client()
    client.get_avatar_task(external_task_id="ext-1")
    assert recorder.requests[-1].url.path.endswith("/image2video/ext-1")
    client, recorder = recording_client(external_id_lookup="query")
    client.get_avatar_task(external_task_id="ext-1")
    assert recorder.requests[-1].url.params["external_task_id"] == "ext-1"


def test_the_simulator_answers_both_kinds_of_external_id_lookup(simulator):
    for lookup in ("path", "query"):
        with client_for(simulator, external_id_lookup=lookup) as client:
            request = avatar_request()
            created = client.create_avatar_task(request)
            assert (
                client.get_avatar_task(external_task_id=request.external_task_id).task_id
                == created.task_id
            )


def test_a_task_is_typed_with_aware_times_and_both_success_words():
    client, _ = recording_client()
    task = client.get_avatar_task("t-1")
    assert task.status == "succeed"
    assert task.created_at.isoformat() == "2024-08-04T11:05:57.708000+00:00"
    assert task.external_task_id == "ext-1"


def test_a_create_sends_exactly_one_audio_source_and_never_logs_the_payload(caplog):
    client, recorder = recording_client()
    request = avatar_request()
    with caplog.at_level(logging.DEBUG):
        client.create_avatar_task(request)
    body = json.loads(recorder.requests[0].content)
    assert "sound_file" in body and "audio_id" not in body
    assert body["external_task_id"] == request.external_task_id
    assert request.image not in caplog.text
    assert request.sound_file not in caplog.text
    assert "sk-123" not in caplog.text
    assert request.image not in repr(request)


def test_listing_returns_typed_tasks(sim_client):
    made = [sim_client.create_avatar_task(avatar_request()).task_id for _ in range(3)]
    listed = sim_client.list_avatar_tasks(page=1, page_size=2)
    assert [task.task_id for task in listed] == made[::-1][:2]


def test_an_answer_of_the_wrong_shape_is_unexpected_not_a_crash():
    client, _ = recording_client(data={"no": "task"})
    with pytest.raises(UnexpectedResponse):
        client.get_avatar_task("t-1")


def test_speech_without_audios_is_unexpected():
    client, _ = recording_client(data={"task_result": {"audios": []}})
    with pytest.raises(UnexpectedResponse):
        client.text_to_speech(SpeechRequest(text="hi", voice_id="v"))


def test_a_client_needs_some_credentials():
    with pytest.raises(ValueError, match="API key"):
        KlingClient(base_url="https://api.cometapi.com")


def test_the_servers_client_points_at_the_simulator_when_no_key_is_set(settings):
    assert settings.KLING_USE_SIMULATOR
    client = client_from_settings()
    assert str(client._http.base_url) == f"http://127.0.0.1:{settings.SIMULATOR_PORT}"


def test_a_teams_key_takes_the_place_of_the_servers(settings, monkeypatch):
    settings.COMETAPI_BASE_URL = "https://api.cometapi.com"
    recorder = Recorder()
    monkeypatch.setattr(kling_client, "TRANSPORT", httpx.MockTransport(recorder))
    team_client = client_from_settings(api_key="team-key")
    team_client.get_avatar_task("t-1")
    assert recorder.requests[-1].headers["Authorization"] == "Bearer team-key"
