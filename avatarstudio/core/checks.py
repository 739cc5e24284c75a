"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)


@checks.register(checks.Tags.security, deploy=True)
def rate_limits_are_shared(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without a shared cache each web process counts its own requests, so every rate limit
    is multiplied by the number of processes."""
    if settings.CACHES["default"]["BACKEND"] not in LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            "The rate limits are counted in each process's own memory.",
            hint="Set CACHE_URL (or REDIS_URL) to a Redis that every web process shares.",
            id="avatarstudio.W001",
        )
    ]
