"""`manage.py worker`: django-tasks-db's db_worker, plus the periodic sweep.

The sweep runs in a thread every SWEEP_INTERVAL_SECONDS; with many workers every one sweeps,
which is harmless: a woken row that is not due, or held by another worker, does nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from avatarstudio.studio.sweep import sweep_generations

logger = logging.getLogger(__name__)


def sweep_forever(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            sweep_generations()
        except Exception:
            logger.exception("periodic sweep failed")
        finally:
            close_old_connections()


class Command(DbWorkerCommand):
    help = "Run background tasks, and sweep overdue generations periodically."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        sweeper = threading.Thread(
            target=sweep_forever,
            args=(stop, settings.SWEEP_INTERVAL_SECONDS),
            daemon=True,
            name="sweep",
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
