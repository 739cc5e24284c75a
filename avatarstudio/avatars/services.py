"""Saving, changing and deleting avatars. Views call these once their form is valid."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from avatarstudio.accounts.models import AuditAction, AuditEvent, Team
from avatarstudio.avatars.models import Avatar, Consent, VoiceKind, record_consent
from avatarstudio.core import paths


@dataclass(frozen=True)
class KnownPhoto:
    """A face already checked and sent once (a video's, for "Save as avatar")."""

    content: bytes
    extension: str
    original: bytes | None = None
    original_extension: str = ""
    repairs: list[dict[str, str]] = field(default_factory=list)
    consent: Consent | None = None  # the consent the video was made under, if it stands


@transaction.atomic
def save_avatar(
    team: Team, user: Any, data: dict[str, Any], known: KnownPhoto | None = None
) -> Avatar:
    """A new avatar from ``AvatarForm.cleaned_data``; its consent is recorded with it (or is
    the one its video was already made under)."""
    if known is None:
        checked = data["photo_check"]
        upload = data["photo"]
        upload.seek(0)
        original = upload.read()
        repairs = [
            {"of": "photo", "code": r.code, "sentence": r.sentence} for r in checked.sent.repairs
        ]
        known = KnownPhoto(
            content=checked.sent.content,
            extension=checked.sent.extension,
            original=original if repairs else None,
            original_extension=paths.safe_extension(upload.name),
            repairs=repairs,
        )
    consent = known.consent
    if consent is None or consent.is_withdrawn or data.get("consent_statement"):
        consent = record_consent(
            team,
            user,
            data["consent_statement"],
            photo=known.content,
            original=known.original,
            document=data.get("consent_document"),
            audit=False,
        )
    avatar = Avatar(team=team, created_by=user, name=data["name"], consent=consent)
    avatar.repairs = known.repairs
    avatar.photo.save(f"photo.{known.extension}", ContentFile(known.content), save=False)
    if known.original:
        extension = known.original_extension or "bin"
        avatar.photo_original.save(f"original.{extension}", ContentFile(known.original), save=False)
    _apply_defaults(avatar, data)
    avatar.save()
    AuditEvent.objects.record(team, user, AuditAction.AVATAR_SAVED, subject=avatar.name)
    if consent is not known.consent:
        consent.write_to_audit_log()
    return avatar


def update_avatar(avatar: Avatar, data: dict[str, Any]) -> Avatar:
    """New defaults and name; clips already made keep what they were made with."""
    avatar.name = data["name"]
    _apply_defaults(avatar, data)
    avatar.save()
    return avatar


def _apply_defaults(avatar: Avatar, data: dict[str, Any]) -> None:
    avatar.voice_kind = data["voice_kind"]
    avatar.tts_voice = data.get("tts_voice") or avatar.tts_voice
    avatar.speed = round(data.get("speed") or 1.0, 2)
    avatar.prompt = data.get("prompt", "")
    avatar.mode = data["mode"]
    sample = data.get("voice_sample")
    if sample is not None:
        if avatar.voice_sample:
            avatar.voice_sample.delete(save=False)
        avatar.voice_sample.save(
            f"sample.{sample.extension}", ContentFile(sample.content), save=False
        )
        avatar.voice_sample_seconds = round(sample.duration, 2)
    if avatar.voice_kind == VoiceKind.SAMPLE and not avatar.voice_sample:
        avatar.voice_kind = VoiceKind.TTS
