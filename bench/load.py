"""The ceiling: how many people one machine lets watch their status cards, before and after
cheap polls, side by side in one run.

Run: .venv/bin/python bench/load.py [--baseline REV] [--seconds 10] [--postgres]
One fresh production site (`_site.Site`: gunicorn as `make serve` starts it, DEBUG off,
Redis as the cache) with a member watching 50 running videos, served in turn by the code of
``--baseline`` (checked out beside this one; by default the last commit before cheap polls)
and by this checkout. Each watcher is a kept-alive connection polling one card every 2 s,
as an open page does; the watchers grow step by step, and each step's 99th percentile of
answer times is measured once every watcher has polled. The figure for each code is the
number of watchers at which that percentile first passes 500 ms (the mixed load of polls
and uploads is `bench/load_mixed.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import tempfile
import time
from pathlib import Path

from _django import fresh_postgres
from _site import ROOT, Connection, Site, percentile, request_bytes

BEFORE_CHEAP_POLLS = "892afc8~1"
INTERVAL = 2.0
LIMIT_MS = 500.0
STEPS = (50, 100, 200, 300, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000, 4000)

parser = argparse.ArgumentParser()
parser.add_argument("--baseline", default=BEFORE_CHEAP_POLLS)
parser.add_argument("--seconds", type=float, default=10.0, help="how long each step lasts")
parser.add_argument("--postgres", action="store_true")
arguments = parser.parse_args()


async def step(port: int, requests: list[bytes], watchers: int) -> float:
    """The 99th percentile (ms) of ``watchers`` polling every 2 s for ``--seconds``."""
    times: list[float] = []
    started = time.perf_counter()
    measured_from = started + INTERVAL  # every watcher has started and polled once
    deadline = started + arguments.seconds

    async def watcher(request: bytes) -> None:
        connection = Connection(port)
        await asyncio.sleep(random.uniform(0, INTERVAL))  # pages open at different times
        try:
            while (sent := time.perf_counter()) < deadline:
                await connection.ask(request)
                answered = time.perf_counter()
                if sent >= measured_from:
                    times.append((answered - sent) * 1000)
                await asyncio.sleep(max(0.0, INTERVAL - (answered - sent)))
        finally:
            connection.close()

    await asyncio.gather(*(watcher(requests[n % len(requests)]) for n in range(watchers)))
    return percentile(times, 0.99)


def ceiling(site: Site, checkout: Path, label: str) -> int:
    with site.serve(checkout) as server:
        requests = [
            request_bytes(server.poll_address(card), site.session, htmx=True) for card in site.cards
        ]
        asyncio.run(step(server.port, requests, 20))  # warm every gunicorn process
        for watchers in STEPS:
            p99 = asyncio.run(step(server.port, requests, watchers))
            print(f"{label}: {watchers} watchers, p99 {p99:.0f} ms", flush=True)
            if p99 > LIMIT_MS:
                return watchers
    return STEPS[-1]


def main() -> None:
    site = Site(postgres_url=fresh_postgres("avatarstudio_load") if arguments.postgres else "")
    site.prepare(cards=50)
    baseline = Path(tempfile.mkdtemp(prefix="avatarstudio-baseline-")) / "checkout"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(baseline), arguments.baseline],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        before = ceiling(site, baseline, "before")
        after = ceiling(site, ROOT, "after")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT)  # noqa: S607
    print(
        f"load: p99 passes {LIMIT_MS:.0f} ms at {after} watchers, {before} before cheap polls, "
        f"{after / before:.1f}x (goal > 1x)"
    )


if __name__ == "__main__":
    main()
