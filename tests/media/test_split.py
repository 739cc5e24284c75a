"""A long voice is cut into parts the provider takes, at its pauses, and nothing is lost."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

from avatarstudio.media.split import parts_needed, plan_cuts, split_voice
from avatarstudio.media.voice_repair import decode_voice, encode_m4a
from tests.media_factory import lesson_text, sound_bytes, speech_samples, spoken


@pytest.fixture(scope="module")
def lesson():
    return spoken(lesson_text(30))  # about two and a half minutes of real speech


def quiet_around(samples: np.ndarray, rate: int, at: int, seconds: float = 0.05) -> float:
    """The loudest sample within ``seconds`` of ``at``, against the voice's loudest."""
    reach = round(seconds * rate)
    return float(np.abs(samples[max(0, at - reach) : at + reach]).max() / np.abs(samples).max())


def test_a_voice_that_fits_the_provider_is_one_part():
    assert parts_needed(59.9, 60) == 1
    assert parts_needed(60, 60) == 1
    assert parts_needed(61, 60) == 2
    assert parts_needed(300, 60) == 6
    assert parts_needed(600, 300) == 3


def test_a_long_lesson_is_cut_between_words_into_parts_the_provider_takes(lesson):
    samples, rate = lesson
    cuts = plan_cuts(samples, rate, max_seconds=60)
    bounds = [0, *cuts, len(samples)]
    lengths = [(end - start) / rate for start, end in itertools.pairwise(bounds)]
    assert len(lengths) == parts_needed(len(samples) / rate, 60)
    assert all(2 <= length <= 60 for length in lengths)
    for cut in cuts:
        assert quiet_around(samples, rate, cut) < 0.01  # in a pause, not inside a word


def test_a_cut_moves_to_the_pause_nearest_its_even_place():
    rate = 8_000
    talk = speech_samples(30, rate)
    talk[round(13.0 * rate) : round(13.4 * rate)] = 0  # the only pause, near the middle
    cuts = plan_cuts(talk, rate, max_seconds=20)
    assert len(cuts) == 1
    assert 13.0 * rate < cuts[0] < 13.4 * rate


def test_a_voice_without_any_pause_is_still_cut_into_valid_parts():
    rate = 8_000
    talk = speech_samples(200, rate)
    cuts = plan_cuts(talk, rate, max_seconds=60, min_seconds=2)
    bounds = [0, *cuts, len(talk)]
    lengths = [(end - start) / rate for start, end in itertools.pairwise(bounds)]
    assert all(2 <= length <= 60 for length in lengths)
    assert sum(lengths) == pytest.approx(200)


def test_the_parts_laid_end_to_end_are_the_whole_voice(lesson):
    samples, rate = lesson
    voice = encode_m4a(samples, rate, 128_000)
    parts, total = split_voice(io.BytesIO(voice), max_seconds=60)
    assert [part.number for part in parts] == list(range(1, len(parts) + 1))
    assert parts[0].start == 0 and parts[-1].end == pytest.approx(total)
    for before, after in itertools.pairwise(parts):
        assert before.end == after.start
    lengths = [decode_voice(io.BytesIO(part.content)).seconds for part in parts]
    assert sum(lengths) == pytest.approx(total, abs=0.05)
    assert all(length <= 60 for length in lengths)


def test_a_wav_voice_is_split_into_m4a_parts():
    wav = sound_bytes(speech_samples(70, 16_000), 16_000, "wav")
    parts, total = split_voice(io.BytesIO(wav), max_seconds=60)
    assert len(parts) == 2
    assert all(part.content[4:8] == b"ftyp" for part in parts)
    assert total == pytest.approx(70, abs=0.01)
