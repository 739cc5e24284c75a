from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from avatarstudio.studio.pipeline.sweep import sweep_generations


class Command(BaseCommand):
    help = "Wake every unfinished generation whose next step is overdue (the worker runs it too)."

    def handle(self, *args: Any, **options: Any) -> None:
        woken = sweep_generations()
        self.stdout.write(f"Woke {woken} overdue generation{'s' if woken != 1 else ''}.")
