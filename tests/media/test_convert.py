"""Converting a recording to M4A: what it makes, and what it refuses before spending seconds of
CPU on it (the sample rate, the channels and the sound actually decoded are all capped)."""

from __future__ import annotations

import io

import pytest

from avatarstudio.media.convert import UnsuitableRecording, recording_to_m4a
from avatarstudio.media.probe import probe_audio
from tests.media_factory import recording_bytes, silent_recording_bytes


def refusal(recording: bytes) -> str:
    with pytest.raises(UnsuitableRecording) as caught:
        recording_to_m4a(io.BytesIO(recording))
    return str(caught.value)


def converted_seconds(recording: bytes) -> float:
    return probe_audio(io.BytesIO(recording_to_m4a(io.BytesIO(recording)))).duration


def test_a_browser_recording_becomes_m4a_of_the_same_length():
    assert converted_seconds(recording_bytes(3.0)) == pytest.approx(3.0, abs=0.1)


def test_a_minute_of_96_khz_stereo_is_still_converted():
    recording = silent_recording_bytes(60, 96_000, "stereo")
    assert converted_seconds(recording) == pytest.approx(60, abs=0.1)


def test_a_recording_sampled_at_655_khz_is_refused_with_what_to_do():
    # The file: FLAC in WebM at 655 kHz in 8 channels, 92 KiB, 5 s of CPU to convert.
    message = refusal(silent_recording_bytes(1, 655_350, "7.1"))
    assert message == (
        "This recording is sampled at 655,350 Hz; we convert at most 96,000 Hz. Save it at "
        "48,000 Hz and try again, or record in the browser."
    )


def test_a_recording_with_more_than_8_channels_is_refused_with_what_to_do():
    message = refusal(silent_recording_bytes(0.5, 48_000, "hexadecagonal", codec="pcm_s16le"))
    assert message == (
        "This recording has 16 sound channels; we convert at most 8. Save it as mono or "
        "stereo and try again."
    )


def test_a_recording_that_decodes_to_more_sound_than_the_budget_is_refused():
    # 40 s of 7.1 at 96 kHz passes each cap alone, but is 31 million samples to decode.
    message = refusal(silent_recording_bytes(40, 96_000, "7.1"))
    assert message.startswith("This recording holds more sound than a 2-minute voice in stereo")
    assert "Save it as mono or stereo at 48,000 Hz and try again." in message


def test_a_recording_over_two_minutes_is_refused_as_too_long_not_unreadable():
    message = refusal(silent_recording_bytes(121, 8_000))
    assert (
        message
        == "This recording is longer than 2 minutes, the most we convert. Trim it and try again."
    )
