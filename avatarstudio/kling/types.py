"""Typed requests and results of the Kling Avatar and TTS endpoints."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from avatarstudio.core.choices import Mode


class TaskStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    SUCCEED = "succeed"
    FAILED = "failed"

    @classmethod
    def parse(cls, raw: str) -> TaskStatus:
        """Kling's older models say ``succeed``, newer ones ``succeeded``: both mean done."""
        word = (raw or "").strip().lower()
        if word == "succeeded":
            return cls.SUCCEED
        return cls(word)

    @property
    def is_final(self) -> bool:
        return self in (TaskStatus.SUCCEED, TaskStatus.FAILED)


def from_millis(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


@dataclass(frozen=True)
class AvatarRequest:
    """One create call. ``image`` and ``sound_file`` are URLs or raw Base64 (no ``data:``)."""

    image: str = field(repr=False)
    prompt: str
    mode: Mode = Mode.STD
    audio_id: str = ""
    sound_file: str = field(default="", repr=False)
    external_task_id: str = ""
    callback_url: str = ""

    def __post_init__(self) -> None:
        if bool(self.audio_id) == bool(self.sound_file):
            raise ValueError("An avatar request needs exactly one of audio_id and sound_file.")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"image": self.image, "prompt": self.prompt, "mode": str(self.mode)}
        if self.audio_id:
            body["audio_id"] = self.audio_id
        else:
            body["sound_file"] = self.sound_file
        if self.external_task_id:
            body["external_task_id"] = self.external_task_id
        if self.callback_url:
            body["callback_url"] = self.callback_url
        return body


@dataclass(frozen=True)
class Video:
    id: str
    url: str
    duration: float
    watermark_url: str = ""


@dataclass(frozen=True)
class AvatarTask:
    task_id: str
    status: TaskStatus
    status_msg: str = ""
    external_task_id: str = ""
    videos: tuple[Video, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    final_unit_deduction: str = ""

    @property
    def failure_reason(self) -> str:
        """Why a failed task failed: always ``task_status_msg``, never the envelope's message."""
        return self.status_msg if self.status is TaskStatus.FAILED else ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> AvatarTask:
        result = data.get("task_result") or {}
        videos = tuple(
            Video(
                id=str(video.get("id", "")),
                url=str(video.get("url", "")),
                duration=float(video.get("duration") or 0),
                watermark_url=str(video.get("watermark_url") or ""),
            )
            for video in result.get("videos") or ()
        )
        return cls(
            task_id=str(data["task_id"]),
            status=TaskStatus.parse(str(data.get("task_status", ""))),
            status_msg=str(data.get("task_status_msg") or ""),
            external_task_id=str((data.get("task_info") or {}).get("external_task_id") or ""),
            videos=videos,
            created_at=from_millis(data.get("created_at")),
            updated_at=from_millis(data.get("updated_at")),
            final_unit_deduction=str(data.get("final_unit_deduction") or ""),
        )


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    voice_id: str
    voice_language: str = "en"
    voice_speed: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "voice_id": self.voice_id,
            "voice_language": self.voice_language,
            "voice_speed": self.voice_speed,
        }


@dataclass(frozen=True)
class Speech:
    """A TTS result: ``audio_id`` feeds the avatar call for 30 days; ``url`` is the audio."""

    audio_id: str
    url: str
    duration: float
    task_id: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Speech:
        audios = (data.get("task_result") or {}).get("audios") or []
        if not audios:
            raise KeyError("audios")
        audio = audios[0]
        return cls(
            audio_id=str(audio["id"]),
            url=str(audio.get("url", "")),
            duration=float(audio.get("duration") or 0),
            task_id=str(data.get("task_id", "")),
        )
