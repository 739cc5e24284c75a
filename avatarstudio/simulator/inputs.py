"""Checking and keeping what a create call sends, by Kling's rules: the image and the sound
(raw Base64 or a URL the simulator downloads), or the ``audio_id`` of a speech it made."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

import httpx

from avatarstudio.media.probe import MediaError, probe_audio, probe_image
from avatarstudio.simulator.http import Reject
from avatarstudio.simulator.store import TaskStore

VOICE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
DAY_MS = 24 * 3600 * 1000


class Inputs:
    """Reads the limits, the clock and the fetch transport from the config at each call."""

    def __init__(self, config: Any, store: TaskStore) -> None:
        self.config, self.store = config, store

    def store_image(self, value: Any, folder: Path) -> Path:
        limits = self.config.limits
        data = self._payload(value, "image", limits.image_max_bytes)
        try:
            info = probe_image(data)
        except MediaError:
            raise Reject(400, 1201, "image is not a valid JPG or PNG picture") from None
        if info.format not in limits.image_formats:
            raise Reject(400, 1201, "image must be JPG, JPEG or PNG")
        if min(info.width, info.height) < limits.image_min_side:
            raise Reject(400, 1201, "Image pixel is invalid: each side must be at least 300px")
        if not limits.image_min_aspect <= info.aspect <= limits.image_max_aspect:
            raise Reject(400, 1201, "Image aspect ratio must be between 1:2.5 and 2.5:1")
        path = folder / ("image.png" if info.format == "PNG" else "image.jpg")
        path.write_bytes(data)
        return path

    def store_sound(self, value: Any, folder: Path) -> tuple[Path, float]:
        """Where the sound is kept, and its length in seconds."""
        limits = self.config.limits
        data = self._payload(value, "sound_file", limits.audio_max_bytes)
        path = folder / "sound"
        path.write_bytes(data)
        try:
            info = probe_audio(str(path))
        except MediaError:
            raise Reject(400, 1201, "sound_file is not a readable audio file") from None
        if info.format not in limits.audio_formats or info.has_video:
            raise Reject(400, 1201, "sound_file must be MP3, WAV, M4A or AAC")
        self._check_length(info.duration, "sound_file")
        return path, info.duration

    def voice_path(self, audio_id: Any) -> tuple[Path, float]:
        """Where the speech this ``audio_id`` names is kept, and its length in seconds."""
        valid = isinstance(audio_id, str) and VOICE_ID.match(audio_id)
        record = self.store.voice(audio_id) if valid else None  # never a path from outside
        if record is None:
            raise Reject(400, 1201, "audio_id is invalid or does not exist")
        age_days = (self.config.clock() * 1000 - record["created"]) / DAY_MS
        if age_days > self.config.limits.audio_id_max_age_days:
            raise Reject(400, 1201, "audio_id has expired: it must be made within the last 30 days")
        self._check_length(record["duration"], "audio_id")
        return Path(record["path"]), float(record["duration"])

    def _check_length(self, seconds: float, name: str) -> None:
        limits = self.config.limits
        if not limits.audio_min_seconds <= seconds <= limits.audio_max_seconds:
            raise Reject(
                400,
                1201,
                f"{name} duration must be between {limits.audio_min_seconds:g} and "
                f"{limits.audio_max_seconds:g} seconds, got {seconds:.1f}",
            )

    def _payload(self, value: Any, name: str, max_bytes: int) -> bytes:
        if not isinstance(value, str) or not value:
            raise Reject(400, 1201, f"{name} is required")
        if value.startswith(("http://", "https://")):
            data = self._fetch(value, name, max_bytes)
        elif value.startswith("data:"):
            raise Reject(400, 1201, f"{name} must be raw Base64 without a data: prefix")
        else:
            try:
                data = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise Reject(400, 1201, f"{name} is neither a URL nor valid Base64") from None
        if len(data) > max_bytes:
            raise Reject(400, 1201, f"{name} must be at most {max_bytes // (1024 * 1024)}MB")
        return data

    def _fetch(self, url: str, name: str, max_bytes: int) -> bytes:
        try:
            with (
                httpx.Client(transport=self.config.fetch_transport, timeout=15) as client,
                client.stream("GET", url, follow_redirects=True) as response,
            ):
                if response.status_code != 200:
                    raise Reject(400, 1201, f"{name} URL could not be downloaded")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise Reject(
                            400, 1201, f"{name} must be at most {max_bytes // (1024 * 1024)}MB"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError:
            raise Reject(400, 1201, f"{name} URL could not be downloaded") from None
