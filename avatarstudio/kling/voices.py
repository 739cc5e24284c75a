"""Kling's TTS voices, kept as data (``data/tts_voices.csv``) from Kling's published voice guide.

One voice id may speak Chinese and English, with a display name in each; a voice is picked as
the pair, so the language sent to TTS always matches the voice. The style column is our own
plain-words description of the published name, for the picker.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "tts_voices.csv"
LANGUAGES = {"en": "English", "zh": "Chinese"}


@dataclass(frozen=True)
class TtsVoice:
    voice_id: str
    language: str
    name: str
    style: str

    @property
    def key(self) -> str:
        """How a form names this voice: the language and the id, as one value."""
        return f"{self.language}:{self.voice_id}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.style})"


@cache
def all_voices() -> tuple[TtsVoice, ...]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return tuple(TtsVoice(**row) for row in csv.DictReader(handle))


def by_key(key: str) -> TtsVoice | None:
    return next((voice for voice in all_voices() if voice.key == key), None)


def by_language() -> dict[str, list[TtsVoice]]:
    """The voices grouped for the picker: English first, then Chinese."""
    return {
        name: [v for v in all_voices() if v.language == code] for code, name in LANGUAGES.items()
    }


def is_known(voice_id: str, language: str) -> bool:
    return by_key(f"{language}:{voice_id}") is not None


DEFAULT_VOICE = "en:genshin_vindi2"


def picker_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The voices for a ``<select>``, grouped by language, each as (key, "name · style")."""
    return [
        (language, [(voice.key, f"{voice.name} · {voice.style}") for voice in group])
        for language, group in by_language().items()
    ]


def find(words: str) -> TtsVoice | None:
    """The voice a person typed (in a spreadsheet): its key (``en:genshin_vindi2``), its id
    (English first when it speaks both) or its name, in any case."""
    words = " ".join(words.split()).casefold()
    if not words:
        return None
    for voice in sorted(all_voices(), key=lambda voice: voice.language != "en"):
        if words in (voice.key.casefold(), voice.voice_id.casefold(), voice.name.casefold()):
            return voice
    return None
