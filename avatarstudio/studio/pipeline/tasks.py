"""The task queue's part: one task that runs a generation's due step, and the wake-up call.

The queue only wakes rows up; the row holds the truth. After a step that ran (not one that
found the row not due, or held by another worker), the row's ``next_step_at`` says when it
wants waking again, and that wake-up is enqueued once the step's writes are committed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.tasks import task

from avatarstudio.studio.models import Generation
from avatarstudio.studio.pipeline import steps


@task()
def advance_generation(generation_id: str) -> str:
    try:
        outcome, next_step_at = steps.run_due_step(generation_id)
    except steps.StepCrashed as crash:
        wake_up_at(generation_id, crash.next_step_at)
        raise
    if next_step_at is not None:
        wake_up_at(generation_id, next_step_at)
    return outcome


def wake_up(generation: Generation) -> None:
    """Wake the generation when its next step is due, once the current transaction commits."""
    wake_up_at(str(generation.pk), generation.next_step_at)


def wake_up_at(generation_id: str, run_after: datetime | None) -> None:
    def enqueue() -> None:
        advance_generation.using(run_after=run_after).enqueue(generation_id)

    transaction.on_commit(enqueue)
