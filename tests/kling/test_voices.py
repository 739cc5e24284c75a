"""The table of Kling TTS voices kept in the project as data."""

from __future__ import annotations

import re

from avatarstudio.kling import voices

VOICE_ID = re.compile(r"^[A-Za-z0-9_\-]{2,64}$")


def test_every_voice_has_an_id_a_known_language_a_name_and_a_style():
    table = voices.all_voices()
    assert len(table) >= 60
    for voice in table:
        assert VOICE_ID.match(voice.voice_id), voice
        assert voice.language in voices.LANGUAGES, voice
        assert voice.name.strip() == voice.name and voice.name, voice
        assert voice.style.strip() and voice.style[0].isupper(), voice


def test_a_voice_is_listed_once_per_language():
    keys = [voice.key for voice in voices.all_voices()]
    assert len(keys) == len(set(keys))


def test_names_are_unique_within_a_language_so_the_picker_is_unambiguous():
    for group in voices.by_language().values():
        labels = [voice.label for voice in group]
        assert len(labels) == len(set(labels))


def test_both_languages_have_voices_and_the_documented_example_speaks_both():
    grouped = voices.by_language()
    assert set(grouped) == {"English", "Chinese"}
    assert all(grouped.values())
    assert voices.by_key("en:genshin_vindi2").name == "Sunny"
    assert voices.by_key("zh:genshin_vindi2").name == "阳光少年"


def test_the_default_voice_is_in_the_table():
    assert voices.by_key(voices.DEFAULT_VOICE) is not None


def test_an_unknown_pair_is_not_a_voice():
    assert voices.by_key("en:no_such_voice") is None
    assert not voices.is_known("AOT", "zh")  # Ace speaks English only
    assert voices.is_known("AOT", "en")
