"""The create page's whole pre-flight of a phone's photo and voice, against validation alone.

Run: .venv/bin/python bench/preflight.py
A 12-megapixel JPEG of a real portrait (scikit-image's astronaut, enlarged, with grain) stored
on its side as phones store portraits, and a 5 MB voice (a 29 s WAV, 44.1 kHz stereo, with a
second of silence at each end). The pre-flight is what a submit runs: the face check and the
photo's repair (``media.preflight.check_photo_file``) and the voice's repair
(``media.voice_repair.repair_voice``). Side by side, in the same run: today's validation only
(``check_photo`` and ``check_audio``, which read headers and packets). Medians over rounds.
The WAV is repaired to a mono 16-bit WAV (it fits 5 MB), with no encoding; an OGG or a phone
video's sound is encoded to AAC as well, which adds about 7 ms per second of voice here.
Memory: the peak resident size (``VmHWM``, which a new program starts afresh, unlike
``getrusage``'s figure, which a child inherits) of a fresh process that runs the photo
pre-flight on a 50 MP JPEG, Django and every import included.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")

GOAL_MS = 300.0
GOAL_MIB = 300
ROUNDS = 7


def phone_photo(size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageChops

    from tests.media_factory import portrait_picture

    picture = portrait_picture(*size)
    grain = Image.merge("RGB", [Image.effect_noise(size, 5) for _ in range(3)])
    image = ImageChops.add(picture, grain, offset=-128).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: the pixels lie on their side
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def five_mb_voice() -> bytes:
    from tests.media_factory import speech_bytes

    return speech_bytes(27.5, "wav", layout="stereo", silence_before=1.0, silence_after=1.0)


def timed(work) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_child(photo: Path) -> float:
    code = (
        "import django, io, resource; django.setup();"
        "from avatarstudio.kling.limits import provider_limits;"
        "from avatarstudio.media.preflight import PhotoChoices, check_photo_file;"
        f"data = open({str(photo)!r}, 'rb').read();"
        "check_photo_file(io.BytesIO(data), len(data), provider_limits(), PhotoChoices());"
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from avatarstudio.kling.limits import provider_limits
    from avatarstudio.media.preflight import PhotoChoices, check_photo_file
    from avatarstudio.media.validation import check_audio, check_photo
    from avatarstudio.media.voice_repair import repair_voice

    limits = provider_limits()
    photo, voice = phone_photo((3024, 4032)), five_mb_voice()
    print(
        f"photo: 12 MP JPEG, {len(photo) / 2**20:.1f} MB; voice: WAV, {len(voice) / 2**20:.1f} MB"
    )

    def validate() -> None:
        check_photo(io.BytesIO(photo), len(photo), limits)
        with contextlib.suppress(ValidationError):  # today's validation refuses it, once read
            check_audio(io.BytesIO(voice), len(voice), limits)

    def preflight() -> None:
        check_photo_file(io.BytesIO(photo), len(photo), limits, PhotoChoices())
        repair_voice(io.BytesIO(voice), len(voice), limits)

    def photo_alone() -> None:
        check_photo_file(io.BytesIO(photo), len(photo), limits, PhotoChoices())

    def voice_alone() -> None:
        repair_voice(io.BytesIO(voice), len(voice), limits)

    alone = timed(validate)
    photo_ms, voice_ms = timed(photo_alone), timed(voice_alone)
    whole = timed(preflight)
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "fifty.jpg"
        big.write_bytes(phone_photo((6120, 8160)))
        peak = peak_child(big)
    print(f"validation alone: {alone:.0f} ms")
    print(f"photo pre-flight (faces + repair): {photo_ms:.0f} ms; voice repair: {voice_ms:.0f} ms")
    print(f"50 MP photo pre-flight: peak {peak:.0f} MiB (goal <= {GOAL_MIB} MiB)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ratio = whole / alone
    print(f"preflight: {whole:.0f} ms (goal <= {GOAL_MS:.0f} ms; {ratio:.1f}x validation alone)")


if __name__ == "__main__":
    main()
