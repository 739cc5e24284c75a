"""How fast the simulator renders a clip, as a multiple of real time, for a 60 s voice.

Run: .venv/bin/python bench/simulator_render.py
The photo is a detailed 1200x1600 portrait-shaped picture (gradients and grain, harder to
encode than flat colour); the voice is 60 s of speech-like sound. Each mode renders twice and
the faster run counts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import django
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")
django.setup()

from avatarstudio.simulator.render import render_clip
from avatarstudio.simulator.speech import SAMPLE_RATE, _speech_like, write_mp3

GOAL = 20.0
SECONDS = 60.0


def detailed_photo(path: Path) -> None:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:1600, 0:1200]
    face = ((x - 600) ** 2 / 380**2 + (y - 760) ** 2 / 520**2) < 1
    base = np.stack([120 + 60 * x / 1200, 100 + 50 * y / 1600, 160 - 40 * x / 1200], axis=-1)
    base[face] = (225, 185, 155)
    grain = rng.normal(0, 9, base.shape)
    Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8)).save(path, quality=90)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        photo, voice = work / "face.jpg", work / "voice.mp3"
        detailed_photo(photo)
        words = "A friendly presenter explains how the studio works, one step at a time. "
        speech = _speech_like(words * 12, "en", 1.0)[: int(SECONDS * SAMPLE_RATE)]
        duration = write_mp3(speech, voice)
        print(f"voice: {duration:.1f} s of speech-like audio")
        speeds = {}
        for mode in ("std", "pro"):
            best = float("inf")
            for _ in range(2):
                started = time.perf_counter()
                seconds = render_clip(photo, voice, work / f"{mode}.mp4", mode)
                best = min(best, time.perf_counter() - started)
            speeds[mode] = seconds / best
            print(f"{mode}: {seconds:.1f} s clip in {best:.2f} s = {speeds[mode]:.1f}x real time")
    print(
        f"simulator_render: std {speeds['std']:.1f}x real time, pro {speeds['pro']:.1f}x "
        f"(goal >= {GOAL:.0f}x std)"
    )


if __name__ == "__main__":
    main()
