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
from PIL import Image, PngImagePlugin, UnidentifiedImageError

EXIF_ORIENTATION = 0x0112
ROTATED_ORIENTATIONS = {5, 6, 7, 8}
AUDIO_CONTAINERS = {
    "mp3": "mp3",
    "wav": "wav",
    "aac": "aac",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "mp4": "m4a",
    "matroska,webm": "webm",
    "matroska": "webm",
}


class MediaError(ValueError):
    """A file that cannot be read as the kind of media it should be."""


class UnknownImageFormat(MediaError):
    """A file that none of the image readers allowed recognises: not a picture, or a kind of
    picture we do not read."""


class TooManyPixels(MediaError):
    """An image whose header declares more pixels than Pillow's decompression-bomb guard lets
    ``Image.open`` return (about 89 million), so its exact size is never known to us."""


# What FFmpeg may read to learn a sound stream's parameters before the first packet. Its own
# default (5 MB) made it read a whole 5 MB WAV just to open it: 60 ms, twice per voice. Every
# container we open says its sound's rate and channels in its header or its first frames.
SOUND_OPEN_OPTIONS = {"probesize": "32768"}


def open_sound(source: str | BinaryIO, demuxer: str | None):
    """The sound file opened for reading with ``demuxer`` (never FFmpeg's own probing)."""
    return av.open(source, "r", format=demuxer, options=SOUND_OPEN_OPTIONS)


def sniff_audio_container(source: BinaryIO) -> str:
    """The FFmpeg demuxer for this audio, chosen from its first bytes; MediaError otherwise.

    Audio is always opened with an explicit demuxer. Left to probe, FFmpeg would also accept
    playlists (HLS, concat) and follow the paths and URLs inside them: an upload could make
    the server read its own files or fetch internal addresses.
    """
    start = source.tell()
    head = source.read(12)
    source.seek(start)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"  # WebM from Chromium's and Firefox's MediaRecorder
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "mp4"  # M4A, Safari's recordings, and MP4 and MOV videos from phones
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "aac" if head[1] & 0x06 == 0 else "mp3"  # ADTS has layer 0; MPEG audio not
    raise MediaError("not a kind of audio we read")


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
    """Format and the size a person sees, from the header and metadata; no pixel is decoded."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                orientation = exif_orientation(image)
                kind = image.format or ""
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels("more pixels than Pillow's decompression-bomb guard allows") from None
    except UnidentifiedImageError:
        raise UnknownImageFormat("not a readable image") from None
    except (OSError, SyntaxError, ValueError):
        raise MediaError("a damaged image") from None
    if orientation in ROTATED_ORIENTATIONS:
        width, height = height, width
    return ImageInfo(format=kind, width=width, height=height)


def exif_orientation(image: Image.Image) -> int | None:
    """The EXIF orientation among the metadata ``Image.open`` read before the pixels.

    Pillow's PNG ``getexif()`` decodes the whole image when no eXIf chunk came before the
    pixels, to look for one after them: a 9400 by 9400 px PNG of a few kilobytes cost 1.8 s
    and 340 MiB. Encoders (Pillow's among them) write eXIf before the pixels; one after them
    is rare, and not worth a decode, so it is not looked for.
    """
    if isinstance(image, PngImagePlugin.PngImageFile) and "exif" not in image.info:
        return None
    return image.getexif().get(EXIF_ORIENTATION)


def probe_audio(source: str | BinaryIO) -> AudioInfo:
    """Container, codec and exact duration (the sum of the packets' durations)."""
    demuxer = sniff_audio_container(source) if not isinstance(source, str) else None
    try:
        with open_sound(source, demuxer) as container:
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
