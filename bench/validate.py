"""Validating the largest inputs Kling accepts: a 10 MB photo and a 5 MB voice.

Run: .venv/bin/python bench/validate.py
Next to it, the baseline: reading and hashing the same bytes (what any upload costs).
"""

from __future__ import annotations

import hashlib
import io
import time

import numpy as np
from _django import median, setup
from PIL import Image

setup()

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.validation import check_audio, check_photo
from tests.media_factory import voice_bytes

GOAL_MS = 50.0
ROUNDS = 30


def big_photo() -> bytes:
    """A grainy 4000 x 3000 JPEG just under 10 MB."""
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8)
    for quality in (95, 90, 85, 80, 70, 60):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= 10 * MB:
            return buffer.getvalue()
    raise RuntimeError("could not make a photo under 10 MB")


def main() -> None:
    limits = ProviderLimits()
    photo = big_photo()
    voice = voice_bytes(59.0, "wav")  # 44.1 kHz 16-bit mono: just under 5 MB
    print(f"photo {len(photo) / MB:.1f} MB, voice {len(voice) / MB:.1f} MB")
    checks, baseline = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        check_photo(io.BytesIO(photo), len(photo), limits)
        check_audio(io.BytesIO(voice), len(voice), limits)
        checks.append(time.perf_counter() - started)
        started = time.perf_counter()
        hashlib.sha256(io.BytesIO(photo).read()).digest()
        hashlib.sha256(io.BytesIO(voice).read()).digest()
        baseline.append(time.perf_counter() - started)
    took, base = median(checks) * 1000, median(baseline) * 1000
    print(
        f"validate both: {took:.1f} ms median; "
        f"read and hash both: {base:.1f} ms ({took / base:.1f}x)"
    )
    print(f"validate: {took:.1f} ms (goal <= {GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    main()
