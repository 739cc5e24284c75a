"""The provider as the studio uses it: the client for a team, and result downloads.

Tests point both at the in-process simulator by setting ``TRANSPORT``.
"""

from __future__ import annotations

from typing import BinaryIO

import httpx
from django.conf import settings

from avatarstudio.accounts.models import Team
from avatarstudio.kling.client import KlingClient, client_from_settings
from avatarstudio.media.fetch import provider_hosts, stream_to

TRANSPORT: httpx.BaseTransport | None = None


def client_for_team(team: Team) -> KlingClient:
    """The client a team's generations use (the server's key until teams get their own)."""
    return client_from_settings(transport=TRANSPORT)


def download_result(url: str, destination: BinaryIO) -> int:
    """Stream a finished clip into ``destination``, never whole into memory."""
    return stream_to(
        url,
        destination,
        max_bytes=settings.GENERATION_RESULT_MAX_BYTES,
        timeout=settings.KLING_TIMEOUT_SECONDS,
        allowed_hosts=provider_hosts(),
        transport=TRANSPORT,
    )
