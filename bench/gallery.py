"""The library gallery at 10,000 clips: its first and last page versus a bare Django view.

Run: .venv/bin/python bench/gallery.py [--clips 10000] [--postgres]
A team gets N clips from `seed_demo`; a signed-in member then requests the gallery's first
page, its last page and a bare view through Django's whole handler and middleware (in-process,
no network), interleaved, with production settings (DEBUG off). Each figure is a ratio of
medians: the last page against the first (keyset pages should cost the same anywhere), and the
first page against the bare view. With --postgres it runs on a fresh database on the local
server instead of SQLite.
"""

from __future__ import annotations

import argparse
import time

from _django import fresh_postgres, median, setup

parser = argparse.ArgumentParser()
parser.add_argument("--clips", type=int, default=10_000)
parser.add_argument("--rounds", type=int, default=300)
parser.add_argument("--postgres", action="store_true")
arguments = parser.parse_args()

env = {
    "ALLOWED_HOSTS": "testserver",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-0123456789",
    "SECURE_SSL_REDIRECT": "0",
}
if arguments.postgres:
    env["DATABASE_URL"] = fresh_postgres("avatarstudio_bench_gallery")
setup(**env)

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from avatarstudio.accounts.models import Team

GOAL_LAST_FIRST = 1.2
GOAL_FIRST_BARE = 3.0


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("avatarstudio.urls"))]


def main() -> None:
    user = get_user_model().objects.create_user(
        "gallery@example.com", "gallery@example.com", "pw-bench-1"
    )
    team = Team.objects.personal_for(user)
    started = time.perf_counter()
    call_command("seed_demo", clips=arguments.clips, team=team.pk, verbosity=0)
    print(f"seeded {arguments.clips} clips in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(user)
    urls = {"first": "/library/", "last": "/library/?page=last", "bare": "/bench/bare/"}
    timings: dict[str, list[float]] = {name: [] for name in urls}
    with override_settings(ROOT_URLCONF=__name__):
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            if name != "bare":
                assert response.content.count(b'class="clip-tile') == 24, name
        for _ in range(arguments.rounds):
            for name, url in urls.items():
                began = time.perf_counter()
                client.get(url)
                timings[name].append(time.perf_counter() - began)

    first, last, plain = (median(timings[name]) for name in ("first", "last", "bare"))
    print(
        f"first page: {first * 1000:.2f} ms, last page: {last * 1000:.2f} ms, "
        f"bare view: {plain * 1000:.2f} ms (medians of {arguments.rounds})"
    )
    print(
        f"gallery: last/first {last / first:.2f}, first/bare {first / plain:.2f} "
        f"(goal ≤ {GOAL_LAST_FIRST}, ≤ {GOAL_FIRST_BARE:g})"
    )


if __name__ == "__main__":
    main()
