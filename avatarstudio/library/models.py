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

from avatarstudio.accounts.models import Membership, Role, Team
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode

TRASH_DAYS = 30


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

    def for_tiles(self) -> ClipQuerySet:
        """Only what a gallery tile shows, with its creator's email in the same query."""
        return self.select_related("created_by").only(
            "id", "team_id", "title", "duration", "mode", "created", "created_by__email"
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
