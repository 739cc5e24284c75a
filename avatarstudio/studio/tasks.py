"""Background tasks: small wrappers; the work and its rules live in ``steps``."""

from __future__ import annotations

from django.tasks import task

from avatarstudio.studio import steps


@task()
def advance_generation(generation_id: str) -> str:
    return steps.advance(generation_id)
