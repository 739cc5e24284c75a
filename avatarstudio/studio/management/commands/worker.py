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
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from avatarstudio.library.purge import purge_trash
from avatarstudio.studio.pipeline.sweep import sweep_generations
from avatarstudio.studio.services import forget_unused_voices

logger = logging.getLogger(__name__)


def upkeep_forever(stop: threading.Event, interval: float, purge_every: float) -> None:
    last_purge = float("-inf")
    while not stop.wait(interval):
        try:
            sweep_generations()
            if time.monotonic() - last_purge >= purge_every:
                purge_trash()
                forget_unused_voices()
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
