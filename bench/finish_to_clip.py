"""From "the provider finished" to "the clip is in the library", with the webhook and without.

Run: .venv/bin/python bench/finish_to_clip.py
Everything runs for real on loopback: the app behind a threaded WSGI server, one task worker
(0.5 s idle interval, as `make run` starts it), and the simulator on its own port sending
callbacks. "Finished" is the moment the simulator marks the task succeeded (and, with the
webhook, sends the callback); the clip's creation time ends the span. The download inside the
span is timed separately, since the goal allows for it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime

from _django import median, setup

folder = setup(ALLOWED_HOSTS="127.0.0.1")

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from avatarstudio.accounts.models import Team
from avatarstudio.simulator.app import Simulator, SimulatorConfig
from avatarstudio.simulator.server import SimulatorServer
from avatarstudio.studio import services
from avatarstudio.studio.models import Status
from avatarstudio.studio.pipeline import provider
from avatarstudio.studio.pipeline.inprocess import start_worker
from tests.media_factory import photo_bytes, voice_bytes

PROCESSING_SECONDS = (2.0, 5.5, 9.0)
JOBS = len(PROCESSING_SECONDS)
GOAL_SECONDS = 1.0
downloads: dict[str, float] = {}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def timed_download(original):
    def download(url, destination):
        started = time.perf_counter()
        try:
            return original(url, destination)
        finally:
            downloads[url] = time.perf_counter() - started

    return download


def run_job(user, team, sim: Simulator, processing: float) -> tuple[float, float]:
    sim.config.processing_seconds = processing
    generation = services.start_generation(
        team=team,
        user=user,
        submission_token=uuid.uuid4(),
        mode="std",
        prompt="Benchmark",
        photo=ContentFile(photo_bytes(600, 800)),
        photo_extension="jpg",
        audio=ContentFile(voice_bytes(5.0, "mp3")),
        audio_extension="mp3",
        audio_seconds=5.0,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        generation.refresh_from_db()
        if generation.status in (Status.READY, Status.FAILED):
            break
        time.sleep(0.05)
    assert generation.status == Status.READY, generation.failure_message
    task = sim.store.tasks[generation.provider_task_id]
    finished = datetime.fromtimestamp(task["updated"] / 1000, tz=UTC)
    span = (generation.clip.created - finished).total_seconds()
    return span, downloads[generation.result_url]


def main() -> None:
    for name in ("django.tasks", "django_tasks_db"):
        logging.getLogger(name).setLevel(logging.WARNING)
    app = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    app.set_app(WSGIHandler())
    threading.Thread(target=app.serve_forever, daemon=True).start()
    app_url = f"http://127.0.0.1:{app.server_port}"

    sim = Simulator(
        SimulatorConfig(data_dir=folder / "sim", submitted_seconds=1, processing_seconds=2)
    )
    sim_server = SimulatorServer(sim).start()
    sim.config.public_url = sim_server.url
    settings.COMETAPI_BASE_URL = sim_server.url
    provider.download_result = timed_download(provider.download_result)

    worker = start_worker(interval=0.5, worker_id="bench")

    user = get_user_model().objects.create_user("f@example.com", "f@example.com", "pw-bench-1")
    team = Team.objects.personal_for(user)
    results = {}
    for label, public in (("webhook", app_url), ("polling alone", "")):
        settings.PUBLIC_BASE_URL = public
        # Kling's processing time varies; so does where it ends between two polls.
        spans = [run_job(user, team, sim, processing) for processing in PROCESSING_SECONDS]
        span = median([s for s, _ in spans])
        download = median([d for _, d in spans])
        results[label] = (span, download)
        print(
            f"{label}: {span:.2f} s from finished to clip "
            f"(download {download:.2f} s), median of {JOBS}"
        )
    worker.running = False
    sim_server.stop()
    app.shutdown()
    span, download = results["webhook"]
    polling = results["polling alone"][0]
    print(
        f"finish_to_clip: {span - download:.2f} s + {download:.2f} s download with the webhook, "
        f"{polling:.2f} s polling alone (goal <= {GOAL_SECONDS:.0f} s + download with the webhook)"
    )


if __name__ == "__main__":
    main()
