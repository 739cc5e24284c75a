"""A batch's "Download all" of 100 clips: the peak memory it adds, against building the same
ZIP in memory.

Run: .venv/bin/python bench/batch_zip.py [--clips 100] [--mib 2]
A started batch of N ready rows, each with a clip of M MiB in local storage (random bytes:
they do not compress, like H.264). A member downloads the batch's ZIP through Django's whole
handler (in-process) and reads it to the end, a chunk at a time, as a browser would. Before
each run the process's peak resident size is reset (``/proc/self/clear_refs``), so
``VmHWM - VmRSS before`` is the growth the download caused. Side by side in the same process:
the naive way, the same files written into a ZIP in memory with the standard ``zipfile``.
"""

from __future__ import annotations

import argparse
import io
import os
import uuid
import zipfile
from pathlib import Path

from _django import setup

parser = argparse.ArgumentParser()
parser.add_argument("--clips", type=int, default=100)
parser.add_argument("--mib", type=float, default=2.0)
arguments = parser.parse_args()

setup(ALLOWED_HOSTS="testserver", DEBUG="0", SECURE_SSL_REDIRECT="0",
      SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789")  # fmt: skip

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from avatarstudio.accounts.models import Team
from avatarstudio.batches.models import Batch, BatchRow
from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation, Status
from tests.avatars.helpers import make_avatar
from tests.helpers import make_user

GOAL_MIB = 64


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak() -> int:
    """Reset the peak resident size to the current one; return the current one (KiB)."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_kib("VmRSS")


def growth_mib(work) -> float:
    before = reset_peak()
    work()
    return (status_kib("VmHWM") - before) / 1024


def ready_batch(team: Team, owner, clips: int, size: int) -> Batch:
    avatar = make_avatar(team, owner, "Ana")
    batch = Batch.objects.create(
        team=team, created_by=owner, name="Bench", started_at=timezone.now()
    )
    for number in range(2, clips + 2):
        generation = Generation.objects.create(
            team=team, created_by=owner, status=Status.READY, photo=avatar.photo.name
        )
        clip = Clip(team=team, generation=generation, title=f"Update {number}", duration=30.0,
                    size_bytes=size, mode="std", created_by=owner)  # fmt: skip
        name = f"teams/{team.pk}/clips/{generation.pk}/video.mp4"
        clip.video.name = default_storage.save(name, ContentFile(os.urandom(size)))
        clip.save()
        BatchRow.objects.create(batch=batch, number=number, avatar=avatar, generation=generation,
                                submission_token=uuid.uuid4())  # fmt: skip
    return batch


def main() -> None:
    owner = make_user("owner@example.com")
    team = Team.objects.create_with_owner("Bench team", owner)
    size = int(arguments.mib * 1024 * 1024)
    batch = ready_batch(team, owner, arguments.clips, size)
    client = Client()
    client.force_login(owner)
    client.post("/teams/switch/", {"team": team.pk})
    received = {}

    def streamed() -> None:
        response = client.get(f"/batches/{batch.pk}/clips.zip")
        assert response.status_code == 200
        assert response.streaming
        total = 0
        for chunk in response.streaming_content:
            total += len(chunk)
        received["bytes"] = total
        received["length"] = int(response["Content-Length"])

    def in_memory() -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for clip in Clip.objects.filter(team=team):
                with clip.video.open("rb") as handle:
                    archive.writestr(f"{clip.title}.mp4", handle.read())
        received["in_memory"] = buffer.getbuffer().nbytes

    streamed_mib = growth_mib(streamed)
    naive_mib = growth_mib(in_memory)
    assert received["bytes"] == received["length"] > arguments.clips * size
    total_mib = received["bytes"] / 1024 / 1024
    print(f"clips: {arguments.clips} of {arguments.mib:g} MiB, ZIP {total_mib:.0f} MiB")
    print(f"in memory with zipfile: peak growth {naive_mib:.1f} MiB")
    print(f"streamed: peak growth {streamed_mib:.1f} MiB, {streamed_mib / naive_mib:.3f}x")
    print(
        f"batch zip: {streamed_mib:.1f} MiB peak memory growth for {arguments.clips} clips "
        f"(goal < {GOAL_MIB} MiB)"
    )


main()
