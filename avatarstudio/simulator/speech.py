"""Speech for the simulator's TTS: espeak-ng (``espeak.py``), else a speech-like signal.

Either way the length follows the text and the speed, and the result is a real MP3.
"""

from __future__ import annotations

import math
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from avatarstudio.simulator import espeak

SAMPLE_RATE = 24_000
# Syllables a second at speed 1.0, and how many characters make a syllable.
SYLLABLES_PER_SECOND = 4.0
CHARS_PER_SYLLABLE = {"en": 3.0, "zh": 1.0}


def synthesise(text: str, language: str, speed: float, out_path: Path) -> float:
    """Write an MP3 of ``text`` to ``out_path``; return its duration in seconds."""
    samples = _espeak(text, language, speed)
    if samples is None:
        samples = _speech_like(text, language, speed)
    return write_mp3(samples, out_path)


def _espeak(text: str, language: str, speed: float) -> np.ndarray | None:
    spoken = espeak.speak(text, language, speed)
    if spoken is None or not len(spoken[0]):
        return None
    samples, rate = spoken
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    chunks = [o.to_ndarray().reshape(-1) for o in resampler.resample(frame)]
    chunks.extend(o.to_ndarray().reshape(-1) for o in resampler.resample(None))
    return np.concatenate(chunks)


def _speech_like(text: str, language: str, speed: float) -> np.ndarray:
    """Voiced syllables with a wandering pitch and pauses at spaces and punctuation."""
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    per_syllable = CHARS_PER_SYLLABLE.get(language, 3.0)
    syllable_seconds = 1 / (SYLLABLES_PER_SECOND * speed)
    pieces: list[np.ndarray] = []
    for word in text.split() or [text]:
        syllables = max(1, math.ceil(len(word.strip(".,!?;:，。！？")) / per_syllable))
        for _ in range(syllables):
            pieces.append(_syllable(syllable_seconds, rng))
        pause = 0.25 if word[-1:] in ".,!?;:，。！？" else 0.06
        pieces.append(np.zeros(int(SAMPLE_RATE * pause / speed), dtype=np.float32))
    return np.concatenate(pieces)


def _syllable(seconds: float, rng: np.random.Generator) -> np.ndarray:
    n = int(SAMPLE_RATE * seconds)
    t = np.arange(n) / SAMPLE_RATE
    pitch = rng.uniform(110, 210) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(2, 5) * t))
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 6))
    envelope = np.sin(np.pi * np.arange(n) / max(n - 1, 1)) ** 0.6
    return (0.35 * voiced * envelope).astype(np.float32)


def write_mp3(samples: np.ndarray, out_path: Path) -> float:
    with av.open(str(out_path), "w", format="mp3") as output:
        stream = output.add_stream("libmp3lame", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = 64_000
        step = 1152
        for start in range(0, len(samples), step):
            chunk = np.ascontiguousarray(samples[start : start + step], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = start
            frame.time_base = Fraction(1, SAMPLE_RATE)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return len(samples) / SAMPLE_RATE
