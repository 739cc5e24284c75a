"""Repairing a voice: what is sent (checked by the provider's rules, check_audio), the sentences
that say what changed, worded for the source, and what is refused and how."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from django.core.exceptions import ValidationError

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.validation import check_audio
from avatarstudio.media.voice_repair import (
    RepairedVoice,
    VoiceSource,
    VoiceTooLong,
    VoiceTooShort,
    integrated_loudness,
    repair_voice,
    true_peak_db,
)
from tests.media_factory import (
    silent_recording_bytes,
    sound_bytes,
    speech_bytes,
    speech_samples,
    video_bytes,
)

LIMITS = ProviderLimits()
PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"


def repaired(data: bytes, limits: ProviderLimits = LIMITS, **kwargs) -> RepairedVoice:
    voice = repair_voice(io.BytesIO(data), len(data), limits, **kwargs)
    if voice.content != data:
        sent = check_audio(io.BytesIO(voice.content), len(voice.content), limits)
        # A WAV stays a WAV when it fits; everything else becomes M4A.
        expected = "wav" if data.startswith(b"RIFF") and voice.extension == "wav" else "m4a"
        assert (sent.format, voice.extension) == (expected, expected)
        assert sent.duration == pytest.approx(voice.duration, abs=0.01)
    return voice


def sentences(voice: RepairedVoice) -> list[str]:
    return [repair.sentence for repair in voice.repairs]


def refusal(data: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        repair_voice(io.BytesIO(data), len(data), LIMITS, **kwargs)
    return caught.value


def loudness_and_peak(content: bytes) -> tuple[float, float]:
    """The integrated loudness (LUFS) and true peak (dBTP) of an M4A or a WAV, decoded."""
    with av.open(io.BytesIO(content), format="wav" if content[:4] == b"RIFF" else "mp4") as sent:
        float_samples = av.AudioResampler(format="flt", layout="mono")
        samples = np.concatenate(
            [
                piece.to_ndarray()[0]
                for frame in sent.decode(sent.streams.audio[0])
                for piece in float_samples.resample(frame)
            ]
        )
        rate = sent.streams.audio[0].codec_context.sample_rate
    return integrated_loudness(samples, rate), true_peak_db(samples)


@pytest.mark.parametrize("fmt", ["mp3", "wav", "m4a", "aac"])
def test_a_valid_voice_that_needs_nothing_is_sent_untouched(fmt):
    original = speech_bytes(10, fmt)
    voice = repaired(original)
    assert voice.content == original
    assert voice.extension == fmt
    assert voice.repairs == ()
    assert voice.original_is_valid
    assert voice.duration == voice.original_duration == pytest.approx(10, abs=0.05)


@pytest.mark.parametrize(("fmt", "name"), [("ogg", "OGG"), ("flac", "FLAC"), ("webm", "WebM")])
def test_formats_kling_does_not_take_are_converted_to_m4a(fmt, name):
    voice = repaired(speech_bytes(5, fmt))
    assert sentences(voice) == [f"Converted the {name} file to M4A."]
    assert voice.duration == pytest.approx(5, abs=0.05)
    assert not voice.original_is_valid


def test_a_browser_recording_is_converted_and_called_a_recording():
    voice = repaired(speech_bytes(5, "webm"), kind=VoiceSource.RECORDING)
    assert sentences(voice) == ["Converted the WebM recording to M4A."]


@pytest.mark.parametrize("container", ["mp4", "mov", "mkv", "webm"])
def test_the_sound_is_taken_from_a_phone_video(container):
    voice = repaired(video_bytes(4, container))
    assert sentences(voice) == ["Took the sound from the video."]
    assert voice.duration == pytest.approx(4, abs=0.05)
    with av.open(io.BytesIO(voice.content), format="mp4") as sent:
        assert not sent.streams.video


def test_a_video_without_sound_is_refused_with_what_to_do():
    error = refusal(video_bytes(3, "mp4", sound=False))
    assert error.code == "no_sound"
    assert error.message == (
        "This video has no sound. Choose a video in which the person speaks, or upload the "
        "voice on its own."
    )


def test_a_very_quiet_voice_is_brought_to_a_normal_loudness():
    original = speech_bytes(8, "wav", lufs=-40)
    voice = repaired(original)
    assert sentences(voice) == ["Made the voice louder (it was very quiet)."]
    loudness, peak = loudness_and_peak(voice.content)
    assert loudness == pytest.approx(-16, abs=1)
    assert peak <= -1.0


def test_a_clipping_voice_is_brought_down_under_the_ceiling():
    voice = repaired(speech_bytes(8, "wav", lufs=-3))
    assert sentences(voice) == ["Made the voice quieter (it was clipping)."]
    loudness, peak = loudness_and_peak(voice.content)
    assert loudness == pytest.approx(-16, abs=1)
    assert peak <= -1.0


def test_a_voice_a_little_off_the_target_is_left_alone():
    original = speech_bytes(8, "mp3", lufs=-18.5)
    assert repaired(original).content == original


def test_leading_silence_is_trimmed_and_said():
    voice = repaired(speech_bytes(10, "wav", silence_before=3.0))
    assert sentences(voice) == ["Trimmed 2.9 s of silence."]
    assert voice.original_duration == pytest.approx(13, abs=0.05)
    assert voice.duration == pytest.approx(10.15, abs=0.05)  # the voice and its padding
    assert voice.original_is_valid


def test_silence_at_both_ends_of_a_recording_is_trimmed_with_the_conversion():
    voice = repaired(
        speech_bytes(6, "webm", silence_before=1.0, silence_after=2.0),
        kind=VoiceSource.RECORDING,
    )
    assert sentences(voice) == [
        "Converted the WebM recording to M4A.",
        "Trimmed 2.7 s of silence.",
    ]
    assert voice.duration == pytest.approx(6.3, abs=0.05)


def test_a_little_silence_is_not_worth_re_encoding_a_file_that_fits():
    original = speech_bytes(6, "mp3", silence_before=0.3, silence_after=0.3)
    assert repaired(original).content == original


def test_70_s_of_voice_is_refused_with_the_offer_of_the_first_60_s():
    error = refusal(speech_bytes(70, "wav"))
    assert isinstance(error, VoiceTooLong)
    assert error.code == "too_long"
    assert error.duration == pytest.approx(70, abs=0.05)
    assert error.first_seconds == 60
    assert error.message == (
        "This audio file is 70.0 s long; Kling accepts at most 60 seconds. Use the first 60 s, "
        "or trim it and try again."
    )


def test_the_first_60_s_of_a_long_voice_are_sent_when_asked_for():
    voice = repaired(speech_bytes(70, "mp3", silence_before=2.0), first_seconds=60)
    assert sentences(voice) == ["Trimmed 1.9 s of silence.", "Used the first 60 s."]
    assert voice.duration == pytest.approx(60, abs=0.05)
    assert voice.original_duration == pytest.approx(72, abs=0.05)


def test_a_recording_too_long_is_offered_the_first_60_s_in_its_own_words():
    error = refusal(speech_bytes(65, "webm"), kind=VoiceSource.RECORDING)
    assert error.message == (
        "This recording is 65.0 s long; Kling accepts at most 60 seconds. Use the first 60 s, "
        "or record a shorter take."
    )


def test_a_voice_that_fits_once_its_silence_is_trimmed_is_not_refused():
    voice = repaired(speech_bytes(58, "mp3", silence_before=4.0))
    assert sentences(voice) == ["Trimmed 3.9 s of silence."]
    assert voice.duration == pytest.approx(58.15, abs=0.05)


def test_a_voice_longer_than_we_read_is_still_offered_its_first_60_s():
    original = sound_bytes(speech_samples(125, 8_000), 8_000, "wav")
    error = refusal(original)
    assert isinstance(error, VoiceTooLong)
    assert error.message == (
        "This audio file is longer than 2 minutes; Kling accepts at most 60 seconds. Use the "
        "first 60 s, or trim it and try again."
    )
    assert repaired(original, first_seconds=60).duration == pytest.approx(60, abs=0.05)


def test_under_2_s_of_voice_in_a_file_is_refused_even_with_silence_around_it():
    error = refusal(speech_bytes(1.5, "wav", silence_after=3.0))
    assert isinstance(error, VoiceTooShort)
    assert error.code == "too_short"
    assert error.speech == pytest.approx(1.5, abs=0.05)
    assert error.message == (
        "This audio file has only 1.5 s of voice (the other 3.0 s are silence); Kling needs "
        "at least 2 seconds. Choose a longer recording of the voice."
    )


def test_under_2_s_of_voice_in_a_recording_is_refused_in_its_own_words():
    error = refusal(speech_bytes(1.5, "webm", silence_before=3.0), kind=VoiceSource.RECORDING)
    assert error.message == (
        "This recording has only 1.5 s of voice (the other 3.0 s are silence); Kling needs at "
        "least 2 seconds. Record a little more."
    )


def test_under_2_s_of_voice_in_a_video_is_refused_in_its_own_words():
    error = refusal(video_bytes(1.5, "mp4"))
    assert error.message == (
        "The sound of this video has only 1.5 s of voice; Kling needs at least 2 seconds. "
        "Choose a video in which the person speaks longer."
    )


def test_silence_alone_is_refused_as_no_voice():
    silence = sound_bytes(np.zeros(48_000 * 3, dtype=np.float32), 48_000, "ogg")
    assert refusal(silence, kind=VoiceSource.RECORDING).message == (
        "We hear no voice in this recording. Check the microphone and record again."
    )
    assert refusal(silence).message == (
        "We hear no voice in this audio file. Choose a file with the voice in it."
    )


def test_a_stereo_wav_over_5_mb_is_sent_as_a_mono_wav_under_5_mb_at_its_loudness():
    original = speech_bytes(40, "wav", layout="stereo")
    assert len(original) > 5 * MB
    voice = repaired(original)
    assert sentences(voice) == ["Made it smaller: saved it as mono 16-bit WAV."]
    assert voice.extension == "wav"
    assert len(voice.content) < 5 * MB
    assert loudness_and_peak(voice.content)[0] == pytest.approx(-16, abs=1)


def test_a_trimmed_wav_stays_a_lossless_wav():
    original = speech_bytes(10, "wav", silence_before=3.0)
    voice = repaired(original)
    assert voice.extension == "wav"
    with av.open(io.BytesIO(original), format="wav") as source:
        kept = np.concatenate([f.to_ndarray()[0] for f in source.decode(audio=0)])
    with av.open(io.BytesIO(voice.content), format="wav") as sent:
        samples = np.concatenate([f.to_ndarray()[0] for f in sent.decode(audio=0)])
    # The same 16-bit samples, from the first one kept: nothing was re-encoded on the way.
    start = int(
        np.flatnonzero(
            np.all(np.lib.stride_tricks.sliding_window_view(kept, 64) == samples[:64], axis=1)
        )[0]
    )
    assert np.array_equal(kept[start : start + len(samples)], samples)


def test_a_wav_too_big_even_as_mono_wav_is_sent_as_m4a():
    original = speech_bytes(20, "wav", silence_before=3.0)  # 20 s of mono WAV: 1.8 MB
    voice = repaired(original, ProviderLimits(audio_max_bytes=1 * MB))
    assert voice.extension == "m4a"
    assert sentences(voice) == [
        "Trimmed 2.9 s of silence.",
        "Made it smaller: re-encoded at 128 kbit/s.",
    ]


def test_the_bit_rate_drops_until_the_voice_fits_the_size_limit():
    # 128 kbit/s for 30 s is 480 kB and 96 kbit/s 360 kB: only 64 kbit/s fits in 300 kB.
    voice = repaired(speech_bytes(30, "ogg"), ProviderLimits(audio_max_bytes=300_000))
    assert sentences(voice) == [
        "Converted the OGG file to M4A.",
        "Made it smaller: re-encoded at 64 kbit/s.",
    ]
    assert len(voice.content) <= 300_000


def test_an_empty_file_and_an_empty_recording_are_refused_in_their_words():
    assert refusal(b"").message == "This audio file is empty. Choose the file again."
    assert refusal(b"", kind=VoiceSource.RECORDING).message == (
        "This recording is empty. Record again."
    )


def test_a_playlist_uploaded_as_a_voice_is_refused_without_being_followed():
    error = refusal(PLAYLIST)
    assert error.code == "format"
    assert error.message.startswith("This file is not audio or video we can read.")


def test_the_conversion_guards_refuse_a_costly_file_in_its_words():
    # FLAC in Matroska at 655 kHz in 8 channels: 92 KiB that would cost seconds of CPU.
    error = refusal(silent_recording_bytes(1, 655_350, "7.1"))
    assert error.code == "unsuitable"
    assert error.message == (
        "This audio file is sampled at 655,350 Hz; we convert at most 96,000 Hz. Save it at "
        "48,000 Hz and try again, or record in the browser."
    )
