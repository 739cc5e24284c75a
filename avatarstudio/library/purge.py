"""Empty the trash of clips that have been in it for 30 days, files and all."""

from __future__ import annotations

import logging

from django.utils import timezone

from avatarstudio.library.models import Clip

logger = logging.getLogger(__name__)


def purge_trash() -> int:
    due = list(Clip.objects.due_for_purge(timezone.now()).select_related("generation"))
    for clip in due:
        clip.delete_forever()
    if due:
        logger.info("purged %d clips from the trash", len(due))
    return len(due)
