"""What the pre-flight changed in a person's file, said in one plain sentence each.

The photo and voice repairs (``media/photo_repair.py``, ``media/voice_repair.py``) return the
file as it will be sent with the list of ``Repair``s made to it; the create page and the clip
page show the sentences, and the codes let tests and code ask what happened.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repair:
    code: str  # e.g. "upright", "converted", "trimmed_silence": stable, for code and tests
    sentence: str  # e.g. "Turned the photo upright.": for people

    def __str__(self) -> str:
        return self.sentence
