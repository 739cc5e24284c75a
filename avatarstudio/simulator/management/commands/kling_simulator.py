"""Serve the Kling simulator on its own: `python manage.py kling_simulator --port 8765`."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from avatarstudio.simulator.app import Simulator, SimulatorConfig
from avatarstudio.simulator.server import SimulatorServer


class Command(BaseCommand):
    help = "Serve a local simulator of Kling's Avatar API (CometAPI paths) on a port."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.SIMULATOR_PORT)
        parser.add_argument(
            "--dir", default=str(settings.SIMULATOR_DIR), help="where tasks and files are kept"
        )

    def handle(self, *args: Any, host: str, port: int, dir: str, **options: Any) -> None:
        config = SimulatorConfig.from_settings(
            data_dir=Path(dir), public_url=f"http://{host}:{port}"
        )
        server = SimulatorServer(Simulator(config), host=host, port=port).start()
        self.stdout.write(
            self.style.SUCCESS(f"Kling simulator on {server.url} (files in {config.data_dir})")
        )
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        while not stopped.wait(0.5):  # a short wait, so a signal is never missed in a long one
            pass
        server.stop()
        self.stdout.write("Simulator stopped.")
