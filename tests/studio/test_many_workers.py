"""Four `manage.py worker` processes share 200 generations on the simulator: every one ends
ready, no step of a generation ever runs in two places at once, and the provider gets one
task and the library one clip per generation.

The workers are real processes on the test database (SQLite or PostgreSQL, whichever the
suite runs on) and reach the simulator over HTTP, as workers on other machines would.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from avatarstudio.library.models import Clip
from avatarstudio.simulator.server import SimulatorServer
from avatarstudio.studio.models import Generation, Status
from tests.media_factory import photo_bytes, voice_bytes
from tests.provider import make_simulator

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
GENERATIONS = 200
DEADLINE_SECONDS = 420


def database_url() -> str:
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_workers(env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    workers = []
    for number in range(WORKERS):
        log = (logs / f"worker-{number}.log").open("w")
        workers.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval", "0.2",
                 "--worker-id", f"test-worker-{number}", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def step_intervals(logs: Path) -> dict[str, list[tuple[float, float, int]]]:
    """(begin, end, pid) of every step each generation went through, from the JSON logs."""
    open_steps: dict[tuple[str, int], float] = {}
    intervals: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for path in sorted(logs.glob("worker-*.log")):
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


@pytest.mark.django_db(transaction=True)
def test_four_workers_share_200_generations_and_never_run_a_step_twice_at_once(
    team, owner, tmp_path, settings
):
    simulator = make_simulator(
        tmp_path,
        submitted_seconds=0.2,
        processing_seconds=0.3,
        concurrency=GENERATIONS,
        render_in_background=True,
    )
    server = SimulatorServer(simulator).start()
    simulator.config.public_url = server.url
    photo, voice = photo_bytes(600, 800), voice_bytes(2.2, "mp3")
    for _ in range(GENERATIONS):
        Generation.objects.start(
            team=team,
            user=owner,
            submission_token=uuid.uuid4(),
            mode="std",
            prompt="",
            photo=ContentFile(photo),
            photo_extension="jpg",
            audio=ContentFile(voice),
            audio_extension="mp3",
            audio_seconds=2.2,
        )

    leaks = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in leaks} | {
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "COMETAPI_BASE_URL": server.url,
        "COMETAPI_KEY": "test-key",
        "KLING_USE_SIMULATOR": "0",
        "GENERATION_POLL_SCHEDULE": "0.5,1",
        "SWEEP_INTERVAL_SECONDS": "2",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
    }
    workers = start_workers(env, tmp_path)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if not Generation.objects.active().exists():
                break
            assert all(worker.poll() is None for worker in workers), "a worker died"
            time.sleep(1)
    finally:
        stop_workers(workers)
        server.stop()

    statuses = sorted(set(Generation.objects.values_list("status", flat=True)))
    failures = list(Generation.objects.filter(status=Status.FAILED).values_list(
        "failure_message", flat=True)[:3])  # fmt: skip
    assert statuses == [Status.READY], (statuses, failures)

    # One provider task per generation, each created once.
    assert simulator.stats["tasks_created"] == GENERATIONS
    external_ids = {task["external_task_id"] for task in simulator._tasks.values()}
    assert external_ids == {str(pk) for pk in Generation.objects.values_list("pk", flat=True)}
    assert set(Generation.objects.values_list("create_calls", flat=True)) == {1}

    # One clip per generation, and one video file each: no save step ran twice.
    assert Clip.objects.count() == GENERATIONS
    videos = list((Path(settings.MEDIA_ROOT) / "teams" / str(team.pk) / "clips").glob("*/*.mp4"))
    assert len(videos) == GENERATIONS

    # No step of a generation overlapped another of the same generation, in any process.
    intervals = step_intervals(tmp_path)
    assert len(intervals) == GENERATIONS
    for generation, steps in intervals.items():
        steps.sort()
        for (_, ended, _), (began, _, _) in itertools.pairwise(steps):
            assert began >= ended, f"two steps of {generation} overlapped"
    # And the work was shared.
    pids = {pid for steps in intervals.values() for _, _, pid in steps}
    assert len(pids) == WORKERS
