"""`manage.py worker`: django-tasks-db's db_worker, plus the periodic upkeep.

A thread runs the sweep every SWEEP_INTERVAL_SECONDS and empties the trash of old clips every
PURGE_INTERVAL_SECONDS. With many workers every one does it, which is harmless: a woken row
that is not due, or held by another worker, does nothing, and a clip is purged only once.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

logger = logging.getLogger(__name__)


def upkeep_forever(stop: threading.Event, interval: float, purge_every: float) -> None:
    """The sweeps of ``settings.UPKEEP_SWEEPS`` every ``interval`` seconds, the clean-ups of
    ``settings.UPKEEP_CLEANUPS`` every ``purge_every``. They are named in settings, not
    imported here, because the apps above the studio (batches) have sweeps of their own."""
    sweeps = [import_string(name) for name in settings.UPKEEP_SWEEPS]
    cleanups = [import_string(name) for name in settings.UPKEEP_CLEANUPS]
    last_purge = float("-inf")
    while not stop.wait(interval):
        try:
            for sweep in sweeps:
                sweep()
            if time.monotonic() - last_purge >= purge_every:
                for cleanup in cleanups:
                    cleanup()
                last_purge = time.monotonic()
        except Exception:
            logger.exception("periodic upkeep failed")
        finally:
            close_old_connections()


class Command(DbWorkerCommand):
    help = "Run background tasks; sweep overdue generations and purge the trash periodically."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        sweeper = threading.Thread(
            target=upkeep_forever,
            args=(stop, settings.SWEEP_INTERVAL_SECONDS, settings.PURGE_INTERVAL_SECONDS),
            daemon=True,
            name="upkeep",
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
