"""Saved avatars for the tests, made as the avatar form's service makes them."""

from __future__ import annotations

import functools
import uuid

from django.core.files.base import ContentFile

from avatarstudio.avatars.services import KnownPhoto, save_avatar
from avatarstudio.studio import services
from tests.media_factory import photo_bytes, voice_bytes


@functools.cache
def face() -> bytes:
    return photo_bytes(600, 800)


def make_avatar(team, user, name: str = "Ana", *, photo: bytes | None = None, **defaults):
    data = {
        "name": name,
        "consent_statement": defaults.pop("consent_statement", "self"),
        "voice_kind": defaults.pop("voice_kind", "tts"),
        "tts_voice": defaults.pop("tts_voice", "en:genshin_vindi2"),
        "speed": defaults.pop("speed", 1.0),
        "prompt": defaults.pop("prompt", "Smile and nod"),
        "mode": defaults.pop("mode", "std"),
        **defaults,
    }
    return save_avatar(team, user, data, KnownPhoto(content=photo or face(), extension="jpg"))


def video_of(avatar, user, seconds: float = 2.5, **kw):
    """A video of ``avatar`` speaking an uploaded voice of ``seconds``."""
    return services.start_generation(
        team=avatar.team,
        user=user,
        submission_token=uuid.uuid4(),
        mode=avatar.mode,
        prompt=avatar.prompt,
        audio=ContentFile(voice_bytes(seconds, "mp3")),
        audio_extension="mp3",
        audio_seconds=seconds,
        repairs=[],
        **{k: v for k, v in services.avatar_face(avatar).items() if k != "repairs"},
        **kw,
    )
