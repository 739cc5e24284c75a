from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from avatarstudio.library.models import Clip


def make_clip(team, user, title="A clip", **fields) -> Clip:
    """A clip with small stand-in files of its own in storage."""
    clip = Clip(
        team=team,
        created_by=user,
        title=title,
        duration=fields.pop("duration", 10.0),
        size_bytes=4,
        mode=fields.pop("mode", "std"),
        prompt=fields.pop("prompt", ""),
        **fields,
    )
    clip.video.name = default_storage.save(
        f"teams/{team.pk}/clips/{clip.pk}/video.mp4", ContentFile(b"mp4!")
    )
    clip.poster.name = default_storage.save(
        f"teams/{team.pk}/clips/{clip.pk}/poster.jpg", ContentFile(b"jpg!")
    )
    clip.save()
    return clip


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)
