"""Finished clips in a team's library."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from avatarstudio.accounts.models import Team


def clip_path(clip: Clip, filename: str) -> str:
    return f"teams/{clip.team_id}/clips/{clip.pk}/{filename}"


class ClipQuerySet(models.QuerySet["Clip"]):
    def for_team(self, team: Team) -> ClipQuerySet:
        return self.filter(team=team)

    def newest_first(self) -> ClipQuerySet:
        return self.order_by("-created", "-pk")


class Clip(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="clips")
    generation = models.OneToOneField(
        "studio.Generation", models.SET_NULL, null=True, blank=True, related_name="clip"
    )
    title = models.CharField(max_length=200)
    video = models.FileField(upload_to=clip_path, max_length=300)
    poster = models.FileField(upload_to=clip_path, max_length=300, blank=True)
    duration = models.FloatField()
    size_bytes = models.BigIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=3)
    prompt = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:clip", args=[self.pk])

    @property
    def download_name(self) -> str:
        """A file name that is safe on every system, made from the title."""
        return f"{slugify(self.title, allow_unicode=True)[:80] or 'avatar-clip'}.mp4"
