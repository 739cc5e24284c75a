from __future__ import annotations

import pytest

from avatarstudio.kling.types import AvatarRequest, AvatarTask, Speech, TaskStatus


@pytest.mark.parametrize("word", ["succeed", "succeeded", "SUCCEEDED"])
def test_both_success_words_mean_succeed(word):
    assert TaskStatus.parse(word) is TaskStatus.SUCCEED


def test_only_succeed_and_failed_are_final():
    assert [s for s in TaskStatus if s.is_final] == [TaskStatus.SUCCEED, TaskStatus.FAILED]


def test_a_finished_task_has_float_durations_and_aware_times():
    task = AvatarTask.from_data(
        {
            "task_id": "t",
            "task_status": "succeed",
            "task_result": {"videos": [{"id": "v", "url": "https://x/v.mp4", "duration": "5.2"}]},
            "created_at": 1722769557708,
            "updated_at": 1722769557708,
            "final_unit_deduction": "2.08",
        }
    )
    assert task.videos[0].duration == 5.2
    assert task.created_at.utcoffset().total_seconds() == 0
    assert task.final_unit_deduction == "2.08"


def test_the_failure_reason_comes_from_the_status_message():
    task = AvatarTask.from_data(
        {"task_id": "t", "task_status": "failed", "task_status_msg": "Image pixel is invalid"}
    )
    assert task.failure_reason == "Image pixel is invalid"
    running = AvatarTask.from_data(
        {"task_id": "t", "task_status": "processing", "task_status_msg": "busy"}
    )
    assert running.failure_reason == ""


def test_an_avatar_request_needs_exactly_one_audio_source():
    with pytest.raises(ValueError, match="exactly one"):
        AvatarRequest(image="x", prompt="p")
    with pytest.raises(ValueError, match="exactly one"):
        AvatarRequest(image="x", prompt="p", audio_id="a", sound_file="b")


def test_speech_reads_the_first_audio():
    speech = Speech.from_data(
        {"task_id": "t", "task_result": {"audios": [{"id": "a1", "url": "u", "duration": "3.4"}]}}
    )
    assert (speech.audio_id, speech.duration) == ("a1", 3.4)
