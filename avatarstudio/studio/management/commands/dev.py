"""Run everything a laptop needs in one terminal: the web server, one task worker and, when no
CometAPI key is set, the Kling simulator.

honcho (the Procfile runner) supervises them: their output is interleaved with a name in front
of each line, Ctrl-C (or SIGTERM) stops them all, and if one dies the others are stopped too,
so nothing is left running in the background.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager


class Command(BaseCommand):
    help = "Start the web server, one worker and the simulator; Ctrl-C stops them all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        manage = f"{shlex.quote(sys.executable)} manage.py"
        processes = {
            "web": f"{manage} runserver {shlex.quote(addrport)}",
            "worker": f"{manage} worker --no-reload --interval 0.5",
        }
        if settings.KLING_USE_SIMULATOR:
            processes["simulator"] = f"{manage} kling_simulator --port {settings.SIMULATOR_PORT}"
            self.stdout.write("No COMETAPI_KEY is set: videos come from the built-in simulator.")
        self.stdout.write(self.style.SUCCESS(f"AvatarStudio starts on http://{addrport}/"))
        manager = Manager()
        for name, command in processes.items():
            manager.add_process(name, command)
        manager.loop()
        sys.exit(manager.returncode)
