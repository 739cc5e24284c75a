"""Where a team's files live in storage: the one place the layout is spelled.

Every file a team makes lives under its folder, so deleting a team removes one folder::

    teams/<team>/inputs/<generation>/photo.jpg, voice.mp3    what a generation was made from
    teams/<team>/inputs/<generation>/part-3.m4a, part-3.mp4  a long video's part, while made
    teams/<team>/voices/<voice>/speech.mp3, recording.m4a    the team's reusable voices
    teams/<team>/clips/<generation>/video.mp4, poster.jpg    finished clips
    teams/<team>/clips/demo/video.mp4, poster.jpg            the file demo clips share
    teams/<team>/avatars/<avatar>/photo.jpg, sample.m4a      a saved avatar's face and voice
    teams/<team>/consents/<consent>/document.pdf             a signed consent, when given
    teams/<team>/batches/<batch>/row-7.m4a                   a batch row's voice, from its ZIP

The functions taking a model instance are ``upload_to`` callables for its file fields.
"""

from __future__ import annotations

from typing import Any

TEAMS = "teams"


def team_folder(team_id: Any) -> str:
    return f"{TEAMS}/{team_id}"


def input_name(team_id: Any, generation_id: Any, filename: str) -> str:
    return f"{team_folder(team_id)}/inputs/{generation_id}/{filename}"


def voice_name(team_id: Any, voice_id: Any, filename: str) -> str:
    return f"{team_folder(team_id)}/voices/{voice_id}/{filename}"


def clip_name(team_id: Any, folder: Any, filename: str) -> str:
    """A clip's file; its folder is the generation it came from (or ``demo``)."""
    return f"{team_folder(team_id)}/clips/{folder}/{filename}"


def part_name(team_id: Any, generation_id: Any, number: int, extension: str) -> str:
    """A long video's part while it is made: its slice of the voice, or its finished video."""
    return input_name(team_id, generation_id, f"part-{number}.{extension}")


def batch_name(team_id: Any, batch_id: Any, filename: str) -> str:
    return f"{team_folder(team_id)}/batches/{batch_id}/{filename}"


def generation_input_path(generation: Any, filename: str) -> str:
    return input_name(generation.team_id, generation.pk, filename)


def voice_path(voice: Any, filename: str) -> str:
    return voice_name(voice.team_id, voice.pk, filename)


def clip_path(clip: Any, filename: str) -> str:
    return clip_name(clip.team_id, clip.generation_id or clip.pk, filename)


def avatar_path(avatar: Any, filename: str) -> str:
    return f"{team_folder(avatar.team_id)}/avatars/{avatar.pk}/{filename}"


def consent_path(consent: Any, filename: str) -> str:
    return f"{team_folder(consent.team_id)}/consents/{consent.pk}/{filename}"


def batch_row_path(row: Any, filename: str) -> str:
    return batch_name(row.batch.team_id, row.batch_id, f"row-{row.number}-{filename}")


def safe_extension(name: str) -> str:
    """The extension of a file name a person chose, letters and digits only (``bin`` when it
    has none): the name is theirs to choose and ours to distrust."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    return "".join(c for c in extension if c.isalnum())[:8] or "bin"
