from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from avatarstudio.library.purge import purge_trash


class Command(BaseCommand):
    help = "Delete for good, with their files, clips that have been in the trash for 30 days."

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_trash()
        self.stdout.write(f"Purged {purged} clip{'s' if purged != 1 else ''} from the trash.")
