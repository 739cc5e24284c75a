"""Choices more than one app stores or shows."""

from __future__ import annotations

from django.db import models


class Mode(models.TextChoices):
    """Kling's two qualities: the value is what the provider is sent."""

    STD = "std", "Standard"
    PRO = "pro", "Pro"

    @property
    def resolution(self) -> str:
        return "1080p" if self is Mode.PRO else "720p"
