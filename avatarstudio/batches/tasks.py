"""The task queue's part for batches: one task runs a batch's due step; the row holds the
truth, as for a generation (``studio.pipeline.tasks``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from avatarstudio.batches import steps
from avatarstudio.batches.models import Batch


@task()
def advance_batch(batch_id: str) -> str:
    outcome, next_step_at = steps.run_due_step(batch_id)
    if next_step_at is not None:
        wake_batch_at(batch_id, next_step_at)
    return outcome


def wake_batch(batch: Batch) -> None:
    wake_batch_at(str(batch.pk), batch.next_step_at)


def wake_batch_at(batch_id: str, due_at: datetime | None) -> None:
    """Enqueue the batch's wake-up for ``due_at``, after the commit."""

    def enqueue() -> None:
        advance_batch.using(run_after=due_at).enqueue(batch_id)

    transaction.on_commit(enqueue)


GRACE = timedelta(seconds=15)


def sweep_batches(now: datetime | None = None) -> int:
    """Wake every started batch whose step is overdue: a killed worker loses no batch."""
    now = now or timezone.now()
    overdue = list(Batch.objects.overdue(now, GRACE).values_list("pk", flat=True))
    for pk in overdue:
        Batch.objects.filter(pk=pk).update(next_step_at=now)
        wake_batch_at(str(pk), now)
    return len(overdue)
