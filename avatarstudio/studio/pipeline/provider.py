"""Downloads from the provider: a finished clip, streamed, never whole into memory."""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings

from avatarstudio.kling import client
from avatarstudio.media.fetch import provider_hosts, stream_to


def download_result(url: str, destination: BinaryIO, max_bytes: int | None = None) -> int:
    """Stream a file the provider made into ``destination``; return its size."""
    return stream_to(
        url,
        destination,
        max_bytes=max_bytes or settings.GENERATION_RESULT_MAX_BYTES,
        timeout=settings.KLING_TIMEOUT_SECONDS,
        allowed_hosts=provider_hosts(),
        transport=client.TRANSPORT,
    )
