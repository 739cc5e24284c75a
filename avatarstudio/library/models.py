"""Finished clips in a team's library."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from avatarstudio.accounts.models import (
    AuditAction,
    AuditEvent,
    Membership,
    NotAllowed,
    Role,
    Team,
)
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode

TRASH_DAYS = 30


class Review(models.TextChoices):
    """Where a clip stands with the team's reviewers. A clip made while the team did not ask
    for approval needs none."""

    NOT_NEEDED = "not_needed", "No review needed"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes", "Changes requested"
    APPROVED = "approved", "Approved"


WAITING_FOR_APPROVAL = (Review.IN_REVIEW, Review.CHANGES_REQUESTED)


class ClipQuerySet(models.QuerySet["Clip"]):
    def for_team(self, team: Team) -> ClipQuerySet:
        return self.filter(team=team)

    def alive(self) -> ClipQuerySet:
        """Clips in the library, not in the trash."""
        return self.filter(deleted_at__isnull=True)

    def trashed(self) -> ClipQuerySet:
        return self.filter(deleted_at__isnull=False)

    def due_for_purge(self, now: datetime | None = None) -> ClipQuerySet:
        """Clips that have been in the trash for TRASH_DAYS."""
        now = now or timezone.now()
        return self.filter(deleted_at__lte=now - timedelta(days=TRASH_DAYS))

    def matching(self, words: str) -> ClipQuerySet:
        """Title or prompt contains the words, in any case (Chinese has none, and works too)."""
        words = words.strip()
        if not words:
            return self
        return self.filter(Q(title__icontains=words) | Q(prompt__icontains=words))

    def in_review_state(self, state: str) -> ClipQuerySet:
        return self.filter(review_state=state)

    def cleared(self) -> ClipQuerySet:
        """Clips that may leave the team: approved, or made when no approval was needed."""
        return self.exclude(review_state__in=WAITING_FOR_APPROVAL)

    def for_tiles(self) -> ClipQuerySet:
        """Only what a gallery tile shows, with its creator's email in the same query."""
        return self.select_related("created_by").only(
            "id",
            "team_id",
            "title",
            "duration",
            "mode",
            "created",
            "review_state",
            "created_by__email",
        )

    def with_favourite_for(self, user: Any) -> ClipQuerySet:
        return self.annotate(
            is_favourite=Exists(Favourite.objects.filter(clip=OuterRef("pk"), user=user))
        )


