"""A batch's preview of a 500-row spreadsheet, against the bare upload of the same file.

Run: .venv/bin/python bench/batch.py [--rows 500] [--rounds 7]
A team with three saved avatars; a member posts a 500-row CSV (a title, a two-sentence script
in English or Chinese, an avatar by name, a Kling voice by name on every third row, a mode and
a prompt) to the new-batch page through Django's whole handler (in-process, no network): every
row is read, checked against the avatars, voices and limits, and kept as a draft batch, whose
preview page is then rendered with the total length, cost and the quota for the whole batch.
Side by side, interleaved: the same file posted to a bare view that only reads the upload.
Medians over rounds; production settings (DEBUG off), SQLite.
"""

from __future__ import annotations

import argparse
import time

from _django import median, setup

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=500)
parser.add_argument("--rounds", type=int, default=7)
arguments = parser.parse_args()

setup(
    ALLOWED_HOSTS="testserver",
    DEBUG="0",
    SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
    SECURE_SSL_REDIRECT="0",
)

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from avatarstudio.accounts.models import Team
from avatarstudio.batches.models import Batch
from tests.avatars.helpers import make_avatar
from tests.helpers import make_user

GOAL_MS = 2000.0
SCRIPTS = (
    "Hello everyone, and welcome to this week's update from the team. Here is what is new.",
    "大家好，欢迎收看本周的团队动态。下面是这周的新内容。",
)


def bare(request):
    upload = request.FILES["sheet"]
    return HttpResponse(str(len(upload.read())))


urlpatterns = [path("bare/", bare), path("", include("avatarstudio.urls"))]


def spreadsheet(rows: int) -> bytes:
    lines = ["title,script,avatar,voice,mode,prompt"]
    for number in range(rows):
        script = SCRIPTS[number % 2]
        voice = ("Sunny" if number % 2 == 0 else "阳光少年") if number % 3 == 0 else ""
        avatar = ("Ana", "Max", "Lea")[number % 3]
        mode = "pro" if number % 5 == 0 else "std"
        lines.append(f'Update {number},"{script}",{avatar},{voice},{mode},Smile and nod')
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    owner = make_user("owner@example.com")
    team = Team.objects.create_with_owner("Bench team", owner)
    team.set_api_key("bench-only-cometapi-key")  # its own key: no server allowance applies
    team.save()
    for name in ("Ana", "Max", "Lea"):
        make_avatar(team, owner, name)
    client = Client()
    client.force_login(owner)
    client.post("/teams/switch/", {"team": team.pk})
    content = spreadsheet(arguments.rows)
    preview_ms, bare_ms = [], []
    with override_settings(ROOT_URLCONF=__name__):
        for _ in range(arguments.rounds):
            upload = SimpleUploadedFile("updates.csv", content, "text/csv")
            started = time.perf_counter()
            response = client.post("/batches/new/", {"sheet": upload}, follow=True)
            preview_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            batch = Batch.objects.latest("created")
            assert batch.rows.to_make().count() == arguments.rows, batch.rows.left_out().first()
            page = response.content.decode()
            assert f"Make {arguments.rows} videos" in page, page[page.find("<main") :][:3000]
            upload = SimpleUploadedFile("updates.csv", content, "text/csv")
            started = time.perf_counter()
            assert client.post("/bare/", {"sheet": upload}).status_code == 200
            bare_ms.append((time.perf_counter() - started) * 1000)
    preview, floor = median(preview_ms), median(bare_ms)
    print(
        f"rows: {arguments.rows}, file: {len(content) / 1024:.0f} KiB, rounds: {arguments.rounds}"
    )
    print(f"bare upload of the same file: {floor:.1f} ms (median)")
    print(f"preview (read, check, keep, render): {preview:.0f} ms (median), {preview / floor:.0f}x")
    print(
        f"batch preview: {preview:.0f} ms for {arguments.rows} rows (goal ≤ {GOAL_MS / 1000:g} s)"
    )


main()
