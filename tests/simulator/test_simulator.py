"""The simulator keeps the provider's contract: statuses, callbacks, rules, persistence, expiry."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from avatarstudio.kling import errors, webhooks
from avatarstudio.kling.types import SpeechRequest, TaskStatus
from avatarstudio.simulator.faults import Fault
from tests.kling.helpers import avatar_request, b64
from tests.media_factory import photo_bytes, voice_bytes
from tests.provider import SIM_URL, FakeClock, client_for, make_simulator

SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="


class Callbacks:
    def __init__(self) -> None:
        self.received: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(204)

    @property
    def statuses(self) -> list[str]:
        return [json.loads(r.content)["task_status"] for r in self.received]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def callbacks():
    return Callbacks()


@pytest.fixture
def slow_sim(tmp_path, clock, callbacks):
    sim = make_simulator(
        tmp_path,
        clock=clock,
        submitted_seconds=5,
        processing_seconds=20,
        webhook_secret=SECRET,
        callback_transport=httpx.MockTransport(callbacks),
    )
    yield sim
    sim.close()


def test_a_task_moves_from_submitted_to_processing_to_succeed_with_the_clock(slow_sim, clock):
    with client_for(slow_sim) as client:
        task = client.create_avatar_task(avatar_request())
        assert task.status is TaskStatus.SUBMITTED
        clock.advance(5)
        assert client.get_avatar_task(task.task_id).status is TaskStatus.PROCESSING
        clock.advance(19)
        assert client.get_avatar_task(task.task_id).status is TaskStatus.PROCESSING
        clock.advance(1)
        done = client.get_avatar_task(task.task_id)
    assert done.status is TaskStatus.SUCCEED
    assert done.updated_at > done.created_at


def test_every_status_change_is_posted_to_the_callback_url_and_signed(slow_sim, clock, callbacks):
    with client_for(slow_sim) as client:
        client.create_avatar_task(avatar_request(callback_url="https://app.test/hooks/kling/tok/"))
        clock.advance(5)
        slow_sim.tick()
        slow_sim.tick()
        clock.advance(20)
        slow_sim.tick()
    assert callbacks.statuses == ["submitted", "processing", "succeed"]
    for request in callbacks.received:
        assert str(request.url) == "https://app.test/hooks/kling/tok/"
        webhooks.verify(SECRET, request.headers, request.content)


def test_a_restarted_simulator_still_knows_its_tasks(tmp_path, clock):
    first = make_simulator(tmp_path, clock=clock, submitted_seconds=1, processing_seconds=1)
    with client_for(first) as client:
        request = avatar_request()
        task = client.create_avatar_task(request)
    first.close()
    clock.advance(3)
    second = make_simulator(tmp_path, clock=clock)
    with client_for(second) as client:
        again = client.get_avatar_task(external_task_id=request.external_task_id)
    assert again.task_id == task.task_id
    assert again.status is TaskStatus.SUCCEED
    second.close()


def test_the_result_url_stops_working_after_its_expiry(tmp_path, clock):
    sim = make_simulator(
        tmp_path, clock=clock, submitted_seconds=0, processing_seconds=0, url_ttl_seconds=60
    )
    with client_for(sim) as client, httpx.Client(transport=httpx.WSGITransport(app=sim)) as web:
        task = client.create_avatar_task(avatar_request())
        url = client.get_avatar_task(task.task_id).videos[0].url
        assert url.startswith(SIM_URL)
        assert web.get(url).status_code == 200
        clock.advance(61)
        assert web.get(url).status_code == 403
    sim.close()


def test_a_file_url_cannot_escape_the_files_folder(simulator):
    with httpx.Client(transport=httpx.WSGITransport(app=simulator), base_url=SIM_URL) as web:
        assert web.get("/files/../tasks/x.json").status_code == 404
        assert web.get("/files/%2e%2e%2fsecret.mp4").status_code == 404


def test_speech_length_follows_the_text_and_the_speed(sim_client):
    short = sim_client.text_to_speech(
        SpeechRequest(text="Hello there, friend.", voice_id="ai_kaiya")
    )
    text = "This is a much longer sentence that a presenter would read out to the camera. " * 3
    long = sim_client.text_to_speech(SpeechRequest(text=text, voice_id="ai_kaiya"))
    fast = sim_client.text_to_speech(SpeechRequest(text=text, voice_id="ai_kaiya", voice_speed=2.0))
    assert long.duration > 3 * short.duration
    assert fast.duration == pytest.approx(long.duration / 2, rel=0.2)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"image": b64(photo_bytes(299, 400))}, "at least 300px"),
        ({"image": b64(photo_bytes(1000, 300))}, "aspect ratio"),
        ({"image": b64(photo_bytes(600, 800, fmt="GIF"))}, "JPG, JPEG or PNG"),
        ({"image": "data:image/png;base64,AAAA"}, "without a data: prefix"),
        ({"image": "not base64 at all!"}, "neither a URL nor valid Base64"),
        ({"sound_file": b64(voice_bytes(1.5, "wav"))}, "between 2 and 60 seconds"),
        ({"sound_file": b64(voice_bytes(61, "mp3"))}, "between 2 and 60 seconds"),
        ({"sound_file": b64(b"RIFF....not audio")}, "not a readable audio file"),
        ({"prompt": "x" * 2501}, "at most 2500 characters"),
        ({"mode": "ultra"}, "mode must be std or pro"),
        ({"sound_file": "", "audio_id": "no-such-voice"}, "audio_id is invalid"),
        ({"sound_file": "", "audio_id": "../tasks/x"}, "audio_id is invalid"),
    ],
)
def test_each_broken_rule_answers_1201_with_a_message(sim_client, overrides, words):
    if overrides.get("mode"):
        request = avatar_request()
        raw = request.to_json() | overrides
        response = sim_client._http.post(
            "/kling/v1/videos/avatar/image2video", json=raw, headers={"Authorization": "Bearer k"}
        )
        assert response.json()["code"] == 1201
        assert words in response.json()["message"]
        return
    with pytest.raises(errors.InvalidRequest) as caught:
        sim_client.create_avatar_task(avatar_request(**overrides))
    assert caught.value.code == 1201
    assert words in caught.value.detail


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a", "aac"])
def test_every_accepted_audio_format_makes_a_task(sim_client, fmt):
    assert sim_client.create_avatar_task(
        avatar_request(sound_file=b64(voice_bytes(2.5, fmt)))
    ).task_id


def test_a_reused_external_task_id_is_refused(sim_client):
    request = avatar_request()
    sim_client.create_avatar_task(request)
    with pytest.raises(errors.InvalidRequest, match="external_task_id"):
        sim_client.create_avatar_task(request)


def test_an_audio_id_older_than_30_days_is_refused(tmp_path, clock):
    sim = make_simulator(tmp_path, clock=clock)
    with client_for(sim) as client:
        speech = client.text_to_speech(
            SpeechRequest(text="A voice made long ago, in autumn.", voice_id="ai_kaiya")
        )
        clock.advance(31 * 24 * 3600)
        with pytest.raises(errors.InvalidRequest, match="expired"):
            client.create_avatar_task(avatar_request(sound_file="", audio_id=speech.audio_id))
    sim.close()


def test_with_a_simulator_key_set_only_that_key_is_accepted(tmp_path):
    sim = make_simulator(tmp_path, api_key="sim-key")
    with client_for(sim, api_key="other") as wrong, pytest.raises(errors.AuthenticationFailed):
        wrong.list_avatar_tasks()
    with client_for(sim, api_key="sim-key") as right:
        assert right.list_avatar_tasks() == []
    sim.close()


def test_any_non_empty_key_is_accepted_when_no_simulator_key_is_set(simulator):
    with httpx.Client(transport=httpx.WSGITransport(app=simulator), base_url=SIM_URL) as web:
        empty = web.get("/kling/v1/videos/avatar/image2video", headers={"Authorization": "Bearer "})
        assert empty.status_code == 401
        assert empty.json()["code"] == 1001
        assert (
            web.get(
                "/kling/v1/videos/avatar/image2video", headers={"Authorization": "Bearer x"}
            ).status_code
            == 200
        )


def test_an_unknown_path_answers_an_html_404_like_a_real_gateway(simulator):
    with httpx.Client(transport=httpx.WSGITransport(app=simulator), base_url=SIM_URL) as web:
        response = web.get("/v9/nothing")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_the_simulator_counts_the_tasks_it_received(simulator, sim_client):
    sim_client.create_avatar_task(avatar_request())
    with pytest.raises(errors.InvalidRequest):
        sim_client.create_avatar_task(avatar_request(prompt="x" * 3000))
    assert simulator.stats["create_calls"] == 2
    assert simulator.stats["tasks_created"] == 1


def test_a_fault_may_answer_with_a_status_http_has_no_name_for(simulator, sim_client):
    simulator.faults.add(Fault("comet_error", status=520))
    response = sim_client._http.get(
        "/kling/v1/videos/avatar/image2video/x", headers={"Authorization": "Bearer k"}
    )
    assert response.status_code == 520


def test_a_longer_voice_takes_longer_to_process_in_proportion(tmp_path, clock):
    sim = make_simulator(
        tmp_path,
        clock=clock,
        submitted_seconds=0,
        processing_seconds=1,
        processing_seconds_per_audio_second=2,
    )
    with client_for(sim) as client:
        short = client.create_avatar_task(avatar_request(sound_file=b64(voice_bytes(2.5, "mp3"))))
        long = client.create_avatar_task(avatar_request(sound_file=b64(voice_bytes(10, "mp3"))))
        clock.advance(6.5)  # 1 s + 2 x 2.5 s, and a little
        assert client.get_avatar_task(short.task_id).status is TaskStatus.SUCCEED
        assert client.get_avatar_task(long.task_id).status is TaskStatus.PROCESSING
        clock.advance(15)  # past 1 s + 2 x 10 s
        assert client.get_avatar_task(long.task_id).status is TaskStatus.SUCCEED
    sim.close()


def test_the_jitter_spreads_processing_times_within_its_share(tmp_path, clock):
    sim = make_simulator(
        tmp_path, clock=clock, submitted_seconds=0, processing_seconds=100, processing_jitter=0.2
    )
    sim._random = random.Random(7)  # the same draws every run
    times = [sim._processing_seconds(10.0) for _ in range(200)]
    sim.close()
    assert 80 <= min(times) < 95
    assert 105 < max(times) <= 120


def test_a_task_failed_fault_fails_the_task_as_a_broken_render_does(sim_with_faults):
    sim, client = sim_with_faults
    sim.faults.add(Fault("task_failed"))
    failed = client.create_avatar_task(avatar_request())
    fine = client.create_avatar_task(avatar_request())
    assert client.get_avatar_task(failed.task_id).status is TaskStatus.FAILED
    assert client.get_avatar_task(failed.task_id).status_msg == (
        "Video generation failed, please try again"
    )
    assert client.get_avatar_task(fine.task_id).status is TaskStatus.SUCCEED


@pytest.fixture
def sim_with_faults(tmp_path, clock):
    sim = make_simulator(
        tmp_path, clock=clock, submitted_seconds=0, processing_seconds=0, render_in_background=False
    )
    with client_for(sim) as client:
        yield sim, client
    sim.close()
