from __future__ import annotations

import functools
import io
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from avatarstudio.media.voice_repair import decode_voice
from avatarstudio.studio import services
from avatarstudio.studio.models import Generation
from avatarstudio.studio.pipeline import steps
from tests.media_factory import photo_bytes, voice_bytes
from tests.waiting import wait_for


@functools.cache
def _inputs(seconds: float) -> tuple[bytes, bytes]:
    """A photo and a voice of ``seconds``: made once, they are the same every time."""
    return photo_bytes(600, 800), voice_bytes(seconds, "mp3")


def start_generation(
    team, user, *, seconds: float = 2.5, prompt: str = "Smile and talk", **kw
) -> Generation:
    return services.start_generation(
        team=team,
        user=user,
        submission_token=kw.pop("submission_token", uuid.uuid4()),
        mode=kw.pop("mode", "std"),
        prompt=prompt,
        photo=ContentFile(_inputs(seconds)[0]),
        photo_extension="jpg",
        audio=ContentFile(_inputs(seconds)[1]),
        audio_extension="mp3",
        audio_seconds=seconds,
        **kw,
    )


def start_with_voice(
    team, user, voice: bytes, *, audio_seconds: float | None = None, prompt: str = "", **kw
) -> Generation:
    """A video of this M4A voice (a long one, when it is over the provider's maximum)."""
    if audio_seconds is None:
        audio_seconds = decode_voice(io.BytesIO(voice)).seconds
    return services.start_generation(
        team=team,
        user=user,
        submission_token=uuid.uuid4(),
        mode=kw.pop("mode", "std"),
        prompt=prompt,
        photo=ContentFile(kw.pop("photo", None) or photo_bytes(600, 800)),
        photo_extension="jpg",
        audio=ContentFile(voice),
        audio_extension="m4a",
        audio_seconds=audio_seconds,
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


def drive(generation: Generation) -> list[str]:
    """Run steps until the generation ends, the simulator's clock moving its task along.

    Fails only when the generation's state stops changing for a stretch (tests/waiting.py).
    """
    outcomes: list[str] = []

    def ended() -> bool:
        outcomes.append(step(generation))
        return not generation.is_active

    wait_for(ended, what=f"generation {generation.pk} to end", progress=lambda: (
        generation.status, generation.provider_status, generation.retries))  # fmt: skip
    return outcomes
