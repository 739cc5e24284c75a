"""A team's saved avatars, and the consent every face is used under.

A ``Consent`` is the record that the person in a photo agreed: the exact statement the member
confirmed, who and when, and an optional signed document. It is recorded when an avatar is
saved and, when the team's "Require consent for every face" is on, for every video made from
a bare upload. Each generation (and its clip) points at the consent it was made under. Once an
admin withdraws a consent, nothing new is made from that face: its avatar, a retry, or the same
photo uploaded again (known by its SHA-256).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from avatarstudio.accounts.models import AuditAction, AuditEvent, Membership, Role, Team
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices


class Statement(models.TextChoices):
    """What a member confirms about the person in a photo, word for word."""

    SELF = "self", "I am the person in this photo"
    PERMISSION = "permission", "I have this person's written permission to make videos of them"


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class ConsentQuerySet(models.QuerySet["Consent"]):
    def for_team(self, team: Team) -> ConsentQuerySet:
        return self.filter(team=team)

    def withdrawn(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=False)

    def in_force(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def blocking(self, team: Any, consent_id: Any = None, *digests: str) -> ConsentQuerySet:
        """The team's withdrawn consents that stop a new video: the one it was made under,
        or any given for the same face, a photo with one of these SHA-256 digests (as the
        member gave it or as it was sent)."""
        wanted = [digest for digest in digests if digest]
        face = models.Q(photo_digest__in=wanted) | models.Q(original_digest__in=wanted)
        if consent_id:
            face |= models.Q(pk=consent_id)
        return self.filter(team=team).withdrawn().filter(face)


class Consent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="consents")
    statement = models.CharField(max_length=12, choices=Statement.choices)
    # The words as the member saw them, kept even if the statement's wording changes later.
    statement_text = models.CharField(max_length=200)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_by_email = models.CharField(max_length=254, blank=True)  # kept if the user goes
    given_at = models.DateTimeField(default=timezone.now)
    document = models.FileField(upload_to=paths.consent_path, max_length=300, blank=True)
    # The face it is for: the photo as sent, and as the member gave it.
    photo_digest = models.CharField(max_length=64, db_index=True)
    original_digest = models.CharField(max_length=64, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_email = models.CharField(max_length=254, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"“{self.statement_text}”, {self.given_by_email}"

    def get_absolute_url(self) -> str:
        return reverse("avatars:consent", args=[self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def withdrawn_message(self) -> str:
        when = f" on {timezone.localtime(self.withdrawn_at):%-d %B %Y}" if self.withdrawn_at else ""
        return (
            f"Consent to use this face was withdrawn{when}. No new videos can be made from it: "
            "choose another photo."
        )

    @property
    def document_url(self) -> str:
        return reverse("avatars:consent_document", args=[self.pk]) if self.document else ""

    def document_visible_to(self, membership: Membership | None) -> bool:
        """A signed document is private: admins see it, and the member who gave it."""
        if membership is None or membership.team_id != self.team_id or not self.document:
            return False
        return membership.can(Role.ADMIN) or membership.user_id == self.given_by_id

    @transaction.atomic
    def withdraw(self, by: Membership, reason: str = "") -> bool:
        """Stop every new video from this face; False when it was already withdrawn."""
        withdrawn = Consent.objects.filter(pk=self.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(),
            withdrawn_by_email=by.user.email,
            withdrawn_reason=reason[:300],
        )
        if not withdrawn:
            return False
        self.refresh_from_db()
        AuditEvent.objects.record(
            self.team,
            by.user,
            AuditAction.CONSENT_WITHDRAWN,
            subject=self.face_name,
            detail=reason,
        )
        return True

    def write_to_audit_log(self) -> None:
        AuditEvent.objects.record(
            self.team,
            self.given_by,
            AuditAction.CONSENT_GIVEN,
            subject=self.face_name,
            detail=self.statement_text,
        )

    @property
    def face_name(self) -> str:
        """How the audit log and the pages name the face: its avatar, or the first clip."""
        avatar = self.avatars.first()
        if avatar is not None:
            return f"avatar {avatar.name}"
        clip = self.clips.order_by("created").first()
        return f"the face of {clip.title}" if clip else "an uploaded face"


def withdrawn_consent_of(team: Team, *contents: bytes) -> Consent | None:
    """A withdrawn consent of this team for a photo with exactly these bytes, if any."""
    digests = [digest_of(content) for content in contents if content]
    return Consent.objects.blocking(team, None, *digests).first()


def record_consent(
    team: Team,
    user: Any,
    statement: str,
    *,
    photo: bytes,
    original: bytes | None = None,
    document: Any = None,
    now: datetime | None = None,
    audit: bool = True,
) -> Consent:
    """The consent a member gives for a face, written to the audit log (by the caller, once
    what it was given for is made, when not ``audit``)."""
    consent = Consent(
        team=team,
        statement=statement,
        statement_text=Statement(statement).label,
        given_by=user,
        given_by_email=getattr(user, "email", "") or "",
        given_at=now or timezone.now(),
        photo_digest=digest_of(photo),
        original_digest=digest_of(original) if original else "",
    )
    if document is not None:
        extension = document.name.rsplit(".", 1)[-1].lower()
        consent.document.save(f"document.{extension}", document, save=False)
    consent.save()
    if audit:
        consent.write_to_audit_log()
    return consent


class VoiceKind(models.TextChoices):
    TTS = "tts", "A Kling voice speaks the script"
    SAMPLE = "sample", "A recorded or uploaded voice"


class AvatarQuerySet(models.QuerySet["Avatar"]):
    def for_team(self, team: Team) -> AvatarQuerySet:
        return self.filter(team=team)

    def usable(self) -> AvatarQuerySet:
        """Avatars a new video may be made from: their consent stands."""
        return self.filter(consent__withdrawn_at__isnull=True, consent__isnull=False)

    def named(self, name: str) -> AvatarQuerySet:
        return self.filter(name__iexact=" ".join(name.split()))


class Avatar(models.Model):
    """A presenter the team makes many videos of: a face, and the defaults to make them with.

    A video copies what it needs from the avatar when it starts, so editing the avatar later
    changes no clip already made."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="avatars")
    name = models.CharField(max_length=80)
    photo = models.FileField(upload_to=paths.avatar_path, max_length=300)  # as sent to Kling
    photo_original = models.FileField(upload_to=paths.avatar_path, max_length=300, blank=True)
    repairs = models.JSONField(default=list, blank=True)
    consent = models.ForeignKey(
        Consent, models.SET_NULL, null=True, blank=True, related_name="avatars"
    )
    voice_kind = models.CharField(max_length=6, choices=VoiceKind.choices, default=VoiceKind.TTS)
    tts_voice = models.CharField(max_length=80, blank=True, default=tts_voices.DEFAULT_VOICE)
    speed = models.FloatField(default=1.0)
    voice_sample = models.FileField(upload_to=paths.avatar_path, max_length=300, blank=True)
    voice_sample_seconds = models.FloatField(null=True, blank=True)
    prompt = models.TextField(blank=True)
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.STD)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    objects = AvatarQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "team", models.functions.Lower("name"), name="one_avatar_name_per_team"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("avatars:detail", args=[self.pk])

    @property
    def speaker(self) -> tts_voices.TtsVoice | None:
        return tts_voices.by_key(self.tts_voice)

    @property
    def voice_text(self) -> str:
        """The default voice in words: a Kling voice and its speed, or the recording."""
        if self.voice_kind == VoiceKind.SAMPLE:
            return f"Its own voice recording ({self.voice_sample_seconds or 0:.0f} s)"
        speaker = self.speaker
        name = speaker.label if speaker else self.tts_voice
        return name if self.speed == 1.0 else f"{name}, at {self.speed:g}×"

    @property
    def usable(self) -> bool:
        """Its own consent stands (``withdrawn_consent`` also asks about the same face)."""
        return self.consent_id is not None and not self.consent.is_withdrawn

    def withdrawn_consent(self) -> Consent | None:
        """Why no new video may be made of it: its own consent withdrawn, or another the team
        had for the same face; None when it may."""
        if self.consent is None:
            return None
        return Consent.objects.blocking(
            self.team_id, self.consent_id, self.consent.photo_digest
        ).first()

    def can_be_changed_by(self, membership: Membership | None) -> bool:
        """Admins change every avatar; members the ones they saved."""
        if membership is None or membership.team_id != self.team_id:
            return False
        return membership.can(Role.ADMIN) or (
            membership.can(Role.MEMBER) and self.created_by_id == membership.user_id
        )

    def delete_with_files(self, by: Any) -> None:
        """The avatar and its files; its consent stays, as the clips made under it keep it."""
        for field in (self.photo, self.photo_original, self.voice_sample):
            if field and field.name:
                field.storage.delete(field.name)
        AuditEvent.objects.record(self.team, by, AuditAction.AVATAR_DELETED, subject=self.name)
        self.delete()
