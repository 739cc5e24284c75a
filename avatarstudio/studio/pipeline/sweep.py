"""Wake every generation whose next step is overdue: nothing is lost when a worker dies."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from avatarstudio.studio.models import Generation
from avatarstudio.studio.pipeline.tasks import wake_up

logger = logging.getLogger(__name__)
GRACE = timedelta(seconds=15)


def sweep_generations() -> int:
    now = timezone.now()
    overdue = list(Generation.objects.overdue(now, GRACE).only("pk", "next_step_at"))
    for generation in overdue:
        if generation.next_step_at is None:
            Generation.objects.filter(pk=generation.pk, next_step_at__isnull=True).update(
                next_step_at=now
            )
            generation.next_step_at = now
        wake_up(generation)
    if overdue:
        logger.info("sweep woke %d overdue generations", len(overdue))
    return len(overdue)
