"""Run everything a laptop needs in one terminal: the web server, one task worker and, when no
CometAPI key is set, the Kling simulator.

Ctrl-C (or SIGTERM) stops every process this command started; if one of them dies, the
others are stopped too, so nothing is left running in the background.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server, one db_worker and the simulator; Ctrl-C stops them all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        commands = {
            "web": [*manage, "runserver", addrport],
            "worker": [*manage, "worker", "--no-reload", "--interval", "0.5"],
        }
        if settings.KLING_USE_SIMULATOR:
            commands["simulator"] = [
                *manage,
                "kling_simulator",
                "--port",
                str(settings.SIMULATOR_PORT),
            ]
        children = {name: subprocess.Popen(argv) for name, argv in commands.items()}  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"AvatarStudio is running on http://{addrport}/"))
        if settings.KLING_USE_SIMULATOR:
            self.stdout.write("No COMETAPI_KEY is set: videos come from the built-in simulator.")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, child in children.items() if child.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} stopped; stopping the rest.")
                    break
                time.sleep(0.3)
        finally:
            self._stop_all(children)

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped.")
