"""What a file really is, read from its content, never from its name.

These read only headers and packets: an image is not decoded, an audio file is demuxed but
not decoded, so probing stays fast and a hostile file cannot make us allocate much.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
from PIL import Image, UnidentifiedImageError

EXIF_ORIENTATION = 0x0112
ROTATED_ORIENTATIONS = {5, 6, 7, 8}
AUDIO_CONTAINERS = {
    "mp3": "mp3",
    "wav": "wav",
    "aac": "aac",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
}


class MediaError(ValueError):
    """A file that cannot be read as the kind of media it should be."""


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: JPEG, PNG, …
    width: int  # after EXIF rotation: what a person sees
    height: int

    @property
    def aspect(self) -> float:
        return self.width / self.height


@dataclass(frozen=True)
class AudioInfo:
    format: str  # mp3, wav, aac, m4a; or the container's own name when it is none of these
    codec: str
    duration: float  # seconds
    has_video: bool = False


def probe_image(source: bytes | BinaryIO) -> ImageInfo:
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                orientation = image.getexif().get(EXIF_ORIENTATION)
                kind = image.format or ""
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError("not a readable image") from None
    except (OSError, SyntaxError, ValueError):
        raise MediaError("a damaged image") from None
    if orientation in ROTATED_ORIENTATIONS:
        width, height = height, width
    return ImageInfo(format=kind, width=width, height=height)


def probe_audio(source: str | BinaryIO) -> AudioInfo:
    """Container, codec and exact duration (the sum of the packets' durations)."""
    try:
        with av.open(source, "r") as container:
            if not container.streams.audio:
                raise MediaError("no sound in this file")
            stream = container.streams.audio[0]
            total = Fraction(0)
            for packet in container.demux(stream):
                if packet.duration and packet.time_base:
                    total += packet.duration * packet.time_base
            duration = float(total)
            # Packets include the encoder's priming and padding; a container that knows the
            # exact length (an MP4 edit list, a LAME header) says so, and then it wins.
            if container.duration:
                declared = container.duration / av.time_base
                if not duration or abs(declared - duration) < 0.5:
                    duration = min(duration, declared) if duration else declared
            return AudioInfo(
                format=AUDIO_CONTAINERS.get(container.format.name, container.format.name),
                codec=stream.codec_context.name,
                duration=duration,
                has_video=bool(container.streams.video),
            )
    except av.FFmpegError:
        raise MediaError("not a readable audio file") from None
