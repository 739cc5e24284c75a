"""Real `manage.py worker` processes sharing generations on a simulator over HTTP.

Used by `tests/studio/test_many_workers.py` (a few dozen generations: the properties) and by
`bench/many_workers.py` (hundreds: the throughput). The workers run on the same database as
the caller (SQLite or PostgreSQL) and reach the simulator on a loopback socket, as workers on
other machines would.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import connection

from avatarstudio.library.models import Clip
from avatarstudio.simulator.app import Simulator
from avatarstudio.simulator.server import SimulatorServer
from avatarstudio.studio import services
from avatarstudio.studio.models import Generation, Status
from tests.media_factory import photo_bytes, voice_bytes
from tests.provider import make_simulator
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
# Variables of the caller's process that must not reach the workers.
LEAKS = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}


def database_url() -> str:
    """The caller's database, for processes it starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def fast_simulator(folder: Path, concurrency: int) -> Simulator:
    """A simulator whose tasks take half a second, rendering on its own threads."""
    return make_simulator(
        folder,
        submitted_seconds=0.2,
        processing_seconds=0.3,
        concurrency=concurrency,
        render_in_background=True,
    )


def queue_generations(team, user, count: int) -> None:
    photo, voice = photo_bytes(600, 800), voice_bytes(2.2, "mp3")
    for _ in range(count):
        services.start_generation(
            team=team,
            user=user,
            submission_token=uuid.uuid4(),
            mode="std",
            prompt="",
            photo=ContentFile(photo),
            photo_extension="jpg",
            audio=ContentFile(voice),
            audio_extension="mp3",
            audio_seconds=2.2,
        )


@dataclass
class Fleet:
    """Worker processes and the simulator they share; their logs are JSON lines in ``logs``."""

    simulator: Simulator
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def progress(self) -> tuple:
        """What moves while the fleet works: how many rows are in each state, and the clips."""
        statuses = Counter(Generation.objects.values_list("status", flat=True))
        return (tuple(sorted(statuses.items())), Clip.objects.count())

    def wait_until_started(self) -> None:
        """Wait until every worker takes tasks, so that all of them share what is queued next."""

        def started() -> bool:
            logs = [path.read_text() for path in self.logs.glob("worker-*.log")]
            self.assert_alive()
            return sum("Starting worker" in log for log in logs) == len(self.processes)

        wait_for(started, what="the workers to start", interval=0.2)

    def assert_alive(self) -> None:
        died = [p.args[-1] for p in self.processes if p.poll() is not None]
        assert not died, f"a worker died: {died}; see {self.logs}"

    def wait_until_idle(self) -> None:
        """Wait until no generation is active; fail if a worker dies or nothing moves."""

        def idle() -> bool:
            self.assert_alive()
            return not Generation.objects.active().exists()

        wait_for(idle, what="the workers to finish every generation", progress=self.progress,
                 interval=0.5)  # fmt: skip

    def step_intervals(self) -> dict[str, list[tuple[float, float, int]]]:
        """(begin, end, pid) of every step each generation went through, from the logs."""
        open_steps: dict[tuple[str, int], float] = {}
        intervals: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        for path in sorted(self.logs.glob("worker-*.log")):
            for raw in path.read_text().splitlines():
                if not raw.startswith("{"):
                    continue
                line = json.loads(raw)
                generation, pid = line.get("generation_id"), line["process"]
                if generation and line["message"].endswith(" begins"):
                    open_steps[(generation, pid)] = line["created"]
                elif generation and line["message"].endswith("step ends"):
                    begun = open_steps.pop((generation, pid))
                    intervals[generation].append((begun, line["created"], pid))
        return intervals

    def overlapping_steps(self) -> list[str]:
        """Generations two of whose steps ran at the same time, in any processes."""
        overlapping = []
        for generation, steps in self.step_intervals().items():
            steps.sort()
            pairs = itertools.pairwise(steps)
            if any(began < ended for (_, ended, _), (began, _, _) in pairs):
                overlapping.append(generation)
        return overlapping


@contextmanager
def worker_fleet(workers: int, folder: Path, media_root: Path, concurrency: int) -> Iterator[Fleet]:
    """Start the simulator on a socket and ``workers`` worker processes; stop them after."""
    simulator = fast_simulator(folder, concurrency)
    server = SimulatorServer(simulator).start()
    simulator.config.public_url = server.url
    env = {k: v for k, v in os.environ.items() if k not in LEAKS} | {
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media_root),
        "COMETAPI_BASE_URL": server.url,
        "COMETAPI_KEY": "test-key",
        "KLING_USE_SIMULATOR": "0",
        "KLING_MAX_CONCURRENT": str(concurrency),  # the simulator's pack: all at once
        "GENERATION_POLL_SCHEDULE": "0.5,1",
        "SWEEP_INTERVAL_SECONDS": "2",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
    }
    fleet = Fleet(simulator, folder)
    try:
        for number in range(workers):
            log = (folder / f"worker-{number}.log").open("w")
            fleet.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--interval", "0.2",
                     "--no-startup-delay", "--no-reload", "--worker-id", f"test-worker-{number}"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        fleet.wait_until_started()
        yield fleet
    finally:
        stop(fleet.processes)
        server.stop()


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each worker; one that has not finished its step after a while is killed."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def statuses() -> list[str]:
    """The states the generations are in, each once."""
    return sorted(set(Generation.objects.values_list("status", flat=True)))


def first_failures() -> list[str]:
    failed = Generation.objects.filter(status=Status.FAILED)
    return list(failed.values_list("failure_message", flat=True)[:3])
