"""Each fault the simulator can commit reaches the caller as the right typed error."""

from __future__ import annotations

import httpx
import pytest

from avatarstudio.kling import errors
from avatarstudio.kling.client import KlingClient
from avatarstudio.kling.types import TaskStatus
from avatarstudio.simulator.faults import Fault
from tests.kling.helpers import avatar_request, wait_until_final


@pytest.mark.parametrize(
    ("fault", "kind", "code", "status"),
    [
        (Fault("rate_limit"), errors.RateLimited, 1302, 429),
        (Fault("concurrency"), errors.ConcurrencyLimited, 1303, 429),
        (Fault("server_error", code=5000), errors.ServerError, 5000, 500),
        (Fault("server_error", code=5001), errors.ServerError, 5001, 503),
        (Fault("server_error", code=5002), errors.ServerError, 5002, 504),
        (Fault("auth"), errors.AuthenticationFailed, 1004, 401),
        (Fault("account"), errors.AccountBlocked, 1102, 429),
        (Fault("comet_error", status=503), errors.ServerError, None, 503),
        (
            Fault("comet_error", status=400, code=1301, reason="sensitive"),
            errors.ContentRefused,
            1301,
            400,
        ),
        (Fault("garbage"), errors.UnexpectedResponse, None, 200),
        (Fault("html"), errors.MisconfiguredEndpoint, None, 200),
        (Fault("redirect"), errors.MisconfiguredEndpoint, None, 301),
    ],
    ids=lambda value: value.kind if isinstance(value, Fault) else None,
)
def test_an_injected_fault_becomes_its_typed_error(
    simulator, sim_client, fault, kind, code, status
):
    simulator.faults.add(fault)
    with pytest.raises(kind) as caught:
        sim_client.create_avatar_task(avatar_request())
    assert caught.value.code == code
    assert caught.value.http_status == status
    assert simulator.stats["tasks_created"] == 0


def test_a_fault_fires_once_then_the_call_goes_through(simulator, sim_client):
    simulator.faults.add(Fault("rate_limit", endpoint="query"))
    task = sim_client.create_avatar_task(avatar_request())
    with pytest.raises(errors.RateLimited):
        sim_client.get_avatar_task(task.task_id)
    assert sim_client.get_avatar_task(task.task_id).task_id == task.task_id


def test_a_lasting_fault_hits_every_call_until_cleared(simulator, sim_client):
    simulator.faults.add(Fault("server_error", endpoint="tts", times=-1))
    from avatarstudio.kling.types import SpeechRequest

    for _ in range(3):
        with pytest.raises(errors.ServerError):
            sim_client.text_to_speech(SpeechRequest(text="hello there", voice_id="ai_kaiya"))
    simulator.faults.clear()
    assert sim_client.text_to_speech(
        SpeechRequest(text="hello there my friend", voice_id="ai_kaiya")
    ).audio_id


def test_a_moderation_refusal_fails_the_task_with_the_reason_while_the_message_says_succeed(
    simulator, sim_client
):
    simulator.faults.add(Fault("moderation", reason="Failure to pass the risk control system"))
    created = sim_client.create_avatar_task(avatar_request())
    task = wait_until_final(sim_client, created.task_id)
    assert task.status is TaskStatus.FAILED
    assert task.failure_reason == "Failure to pass the risk control system"
    raw = sim_client._http.get(
        f"/kling/v1/videos/avatar/image2video/{created.task_id}",
        headers={"Authorization": "Bearer k"},
    ).json()
    assert raw["message"] == "SUCCEED"
    assert raw["data"]["task_status"] == "failed"


def test_more_running_tasks_than_the_limit_answer_1303(simulator, sim_client):
    simulator.config.concurrency = 2
    simulator.config.processing_seconds = 60
    sim_client.create_avatar_task(avatar_request())
    sim_client.create_avatar_task(avatar_request())
    with pytest.raises(errors.ConcurrencyLimited) as caught:
        sim_client.create_avatar_task(avatar_request())
    assert caught.value.retryable


def test_a_hanging_provider_becomes_a_timeout(served_simulator):
    served_simulator.simulator.faults.add(Fault("hang", seconds=2))
    client = KlingClient(base_url=served_simulator.url, api_key="k", timeout=0.3)
    with client, pytest.raises(errors.ProviderTimeout) as caught:
        client.get_avatar_task("whatever")
    assert caught.value.retryable


def test_a_provider_that_cannot_be_reached_is_worth_retrying():
    client = KlingClient(base_url="http://127.0.0.1:9", api_key="k", timeout=2)
    with client, pytest.raises(errors.ProviderUnreachable) as caught:
        client.get_avatar_task("whatever")
    assert caught.value.retryable


def test_a_download_that_breaks_half_way_is_noticed(served_simulator):
    sim = served_simulator.simulator
    client = KlingClient(base_url=served_simulator.url, api_key="k")
    with client:
        done = wait_until_final(client, client.create_avatar_task(avatar_request()).task_id)
    sim.faults.add(Fault("broken_download"))
    with pytest.raises(httpx.HTTPError):
        httpx.get(done.videos[0].url, timeout=5)
    assert httpx.get(done.videos[0].url, timeout=5).status_code == 200


def test_a_slow_download_still_delivers_every_byte(served_simulator):
    sim = served_simulator.simulator
    client = KlingClient(base_url=served_simulator.url, api_key="k")
    with client:
        done = wait_until_final(client, client.create_avatar_task(avatar_request()).task_id)
    whole = httpx.get(done.videos[0].url, timeout=5).content
    sim.faults.add(Fault("slow_download", seconds=0.01))
    assert httpx.get(done.videos[0].url, timeout=10).content == whole


def test_faults_can_be_injected_over_http(served_simulator):
    control = httpx.Client(base_url=served_simulator.url)
    assert control.post("/_simulator/faults", json={"kind": "rate_limit"}).status_code == 200
    assert control.get("/_simulator/faults").json()["faults"][0]["kind"] == "rate_limit"
    assert control.post("/_simulator/faults", json={"kind": "nonsense"}).status_code == 400
    client = KlingClient(base_url=served_simulator.url, api_key="k")
    with client, pytest.raises(errors.RateLimited):
        client.get_avatar_task("x")
    control.delete("/_simulator/faults")
    assert control.get("/_simulator/faults").json()["faults"] == []
