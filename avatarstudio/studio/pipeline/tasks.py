"""The task queue's part: one task that runs a generation's due step, and the wake-up call.

The queue only wakes rows up; the row holds the truth. After a step that ran (not one that
found the row not due, or held by another worker), the row's ``next_step_at`` says when it
wants waking again, and that wake-up is enqueued once the step's writes are committed. Each
wake-up carries the ``next_step_at`` it is for, so only one of several for the same step
(the chain's own, a sweep's, a webhook's) runs it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.tasks import task

from avatarstudio.studio.models import Generation
from avatarstudio.studio.pipeline import steps


@task()
def advance_generation(generation_id: str, due_at: str | None = None) -> str:
    """Run the step the row is due for at ``due_at`` (an ISO time; any due step without it)."""
    when = datetime.fromisoformat(due_at) if due_at else None
    try:
        outcome, next_step_at = steps.run_due_step(generation_id, when)
    except steps.StepCrashed as crash:
        wake_up_at(generation_id, crash.next_step_at)
        raise
    if next_step_at is not None:
        wake_up_at(generation_id, next_step_at)
    return outcome


def wake_up(generation: Generation) -> None:
    """Wake the generation when its next step is due, once the current transaction commits."""
    wake_up_at(str(generation.pk), generation.next_step_at)


def wake_up_at(generation_id: str, due_at: datetime | None) -> None:
    """Enqueue the wake-up for the step due at ``due_at``, after the commit."""
    ticket = due_at.isoformat() if due_at else None

    def enqueue() -> None:
        advance_generation.using(run_after=due_at).enqueue(generation_id, ticket)

    transaction.on_commit(enqueue)
