from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from avatarstudio.library.purge import purge_trash
from avatarstudio.studio.services import forget_unused_voices


class Command(BaseCommand):
    help = (
        "Delete for good, with their files, clips that have been in the trash for 30 days, and "
        "voices previewed or recorded more than a day ago but never used."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_trash()
        forgotten = forget_unused_voices()
        self.stdout.write(f"Purged {purged} clip{'s' if purged != 1 else ''} from the trash.")
        self.stdout.write(f"Forgot {forgotten} unused voice{'s' if forgotten != 1 else ''}.")
