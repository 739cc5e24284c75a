"""The provider's input rules, in one table: the app's forms and the simulator read the same one.

CometAPI documents audio of 2 to 60 s; Kling's own API now allows 300 s. Change the table in
settings (``KLING_LIMITS``), not the code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings

MB = 1024 * 1024


@dataclass(frozen=True)
class ProviderLimits:
    image_formats: tuple[str, ...] = ("JPEG", "PNG")
    image_max_bytes: int = 10 * MB
    image_min_side: int = 300
    image_min_aspect: float = 1 / 2.5  # width / height
    image_max_aspect: float = 2.5
    audio_formats: tuple[str, ...] = ("mp3", "wav", "m4a", "aac")
    audio_max_bytes: int = 5 * MB
    audio_min_seconds: float = 2.0
    audio_max_seconds: float = 60.0
    audio_id_max_age_days: int = 30
    prompt_max_chars: int = 2500
    tts_text_max_chars: int = 1000
    tts_min_speed: float = 0.8
    tts_max_speed: float = 2.0
    tts_languages: tuple[str, ...] = ("zh", "en")

    def prompt_problem(self, prompt: str) -> str:
        """What is wrong with a prompt for Kling, in words for the person; "" when nothing."""
        if len(prompt) <= self.prompt_max_chars:
            return ""
        return (
            f"The prompt is {len(prompt):,} characters; Kling accepts at most "
            f"{self.prompt_max_chars:,}. Shorten it."
        )

    @classmethod
    def from_table(cls, table: dict[str, Any] | None) -> ProviderLimits:
        known = {f.name for f in fields(cls)}
        unknown = set(table or {}) - known
        if unknown:
            raise ValueError(f"Unknown provider limits: {', '.join(sorted(unknown))}")
        return cls(**(table or {}))


def provider_limits() -> ProviderLimits:
    return ProviderLimits.from_table(getattr(settings, "KLING_LIMITS", None))
