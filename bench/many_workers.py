"""How many generations a minute worker processes get through, one worker beside four.

Run: .venv/bin/python bench/many_workers.py [--generations 200] [--postgres]
Real `manage.py worker` processes share queued generations on the simulator over loopback
(tasks take half a second there), as in tests/studio/test_many_workers.py, which proves the
properties with fewer rows; this script only times. The same run is made twice, side by
side: one worker with a quarter of the rows, then four workers with all of them. The figure is
what four workers make together against what one makes alone: adding workers must never
slow the whole down (on a 2-core machine four processes share two cores, so much more than
1x is not to be expected either).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _django import fresh_postgres, setup

parser = argparse.ArgumentParser()
parser.add_argument("--generations", type=int, default=200)
parser.add_argument("--postgres", action="store_true")
arguments = parser.parse_args()

env = {}
if arguments.postgres:
    env["DATABASE_URL"] = fresh_postgres("avatarstudio_bench_workers")
folder = setup(**env)

from django.conf import settings
from django.contrib.auth import get_user_model

from avatarstudio.accounts.models import Team
from avatarstudio.studio.models import Generation, Status
from tests.workers import first_failures, queue_generations, statuses, worker_fleet

GOAL = 1.0
owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com", "pw")
team = Team.objects.create_with_owner("Bench", owner)


def per_minute_per_worker(workers: int, generations: int) -> float:
    Generation.objects.all().delete()
    with (
        tempfile.TemporaryDirectory(dir=folder) as logs,
        worker_fleet(workers, Path(logs), settings.MEDIA_ROOT, generations) as fleet,
    ):
        started = time.perf_counter()
        queue_generations(team, owner, generations)
        fleet.wait_until_idle()
        elapsed = time.perf_counter() - started
        if statuses() != [Status.READY]:
            raise SystemExit(f"not every generation ended ready: {first_failures()}")
    rate = generations / elapsed * 60 / workers
    print(f"{workers} worker(s), {generations} generations: {elapsed:.1f} s, "
          f"{rate:.1f} generations a minute per worker")  # fmt: skip
    return rate


one = per_minute_per_worker(1, max(arguments.generations // 4, 1))
four = per_minute_per_worker(4, arguments.generations)
print(f"generations a minute: one worker {one:.1f}, four together {four * 4:.1f}")
print(f"four workers together against one: {four * 4 / one:.2f}x (goal >= {GOAL}x)")
