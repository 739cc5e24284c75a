"""Repairing the largest voice Kling takes, a 5 MB WAV (29.5 s of 44.1 kHz stereo), next to
validating it alone (check_audio, which reads packets and decodes nothing).

Run: .venv/bin/python bench/voice_repair.py
Two repairs: one with nothing to change (decoded and measured, then sent untouched), and one
with 2 s of silence to trim (decoded, measured, trimmed and encoded to M4A): the one the goal
is about, since AAC encoding is most of the cost.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable

from _django import ROOT, median

sys.path.insert(0, str(ROOT))

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.validation import check_audio
from avatarstudio.media.voice_repair import repair_voice
from tests.media_factory import speech_bytes

GOAL_MS = 300.0
ROUNDS = 7


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """The median and the best of ROUNDS runs, in milliseconds. On a busy machine the best is
    the nearer to what the work itself costs."""
    took = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        took.append(time.perf_counter() - started)
    return median(took) * 1000, min(took) * 1000


def main() -> None:
    limits = ProviderLimits()
    clean = speech_bytes(29.5, "wav", layout="stereo")
    silent_start = speech_bytes(27.5, "wav", layout="stereo", silence_before=2.0)
    assert len(clean) == len(silent_start) <= limits.audio_max_bytes

    def validate() -> None:
        check_audio(io.BytesIO(clean), len(clean), limits)

    def repair(data: bytes):
        return lambda: repair_voice(io.BytesIO(data), len(data), limits)

    untouched = repair_voice(io.BytesIO(clean), len(clean), limits)
    trimmed = repair_voice(io.BytesIO(silent_start), len(silent_start), limits)
    assert untouched.content == clean
    assert trimmed.extension == "m4a"
    alone, as_is, reencoded = timed(validate), timed(repair(clean)), timed(repair(silent_start))
    size = len(clean) / MB
    print(f"a {size:.1f} MB WAV, {untouched.duration:.1f} s of 44.1 kHz stereo; median (best)")
    print(f"validation alone (check_audio):         {alone[0]:6.0f} ms ({alone[1]:.0f})")
    print(f"repair, nothing to change (sent as is): {as_is[0]:6.0f} ms ({as_is[1]:.0f})")
    print(
        f"repair, trimmed and encoded to M4A:     {reencoded[0]:6.0f} ms ({reencoded[1]:.0f}): "
        + " ".join(str(repair) for repair in trimmed.repairs)
    )
    print(
        f"voice repair: {size:.0f} MB in {reencoded[0]:.0f} ms (goal ≤ {GOAL_MS:.0f} ms; "
        f"{reencoded[0] / alone[0]:.0f}x validation alone)"
    )


if __name__ == "__main__":
    main()
