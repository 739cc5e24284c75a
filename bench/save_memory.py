"""Peak memory growth while saving a finished 500 MB clip into the library.

Run: .venv/bin/python bench/save_memory.py
Each size runs in a fresh process: the save step streams the clip from a fake provider
(served in pieces from disk), checks it, makes a poster and stores it. The process's peak
resident memory (VmHWM) is compared with its size just before the save. A 5 MB clip is the
baseline, side by side.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

GOAL_MIB = 32
SIZES_MB = (5, 500)


def child(size_mb: int) -> None:
    from _django import setup

    folder = setup()
    import httpx
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from avatarstudio.accounts.models import Team
    from avatarstudio.kling import client
    from avatarstudio.simulator.render import render_clip
    from avatarstudio.studio.models import Generation, Status
    from avatarstudio.studio.pipeline import steps
    from tests.media_factory import photo_bytes, voice_bytes

    (folder / "face.jpg").write_bytes(photo_bytes())
    (folder / "voice.wav").write_bytes(voice_bytes(3.0))
    clip = folder / "clip.mp4"
    render_clip(folder / "face.jpg", folder / "voice.wav", clip, "std")
    # Pad the clip to the wanted size with an MP4 "free" box, which players skip.
    padding = size_mb * 1024 * 1024 - clip.stat().st_size
    with clip.open("ab") as out:
        out.write(padding.to_bytes(4, "big") + b"free")
        chunk = b"\0" * (1024 * 1024)
        left = padding - 8
        while left > 0:
            out.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)

    class FileStream(httpx.SyncByteStream):
        def __iter__(self):
            with clip.open("rb") as handle:
                while piece := handle.read(64 * 1024):
                    yield piece

    def serve(request: httpx.Request) -> httpx.Response:
        size = str(clip.stat().st_size)
        return httpx.Response(200, headers={"content-length": size}, stream=FileStream())

    client.TRANSPORT = httpx.MockTransport(serve)
    user = get_user_model().objects.create_user("m@example.com", "m@example.com", "pw-bench-1")
    generation = Generation(
        team=Team.objects.personal_for(user),
        created_by=user,
        status=Status.SAVING,
        result_url="https://cdn.example/clip.mp4",
    )
    generation.photo.save("photo.jpg", ContentFile(b"x"), save=False)
    generation.save()
    before = rss_kib("VmRSS")
    reset_peak()
    outcome = steps.save(generation)
    growth = (rss_kib("VmHWM") - before) / 1024
    generation.refresh_from_db()
    assert outcome == "ready", outcome
    assert generation.clip.size_bytes == clip.stat().st_size
    print(f"{growth:.1f}")


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current size (Linux 4.0+).
    Path("/proc/self/clear_refs").write_text("5")


def main() -> None:
    growth = {}
    for size in SIZES_MB:
        with tempfile.TemporaryDirectory():
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(size)],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).parent,
            )
        growth[size] = float(result.stdout.strip().splitlines()[-1])
        print(f"saving a {size} MB clip: peak memory grew {growth[size]:.1f} MiB")
    print(
        f"save_memory: {growth[500]:.1f} MiB for 500 MB vs {growth[5]:.1f} MiB for 5 MB "
        f"(goal <= {GOAL_MIB} MiB)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
