"""The client against the provider: the simulator always, the real service when asked."""

from __future__ import annotations

import io
import uuid

import av
import pytest

from avatarstudio.kling.client import KlingClient
from avatarstudio.kling.errors import AuthenticationFailed, FixableBy, InvalidRequest, NotFound
from avatarstudio.kling.types import SpeechRequest, TaskStatus
from tests.kling.helpers import avatar_request, b64, wait_until_final
from tests.media_factory import photo_bytes


def test_a_created_task_is_found_by_either_id_and_ends_with_a_playable_video(kling):
    request = avatar_request()
    created = kling.client.create_avatar_task(request)
    assert created.task_id
    assert created.status in (TaskStatus.SUBMITTED, TaskStatus.PROCESSING)
    assert created.created_at is not None and created.created_at.tzinfo is not None

    by_id = kling.client.get_avatar_task(created.task_id)
    by_external = kling.client.get_avatar_task(external_task_id=request.external_task_id)
    assert by_id.task_id == by_external.task_id == created.task_id
    assert by_external.external_task_id == request.external_task_id

    done = wait_until_final(kling.client, created.task_id, kling.poll_seconds, kling.stall_seconds)
    assert done.status is TaskStatus.SUCCEED, done.failure_reason
    assert done.failure_reason == ""
    [video] = done.videos
    assert isinstance(video.duration, float)
    assert video.duration == pytest.approx(2.5, abs=0.2)
    download = kling.downloader.get(video.url)
    assert download.status_code == 200
    with av.open(io.BytesIO(download.content)) as clip:
        assert clip.streams.video[0].codec_context.name == "h264"
        assert clip.streams.audio[0].codec_context.name == "aac"


def test_speech_gives_an_audio_id_the_avatar_call_accepts(kling):
    speech = kling.client.text_to_speech(
        SpeechRequest(
            text="Hello! Welcome to our studio, where a photo learns to speak.",
            voice_id="genshin_vindi2",
            voice_language="en",
        )
    )
    assert speech.audio_id
    assert speech.duration >= 2.0
    assert kling.downloader.get(speech.url).status_code == 200

    created = kling.client.create_avatar_task(
        avatar_request(sound_file="", audio_id=speech.audio_id)
    )
    done = wait_until_final(kling.client, created.task_id, kling.poll_seconds, kling.stall_seconds)
    assert done.status is TaskStatus.SUCCEED
    assert done.videos[0].duration == pytest.approx(speech.duration, abs=0.2)


def test_a_photo_smaller_than_300_px_is_refused_as_the_users_to_fix(kling):
    with pytest.raises(InvalidRequest) as caught:
        kling.client.create_avatar_task(avatar_request(image=b64(photo_bytes(240, 320))))
    error = caught.value
    assert error.field == "image"
    assert error.fixable_by is FixableBy.USER
    assert not error.retryable
    assert error.code == 1201


def test_an_unknown_task_is_not_found(kling):
    with pytest.raises(NotFound):
        kling.client.get_avatar_task(external_task_id=f"never-made-{uuid.uuid4().hex}")


def test_a_wrong_key_is_the_admins_to_fix(kling):
    if kling.simulator is not None:
        kling.simulator.config.api_key = "the-right-key"
    bad = KlingClient(
        base_url=str(kling.client._http.base_url),
        api_key="not-a-real-key",
        transport=kling.client._http._transport,
    )
    with bad, pytest.raises(AuthenticationFailed) as caught:
        bad.get_avatar_task("anything")
    assert caught.value.fixable_by is FixableBy.ADMIN
    assert not caught.value.retryable
    assert "not-a-real-key" not in str(caught.value)
