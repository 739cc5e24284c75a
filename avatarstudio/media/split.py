"""Cutting a long voice into parts the provider takes, at its natural pauses.

``plan_cuts`` chooses where: the voice is shared out evenly among as few parts as fit the
provider's maximum (with room to move each cut), and each cut moves to the quietest moment
within ``SEARCH_SECONDS`` of its even place: the middle of the quietest ``PAUSE_SECONDS``
there, so a cut falls between words whenever a pause is that near, and only falls inside
a word when the speaker never stops for seconds. Every part stays between the provider's
least and greatest length. ``split_voice`` decodes the voice once, cuts it there and encodes
each part as M4A (AAC); the samples of the parts, laid end to end, are the voice's.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from avatarstudio.media.voice_repair import decode_voice, encode_m4a, long_parts

HOP_SECONDS = 0.01  # the loudness is read every 10 ms
PAUSE_SECONDS = 0.2  # averaged over 200 ms: the shortest gap between phrases worth finding
SEARCH_SECONDS = 4.0  # how far a cut may move from its even place, either way
PART_BIT_RATE = 128_000  # 60 s is about 1 MB, far under the provider's 5 MB


@dataclass(frozen=True)
class Part:
    number: int  # from 1
    start: float  # seconds into the voice
    end: float
    content: bytes  # M4A

    @property
    def duration(self) -> float:
        return self.end - self.start


def parts_needed(seconds: float, max_seconds: float) -> int:
    """How many parts a voice of ``seconds`` is made in (1 when it fits the provider)."""
    if seconds <= max_seconds:
        return 1
    return long_parts(seconds, max_seconds, math.inf)


def plan_cuts(
    samples: np.ndarray, rate: int, max_seconds: float, min_seconds: float = 2.0
) -> list[int]:
    """Where to cut (sample indexes, in order, neither end included); [] when it fits."""
    total = len(samples)
    count = parts_needed(total / rate, max_seconds)
    if count == 1:
        return []
    loudness = _pause_loudness(samples, rate)
    hop = round(HOP_SECONDS * rate)
    cuts: list[int] = []
    start = 0
    for remaining in range(count, 1, -1):
        even = start + (total - start) / remaining
        left = remaining - 1  # parts after this cut
        lowest = max(
            even - SEARCH_SECONDS * rate,
            start + min_seconds * rate,
            total - left * max_seconds * rate,  # what is left must fit the parts left
        )
        highest = min(
            even + SEARCH_SECONDS * rate,
            start + max_seconds * rate,
            total - left * min_seconds * rate,  # and each of them be long enough
        )
        first, last = math.ceil(lowest / hop), max(math.ceil(lowest / hop), int(highest // hop))
        window = loudness[first : last + 1]
        if not len(window):
            cut = round(even)
        else:
            # the quietest moment; of equally quiet ones, the one nearest the even place
            quietest = np.flatnonzero(window <= window.min() * 1.0001 + 1e-12) + first
            cut = int(quietest[np.argmin(np.abs(quietest * hop - even))]) * hop
        cut = int(min(max(cut, start + min_seconds * rate), start + max_seconds * rate))
        cuts.append(cut)
        start = cut
    return cuts


def _pause_loudness(samples: np.ndarray, rate: int) -> np.ndarray:
    """The mean power over ``PAUSE_SECONDS`` centred on each hop."""
    hop = round(HOP_SECONDS * rate)
    frames = len(samples) // hop
    power = np.square(samples[: frames * hop].astype(np.float64)).reshape(frames, hop).mean(axis=1)
    width = max(1, round(PAUSE_SECONDS / HOP_SECONDS))
    kernel = np.ones(width) / width
    return np.convolve(power, kernel, mode="same")


def split_voice(
    source: BinaryIO, max_seconds: float, min_seconds: float = 2.0
) -> tuple[list[Part], float]:
    """The voice's parts, each at most ``max_seconds``, and the voice's length."""
    voice = decode_voice(source)
    samples, rate = voice.samples, voice.rate
    bounds = [0, *plan_cuts(samples, rate, max_seconds, min_seconds), len(samples)]
    parts = [
        Part(
            number=number,
            start=start / rate,
            end=end / rate,
            content=encode_m4a(samples[start:end], rate, PART_BIT_RATE),
        )
        for number, (start, end) in enumerate(itertools.pairwise(bounds), start=1)
    ]
    return parts, len(samples) / rate


def join_speech(pieces: list[BinaryIO]) -> tuple[bytes, float]:
    """Speech made in pieces (a long script's TTS calls), joined in order into one M4A, and
    its length in seconds."""
    decoded = [decode_voice(piece) for piece in pieces]
    rate = decoded[0].rate
    samples = np.concatenate([_at_rate(voice.samples, voice.rate, rate) for voice in decoded])
    return encode_m4a(samples, rate, PART_BIT_RATE), len(samples) / rate


def _at_rate(samples: np.ndarray, rate: int, wanted: int) -> np.ndarray:
    if rate == wanted:
        return samples
    count = round(len(samples) * wanted / rate)
    positions = np.arange(count) * (rate / wanted)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