class Clip(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="clips")
    generation = models.OneToOneField(
        "studio.Generation", models.SET_NULL, null=True, blank=True, related_name="clip"
    )
    title = models.CharField(max_length=200)
    video = models.FileField(upload_to=paths.clip_path, max_length=300)
    poster = models.FileField(upload_to=paths.clip_path, max_length=300, blank=True)
    duration = models.FloatField()
    size_bytes = models.BigIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=3, choices=Mode.choices)
    prompt = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The consent its face was used under (none when the team did not require one).
    consent = models.ForeignKey(
        "avatars.Consent", models.SET_NULL, null=True, blank=True, related_name="clips"
    )
    review_state = models.CharField(
        max_length=12, choices=Review.choices, default=Review.NOT_NEEDED
    )

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            # One per sort order of the gallery, so every page is an index range scan.
            models.Index(fields=["team", "created", "id"], name="clip_by_created"),
            models.Index(fields=["team", "duration", "id"], name="clip_by_duration"),
            models.Index("team", Lower("title"), "id", name="clip_by_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:clip", args=[self.pk])

    @property
    def mode_text(self) -> str:
        """ "Pro (1080p)", "Standard (720p)"."""
        mode = Mode(self.mode)
        return f"{mode.label} ({mode.resolution})"

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None

    @property
    def purge_at(self) -> datetime | None:
        return self.deleted_at + timedelta(days=TRASH_DAYS) if self.deleted_at else None

    def can_be_managed_by(self, membership: Membership | None) -> bool:
        """Admins manage every clip; members manage their own."""
        if membership is None or membership.team_id != self.team_id:
            return False
        if membership.can(Role.ADMIN):
            return True
        return membership.can(Role.MEMBER) and self.created_by_id == membership.user_id

    @staticmethod
    def first_review_state(team: Team) -> str:
        """A new clip is in review when its team asks for approval."""
        return Review.IN_REVIEW if team.clips_need_approval else Review.NOT_NEEDED

    @property
    def waits_for_approval(self) -> bool:
        """Its share links and the viewers' downloads wait until it is approved."""
        return self.review_state in WAITING_FOR_APPROVAL

    def may_be_downloaded_by(self, membership: Membership | None) -> bool:
        if membership is None or membership.team_id != self.team_id:
            return False
        return membership.can(Role.MEMBER) or not self.waits_for_approval

    def decide(
        self, by: Membership, state: str, comment: str = "", at_seconds: float | None = None
    ) -> ReviewNote:
        """A reviewer's (or an admin's) decision, with its comment, in the audit log."""
        if not by.can(Role.REVIEWER) or by.team_id != self.team_id:
            raise NotAllowed("Only reviewers and admins can approve clips or ask for changes.")
        if state not in (Review.APPROVED, Review.CHANGES_REQUESTED):
            raise ValueError(state)
        if self.in_trash:
            raise NotAllowed("Restore the clip from the trash before reviewing it.")
        comment = comment.strip()
        if state == Review.CHANGES_REQUESTED and not comment:
            raise NotAllowed("Say what should change, so the maker knows what to do.")
        self.review_state = state
        self.save(update_fields=["review_state"])
        if state == Review.APPROVED:
            action = AuditAction.CLIP_APPROVED
        else:
            action = AuditAction.CHANGES_REQUESTED
        AuditEvent.objects.record(self.team, by.user, action, subject=self.title, detail=comment)
        return self._note(by, state, comment, at_seconds)

    def send_for_review_again(
        self, by: Membership, comment: str = "", at_seconds: float | None = None
    ) -> ReviewNote:
        """The maker says the clip is ready for another look, after changes were asked."""
        if not self.can_be_managed_by(by):
            raise NotAllowed("Only the clip's maker or an admin can send it for review again.")
        if self.review_state != Review.CHANGES_REQUESTED:
            raise NotAllowed("Only a clip with changes requested can be sent for review again.")
        comment = comment.strip()
        self.review_state = Review.IN_REVIEW
        self.save(update_fields=["review_state"])
        AuditEvent.objects.record(
            self.team, by.user, AuditAction.REVIEW_REQUESTED, subject=self.title, detail=comment
        )
        return self._note(by, NoteKind.RESUBMITTED, comment, at_seconds)

    def comment(self, by: Membership, text: str, at_seconds: float | None = None) -> ReviewNote:
        """A member's comment; viewers read the review but do not take part in it."""
        if not by.can(Role.MEMBER) or by.team_id != self.team_id:
            raise NotAllowed("Viewers can read the comments but not add them.")
        return self._note(by, NoteKind.COMMENT, text.strip(), at_seconds)

    def _note(self, by: Membership, kind: str, text: str, at_seconds: float | None) -> ReviewNote:
        if at_seconds is not None:  # a player's time, kept within the video
            at_seconds = min(max(at_seconds, 0.0), self.duration)
        return self.notes.create(
            author=by.user, author_email=by.user.email, kind=kind, text=text, at_seconds=at_seconds
        )

    def move_to_trash(self) -> None:
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at"])

    def restore(self) -> None:
        self.deleted_at = None
        self.save(update_fields=["deleted_at"])

    def delete_forever(self) -> None:
        """The row and its files. The studio then forgets the generation it came from, with
        its inputs (``studio/signals.py``): the library knows nothing of how clips are made."""
        for name in ("video", "poster"):
            field = getattr(self, name)
            shared = Clip.objects.filter(**{name: field.name}).exclude(pk=self.pk).exists()
            if field and not shared:  # demo clips share one file between many rows
                field.storage.delete(field.name)
        self.delete()

    @property
    def download_name(self) -> str:
        """A file name that is safe on every system, made from the title."""
        return f"{slugify(self.title, allow_unicode=True)[:80] or 'avatar-clip'}.mp4"


class NoteKind(models.TextChoices):
    COMMENT = "comment", "commented"
    APPROVED = Review.APPROVED.value, "approved"
    CHANGES_REQUESTED = Review.CHANGES_REQUESTED.value, "asked for changes"
    RESUBMITTED = "resubmitted", "sent it for review again"


class ReviewNote(models.Model):
    """A comment on a clip, or a review decision with its comment; ``at_seconds`` pins it to a
    moment of the video (clicking it seeks the player there)."""

    clip = models.ForeignKey(Clip, models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    author_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=12, choices=NoteKind.choices, default=NoteKind.COMMENT)
    text = models.TextField(blank=True, max_length=2000)
    at_seconds = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.author_email} {self.get_kind_display()} on {self.clip}"

    @property
    def moment_text(self) -> str:
        """12.4 -> "0:12", 75 -> "1:15", 3725 -> "1:02:05": the pinned moment, as players
        show it."""
        if self.at_seconds is None:
            return ""
        minutes, seconds = divmod(int(self.at_seconds), 60)
        if minutes < 60:
            return f"{minutes}:{seconds:02d}"
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    clip = models.ForeignKey(Clip, models.CASCADE, related_name="favourites")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clip"], name="one_favourite_per_user_and_clip")
        ]

    def __str__(self) -> str:
        return f"{self.user} likes {self.clip}"


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def live(self, now: datetime | None = None) -> ShareLinkQuerySet:
        """Not revoked, not expired, and its clip not in the trash."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            clip__deleted_at__isnull=True,
        )


class ShareLink(models.Model):
    clip = models.ForeignKey(Clip, models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Share link for {self.clip}"

    def get_absolute_url(self) -> str:
        return reverse("shared_clip", args=[self.token])

    @property
    def is_live(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= timezone.now()
        return self.revoked_at is None and not expired

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def count_view(self) -> None:
        ShareLink.objects.filter(pk=self.pk).update(views=models.F("views") + 1)
