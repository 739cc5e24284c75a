from __future__ import annotations

import time
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from avatarstudio.studio import steps
from avatarstudio.studio.models import Generation
from tests.media_factory import photo_bytes, voice_bytes


def start_generation(
    team, user, *, seconds: float = 2.5, prompt: str = "Smile and talk", **kw
) -> Generation:
    return Generation.objects.start(
        team=team,
        user=user,
        submission_token=kw.pop("submission_token", uuid.uuid4()),
        mode=kw.pop("mode", "std"),
        prompt=prompt,
        photo=ContentFile(photo_bytes(600, 800)),
        photo_extension="jpg",
        audio=ContentFile(voice_bytes(seconds, "mp3")),
        audio_extension="mp3",
        audio_seconds=seconds,
        **kw,
    )


def make_due(generation: Generation) -> None:
    Generation.objects.filter(pk=generation.pk).update(
        next_step_at=timezone.now() - timedelta(seconds=1)
    )


def step(generation: Generation) -> str:
    """Run the generation's next step now, whatever its schedule said."""
    make_due(generation)
    outcome = steps.advance(str(generation.pk))
    generation.refresh_from_db()
    return outcome


def drive(generation: Generation, limit: int = 30) -> list[str]:
    """Run steps until the generation ends; the simulator's tasks take a fraction of a second."""
    outcomes = []
    for _ in range(limit):
        outcomes.append(step(generation))
        if not generation.is_active:
            break
        time.sleep(0.06)
    return outcomes
