"""Every user, however created (sign-up, admin, createsuperuser), starts with a personal team."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from avatarstudio.accounts.models import Team


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_personal_team(
    sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any
) -> None:
    if created and not raw:
        Team.objects.create_personal(instance)
