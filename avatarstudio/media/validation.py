"""The provider's rules for photos and voices, checked by content before any credit is spent.

Each refusal is a ValidationError whose message names the problem and the fix in plain
words. Checks read headers, trailers and packets; nothing decodes a whole image, so a huge or
hostile file costs little.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from PIL import Image

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.probe import (
    AudioInfo,
    ImageInfo,
    MediaError,
    TooManyPixels,
    probe_audio,
    probe_image,
)

# Durations are measured to a few milliseconds of codec padding; allow that much at the edges.
DURATION_SLACK = 0.05
# Beyond this many pixels a photo is refused from its header, before anything decodes it.
MAX_PIXELS = 50_000_000
RESIZE_ADVICE = "Resize it to at most 7000 px on its longer side and try again."
JPEG_START, JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"
PNG_START = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
TAIL_BYTES = 64
EMPTY_PHOTO = "This photo file is empty. Choose the photo again."


@dataclass(frozen=True)
class CheckedPhoto:
    info: ImageInfo
    extension: str  # "jpg" or "png", from the content


def size_text(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _read_ends(file: BinaryIO) -> tuple[bytes, bytes]:
    file.seek(0)
    head = file.read(16)
    file.seek(0, 2)
    end = file.tell()
    file.seek(max(0, end - TAIL_BYTES))
    tail = file.read()
    file.seek(0)
    return head, tail


def check_photo(file: BinaryIO, size: int, limits: ProviderLimits) -> CheckedPhoto:
    if size == 0:
        raise ValidationError(EMPTY_PHOTO, code="empty")
    if size > limits.image_max_bytes:
        raise ValidationError(
            f"This photo is {size_text(size)}; Kling accepts at most "
            f"{limits.image_max_bytes // MB} MB. Save it smaller (for example as a JPEG) and "
            "try again.",
            code="too_big",
        )
    head, tail = _read_ends(file)
    if head.startswith(JPEG_START):
        extension, complete = "jpg", tail.rstrip(b"\x00\r\n ").endswith(JPEG_END)
    elif head.startswith(PNG_START):
        extension, complete = "png", tail.endswith(PNG_END)
    else:
        raise ValidationError(
            f"This file is not a JPEG or PNG photo{_looks_like(file)}. Save it as JPEG or PNG "
            "and try again.",
            code="format",
        )
    if not complete:
        raise ValidationError(
            "This photo seems cut off or damaged: the file ends too early. Export or download "
            "it again and upload the new file.",
            code="truncated",
        )
    try:
        info = measure_photo(file)
    except MediaError:
        raise ValidationError(
            "This photo is damaged and cannot be read. Export it again as JPEG or PNG.",
            code="damaged",
        ) from None
    if min(info.width, info.height) < limits.image_min_side:
        raise ValidationError(
            f"This photo is {info.width} × {info.height} px; Kling needs at least "
            f"{limits.image_min_side} px on each side. Use a larger photo.",
            code="too_small",
        )
    if not limits.image_min_aspect <= info.aspect <= limits.image_max_aspect:
        shape = "wide" if info.aspect > 1 else "tall"
        raise ValidationError(
            f"This photo is {info.width} × {info.height} px, too {shape} for Kling, which "
            "needs a shape between 1:2.5 (tall) and 2.5:1 (wide). Crop it closer to a "
            "square and try again.",
            code="aspect",
        )
    return CheckedPhoto(info=info, extension=extension)


def measure_photo(file: BinaryIO) -> ImageInfo:
    """The photo's format and upright size from its header, for every kind of picture Pillow
    reads. A decompression bomb is refused here, before anything decodes it; a file that is no
    picture, or a damaged one, raises MediaError."""
    try:
        info = probe_image(file)
    except TooManyPixels:
        raise ValidationError(
            f"This photo has too many pixels to handle safely. {RESIZE_ADVICE}",
            code="too_many_pixels",
        ) from None
    finally:
        file.seek(0)
    if info.width * info.height > MAX_PIXELS:
        raise ValidationError(
            f"This photo is {info.width} × {info.height} px, too many pixels to handle safely. "
            f"{RESIZE_ADVICE}",
            code="too_many_pixels",
        )
    return info


def _looks_like(file: BinaryIO) -> str:
    try:
        with Image.open(file) as image:
            kind = image.format
    except Exception:
        kind = None
    finally:
        file.seek(0)
    return f" (it is a {kind} picture)" if kind else ""


def check_audio(file: BinaryIO, size: int, limits: ProviderLimits) -> AudioInfo:
    if size == 0:
        raise ValidationError("This audio file is empty. Choose the file again.", code="empty")
    if size > limits.audio_max_bytes:
        raise ValidationError(
            f"This audio file is {size_text(size)}; Kling accepts at most "
            f"{limits.audio_max_bytes // MB} MB. Shorten it or save it as MP3, then try again.",
            code="too_big",
        )
    try:
        file.seek(0)
        info = probe_audio(file)
    except MediaError:
        raise ValidationError(
            "This file is not audio we can read. Upload an MP3, WAV, M4A or AAC file.",
            code="format",
        ) from None
    finally:
        file.seek(0)
    if info.has_video:
        raise ValidationError(
            "This file is a video. Upload only its sound, as MP3, WAV, M4A or AAC.",
            code="video",
        )
    if info.format not in limits.audio_formats:
        raise ValidationError(
            f"This audio is {info.format.upper()}, which Kling does not take. Convert it to "
            "MP3, WAV, M4A or AAC and try again.",
            code="format",
        )
    if info.duration < limits.audio_min_seconds - DURATION_SLACK:
        raise ValidationError(
            f"This recording is {info.duration:.1f} s long; Kling needs at least "
            f"{limits.audio_min_seconds:g} seconds of voice. Record a little more.",
            code="too_short",
        )
    if info.duration > limits.audio_max_seconds + DURATION_SLACK:
        raise ValidationError(
            f"This recording is {info.duration:.1f} s long; Kling accepts at most "
            f"{limits.audio_max_seconds:g} seconds. Trim it and try again.",
            code="too_long",
        )
    return info
