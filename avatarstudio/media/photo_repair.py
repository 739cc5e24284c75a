"""Turn what phones and browsers make into a photo Kling takes: a JPEG or PNG of at most
10 MB, at least 300 px a side, between 1:2.5 and 2.5:1, upright and in 8-bit RGB.

A JPEG or PNG that already keeps every rule, and is no larger than ``MAX_LONG_SIDE``, is sent
as it is: its bytes untouched, nothing decoded. Anything else is decoded once and sent as a
JPEG, each change said in one sentence (a ``Repair``).

Size. Kling renders at most 1080p, which a longer side of ``ENOUGH_LONG_SIDE`` (1920 px) fills
whichever way the photo is held. A photo we re-encode is decoded at the largest whole-number
reduction that keeps that much, even after a crop to 2.5:1: JPEGs through the decoder itself
(``Image.draft``: 1/2, 1/4, 1/8, which skips most of the work and the memory), other formats
by ``Image.reduce``. So a re-encoded photo has 1920 to 3839 px on its longer side, and no slow
resampling pass runs: a 12 MP phone JPEG is decoded at 3 MP, a 50 MP one at 3 MP too, in a
few megabytes.

Quality 90 first, then lower until the file fits. No EXIF goes with a re-encoded photo (no GPS
position leaves for the provider); an RGB colour profile does, so Display P3 photos from
iPhones keep their colours.

Shape. A photo outside 1:2.5..2.5:1 is cropped around the face, or padded when the person
chooses so. Padding uses the mean colour of the photo's own edge on each side: it reads as more
background, and unlike a blurred copy of the photo behind it, it adds no second, blurred face
for Kling's face detection to find. Transparent parts become white.

Decompression bombs are refused from the header, before any decoding, with the check's own
messages (``validation.measure_photo``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import BinaryIO

import pillow_heif
from django.core.exceptions import ValidationError
from PIL import Image, ImageStat, features

from avatarstudio.kling.limits import MB, ProviderLimits, provider_limits
from avatarstudio.media.probe import ImageInfo, MediaError, UnknownImageFormat, exif_orientation
from avatarstudio.media.repairs import Repair
from avatarstudio.media.validation import (
    EMPTY_PHOTO,
    CheckedPhoto,
    check_photo,
    measure_photo,
    size_text,
)

pillow_heif.register_heif_opener()

ENOUGH_LONG_SIDE = 1920  # Kling's 1080p frame, either way up (see the notes above)
# A good photo is left alone up to this size (a phone's 12 MP is 4032 px); a larger one is
# scaled down, since its extra pixels only cost upload time.
MAX_LONG_SIDE = 4096
JPEG_QUALITIES = (90, 85, 80, 70, 60)
TRANSPARENT_BECOMES = (255, 255, 255)
EDGE_SHARE = 50  # the strip whose mean colour pads a side: 1/50 of the photo, at least 1 px

# Pillow's names of what we read, with the names people know them by.
FORMAT_NAMES = {
    "JPEG": "JPEG",
    "MPO": "JPEG",  # a JPEG with extra pictures after the main one (some cameras, 3D, depth)
    "PNG": "PNG",
    "HEIF": "HEIC",
    "WEBP": "WebP",
    "AVIF": "AVIF",
    "GIF": "GIF",
    "BMP": "BMP",
    "TIFF": "TIFF",
}
if not features.check("avif"):
    del FORMAT_NAMES["AVIF"]
READERS = [name for name in FORMAT_NAMES if name != "MPO"]  # an MPO opens as a JPEG
ACCEPTED = list(dict.fromkeys(FORMAT_NAMES.values()))
ACCEPTED_TEXT = ", ".join(ACCEPTED[:-1]) + " or " + ACCEPTED[-1]
SENT_AS_IS = {"JPEG", "PNG"}

TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
PLAIN_MODES = {"1", "L", "RGB"}  # what any decoder reads as it is (and "P" when opaque)
ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
DEEP_MODES = {"I", "F", "I;16", "I;16B", "I;16L", "I;16N"}
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, RuntimeError)

Box = tuple[int, int, int, int]


class Fit(StrEnum):
    CROP = "crop"
    PAD = "pad"


@dataclass(frozen=True)
class RepairedPhoto:
    content: bytes  # the original bytes when nothing needed changing, else a JPEG
    extension: str  # "jpg" or "png"
    width: int
    height: int
    repairs: tuple[Repair, ...]
    original_is_valid: bool  # it keeps every provider rule as it is: "use the original" is safe
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class UprightPhoto:
    """A photo decoded for repair, with what decoding it already changed."""

    image: Image.Image  # RGB, upright, maybe reduced
    format: str  # Pillow's name
    repairs: tuple[Repair, ...]
    full_size: tuple[int, int]  # the photo's own upright size, before any reduction
    icc_profile: bytes | None  # an RGB colour profile to send with it


def repair_photo(
    source: BinaryIO,
    size: int,
    limits: ProviderLimits,
    *,
    face_box: Box | None = None,
    fit: Fit = Fit.CROP,
    locate_face: Callable[[Image.Image], Box | None] | None = None,
    crop_to: Box | None = None,
    decoded: UprightPhoto | None = None,
) -> RepairedPhoto:
    """The photo as it will be sent, with what was changed; ValidationError when it cannot be.

    ``face_box`` (left, top, right, bottom) is the face to keep when cropping, in the pixels of
    the upright photo at its own size (the size ``probe_image`` reports). Without it,
    ``locate_face`` is asked, on the decoded upright image, and answers in that image's pixels.
    ``crop_to`` (same pixels) is a crop around a chosen face, made before anything else.
    ``decoded`` is this photo's ``decode_upright``, when the caller has it already.
    """
    checked, broken_rule = _checked(source, size, limits)
    if checked and crop_to is None and _sendable_as_is(source):
        return _untouched(source, checked)
    upright = decoded or decode_upright(source, size, limits)
    image, repairs, warnings = upright.image, list(upright.repairs), []
    if crop_to is not None:
        upright, face_box = _cropped(upright, crop_to, face_box)
        image = upright.image
        repairs.append(Repair("cropped_to_face", "Cropped the photo around the face."))
    if broken_rule == "truncated":  # and yet it decoded: data after the end (Samsung's video)
        repairs.append(Repair("resaved", "Saved the photo again: its file did not end properly."))
    image, reshaped = _fit_shape(image, limits, fit, lambda: _face(upright, face_box, locate_face))
    repairs += reshaped
    if min(image.size) < limits.image_min_side:
        before, image = image.size, _enlarge(image, limits)
        repairs.append(_enlarged(before, image.size))
        warnings.append(_soft_warning(upright.full_size))
    shaped = image
    content, image = _encode(shaped, limits, upright.icc_profile)
    if size > limits.image_max_bytes or image is not shaped:
        repairs.append(_smaller_file(size, len(content), image.size, limits))
    return RepairedPhoto(
        content=content,
        extension="jpg",
        width=image.width,
        height=image.height,
        repairs=tuple(repairs),
        original_is_valid=checked is not None,
        warnings=tuple(warnings),
    )


def _cropped(
    upright: UprightPhoto, box: Box, face_box: Box | None
) -> tuple[UprightPhoto, Box | None]:
    """The upright photo cropped to ``box`` (full-size pixels), and the face box moved with it."""
    scale = upright.image.width / upright.full_size[0]
    scaled = tuple(round(edge * scale) for edge in box)
    image = upright.image.crop(scaled)
    full_size = (box[2] - box[0], box[3] - box[1])
    if face_box is not None:
        face_box = (
            face_box[0] - box[0],
            face_box[1] - box[1],
            face_box[2] - box[0],
            face_box[3] - box[1],
        )
    return replace(upright, image=image, full_size=full_size), face_box


def upright_thumbnail(
    source: BinaryIO, size: int, limits: ProviderLimits, long_side: int = 640
) -> tuple[Image.Image, tuple[int, int]]:
    """A small upright RGB copy of the photo (for the face check and the page's preview), and
    the photo's own upright size; bombs are refused before anything decodes."""
    upright = decode_upright(source, size, limits, enough=long_side)
    return thumbnail_of(upright, long_side), upright.full_size


def thumbnail_of(upright: UprightPhoto, long_side: int = 640) -> Image.Image:
    """A small copy of a decoded photo; the photo itself is left as it is."""
    image = upright.image.copy()
    image.thumbnail((long_side, long_side))
    return image


def sendable_as_is(source: BinaryIO, size: int, limits: ProviderLimits) -> bool:
    """Whether ``repair_photo`` would send this photo untouched, unless cropped around a face."""
    checked, _ = _checked(source, size, limits)
    return checked is not None and _sendable_as_is(source)


def open_upright(
    source: BinaryIO, size: int, limits: ProviderLimits | None = None
) -> tuple[Image.Image, str, tuple[Repair, ...]]:
    """The photo decoded, upright and in RGB; Pillow's name for its format; the repairs made.

    A decompression bomb is refused (ValidationError) before anything decodes it. A photo
    far larger than Kling's video needs is decoded at reduced size (see the module's notes).
    """
    upright = decode_upright(source, size, limits or provider_limits())
    return upright.image, upright.format, upright.repairs


def _checked(
    source: BinaryIO, size: int, limits: ProviderLimits
) -> tuple[CheckedPhoto | None, str | None]:
    """The photo as the provider's rules see it; or None and the code of the rule it breaks."""
    try:
        return check_photo(source, size, limits), None
    except ValidationError as error:
        if error.code in {"empty", "too_many_pixels"}:
            raise
        return None, error.code
    finally:
        source.seek(0)


def _sendable_as_is(source: BinaryIO) -> bool:
    """Whether a JPEG or PNG that keeps the rules needs nothing else, judged from its header:
    upright already, no transparency, no animation, 8 bits a channel, not needlessly large."""
    if _sixteen_bit_png(source):
        return False
    try:
        image = Image.open(source, formats=("JPEG", "PNG"))
        animated = image.format != "MPO" and getattr(image, "is_animated", False)
        return (
            exif_orientation(image) in {None, 1}
            and (image.mode in PLAIN_MODES or image.mode == "P")
            and "transparency" not in image.info
            and not animated
            and max(image.size) <= MAX_LONG_SIDE
        )
    finally:
        source.seek(0)


def _sixteen_bit_png(source: BinaryIO) -> bool:
    """Pillow reads a 16-bit colour PNG as 8-bit RGB: only the header tells."""
    source.seek(0)
    header = source.read(26)  # signature, then IHDR: length, type, width, height, bit depth
    source.seek(0)
    return header.startswith(b"\x89PNG") and header[24:25] == b"\x10"


def as_it_came(source: BinaryIO, size: int, limits: ProviderLimits) -> RepairedPhoto:
    """The photo sent as it came, for a person who chose their original over its repair;
    ValidationError if it breaks a provider rule."""
    checked = check_photo(source, size, limits)
    return _untouched(source, checked)


def _untouched(source: BinaryIO, checked: CheckedPhoto) -> RepairedPhoto:
    source.seek(0)
    return RepairedPhoto(
        content=source.read(),
        extension=checked.extension,
        width=checked.info.width,
        height=checked.info.height,
        repairs=(),
        original_is_valid=True,
    )


def decode_upright(
    source: BinaryIO, size: int, limits: ProviderLimits, enough: int = ENOUGH_LONG_SIDE
) -> UprightPhoto:
    """The photo decoded upright in RGB, at the least size that keeps ``enough`` pixels on its
    longer side (see the module's notes); a bomb is refused before anything decodes."""
    if size == 0:
        raise ValidationError(EMPTY_PHOTO, code="empty")
    info = _measure(source)
    sixteen_bit_png = _sixteen_bit_png(source)
    try:
        image = Image.open(source, formats=READERS)
        kind = "JPEG" if image.format == "MPO" else image.format
        repairs = _first_repairs(image, kind, sixteen_bit_png)
        orientation = exif_orientation(image)
        icc = image.info.get("icc_profile")
        request = _decode_request(image.size, limits, enough)
        if request:
            image.draft(image.mode, request)
        image.load()
        if request:
            image = _reduce(image, min(image.width // request[0], image.height // request[1]))
        if orientation in TURNS:
            image = image.transpose(TURNS[orientation])
            repairs.append(Repair("upright", "Turned the photo upright."))
        image, colour_repairs = _to_rgb(image)
    except DECODE_ERRORS:
        raise _damaged() from None
    finally:
        source.seek(0)
    repairs += colour_repairs
    if image.size != (info.width, info.height):
        repairs.append(_scaled_down((info.width, info.height), image.size))
    return UprightPhoto(
        image=image,
        format=kind,
        repairs=tuple(repairs),
        full_size=(info.width, info.height),
        icc_profile=icc if icc and icc[16:20] == b"RGB " else None,  # its colour space
    )


def _measure(source: BinaryIO) -> ImageInfo:
    try:
        info = measure_photo(source)
    except UnknownImageFormat:
        raise ValidationError(
            f"This file is not a photo we can read. Upload a {ACCEPTED_TEXT} photo.",
            code="format",
        ) from None
    except MediaError:
        raise _damaged() from None
    if info.format not in FORMAT_NAMES:
        raise ValidationError(
            f"This is a {info.format} picture, which we cannot read. Save it as "
            f"{ACCEPTED_TEXT} and try again.",
            code="format",
        )
    return info


def _damaged() -> ValidationError:
    return ValidationError(
        f"This photo is damaged and cannot be read. Export it again as {ACCEPTED_TEXT}.",
        code="damaged",
    )


def _first_repairs(image: Image.Image, kind: str, sixteen_bit_png: bool) -> list[Repair]:
    name = FORMAT_NAMES[kind]
    repairs = []
    if kind not in SENT_AS_IS:
        repairs.append(Repair("converted", f"Converted the {name} photo to JPEG."))
    if kind != "JPEG" and getattr(image, "is_animated", False):
        first = "page of the TIFF file" if kind == "TIFF" else f"frame of the animated {name}"
        repairs.append(Repair("first_frame", f"Kept only the first {first}."))
    if image.mode in DEEP_MODES or sixteen_bit_png:
        repairs.append(Repair("8_bit", "Reduced the photo's colour depth to 8 bits."))
    return repairs


def _decode_request(
    stored: tuple[int, int], limits: ProviderLimits, enough: int = ENOUGH_LONG_SIDE
) -> tuple[int, int] | None:
    """The least size to decode at, in the photo's stored orientation, or None for all of it.

    Enough for ``ENOUGH_LONG_SIDE`` on the longer side, even after cropping to the widest shape
    Kling takes."""
    long, short = max(stored), min(stored)
    useful = min(long, short * max(limits.image_max_aspect, 1 / limits.image_min_aspect))
    scale = enough / useful
    if scale > 0.5:
        return None
    return math.ceil(stored[0] * scale), math.ceil(stored[1] * scale)


def _reduce(image: Image.Image, factor: int) -> Image.Image:
    if factor < 2:
        return image
    if image.mode.startswith("I;16"):  # Image.reduce() does not take 16-bit modes
        size = (image.width // factor, image.height // factor)
        return image.resize(size, Image.Resampling.BOX)
    if image.mode in {"1", "P", "PA"} or "transparency" in image.info:  # no averaging indices
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    return image.reduce(factor)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ALPHA_MODES or "transparency" in image.info


def _to_rgb(image: Image.Image) -> tuple[Image.Image, list[Repair]]:
    if image.mode == "RGB" and "transparency" not in image.info:
        return image, []
    if image.mode == "CMYK":
        colours = "Converted the photo's print colours (CMYK) to screen colours (RGB)."
        return image.convert("RGB"), [Repair("rgb", colours)]
    if image.mode in DEEP_MODES:
        image = _eight_bit(image)
    if _has_alpha(image):
        return _flatten(image)
    return image.convert("RGB"), []


def _eight_bit(image: Image.Image) -> Image.Image:
    """Grey of 16 bits (or 32, or floating point) as 8 bits, scaled; ``convert`` would clip."""
    if image.mode.startswith("I;16"):
        image, top = image.convert("I"), 65535.0
    else:
        _, top = image.getextrema()
        top = next((span for span in (1.0, 255.0, 65535.0) if top <= span), float(top))
    return image.point(lambda value: value * (255 / top)).convert("L")


def _flatten(image: Image.Image) -> tuple[Image.Image, list[Repair]]:
    image = image.convert("RGBA")
    alpha = image.getchannel("A")
    if alpha.getextrema()[0] == 255:
        unused = "Dropped the photo's transparency channel, which it did not use."
        return image.convert("RGB"), [Repair("transparency", unused)]
    flat = Image.new("RGB", image.size, TRANSPARENT_BECOMES)
    flat.paste(image, mask=alpha)
    return flat, [Repair("transparency", "Filled the photo's transparent parts with white.")]


def _face(
    upright: UprightPhoto,
    face_box: Box | None,
    locate_face: Callable[[Image.Image], Box | None] | None,
) -> Box | None:
    if face_box is not None:
        scale = upright.image.width / upright.full_size[0]
        box = tuple(round(edge * scale) for edge in face_box)
    elif locate_face is not None:
        box = locate_face(upright.image)
    else:
        return None
    if box is None:
        return None
    left, top = max(0, box[0]), max(0, box[1])
    right, bottom = min(upright.image.width, box[2]), min(upright.image.height, box[3])
    return (left, top, right, bottom) if left < right and top < bottom else None


def _fit_shape(
    image: Image.Image, limits: ProviderLimits, fit: Fit, find_face: Callable[[], Box | None]
) -> tuple[Image.Image, list[Repair]]:
    aspect = image.width / image.height
    if limits.image_min_aspect <= aspect <= limits.image_max_aspect:
        return image, []
    wide = aspect > limits.image_max_aspect
    shape = f"{limits.image_max_aspect:g}:1" if wide else f"1:{1 / limits.image_min_aspect:g}"
    if fit == Fit.PAD:
        sentence = f"Padded the photo to {shape} with the colours of its edges."
        return _pad(image, limits, wide), [Repair("padded", sentence)]
    face = find_face()
    if face:
        sentence = f"Cropped the photo to {shape} around the face."
    else:
        sentence = f"Cropped the photo to {shape}, keeping its {'middle' if wide else 'top'}."
    return image.crop(_crop_box(image.size, limits, face)), [Repair("cropped", sentence)]


def _crop_box(size: tuple[int, int], limits: ProviderLimits, face: Box | None) -> Box:
    """The widest (or tallest) window Kling takes, centred on the face when there is one;
    else the middle of a wide photo and the top of a tall one, where faces usually are."""
    width, height = size
    if width / height > limits.image_max_aspect:
        kept = math.floor(height * limits.image_max_aspect)
        while kept / height > limits.image_max_aspect:
            kept -= 1
        centre = (face[0] + face[2]) / 2 if face else width / 2
        left = min(max(0, round(centre - kept / 2)), width - kept)
        return left, 0, left + kept, height
    kept = math.floor(width / limits.image_min_aspect)
    while width / kept < limits.image_min_aspect:
        kept -= 1
    centre = (face[1] + face[3]) / 2 if face else 0
    top = min(max(0, round(centre - kept / 2)), height - kept)
    return 0, top, width, top + kept


def _pad(image: Image.Image, limits: ProviderLimits, wide: bool) -> Image.Image:
    width, height = image.size
    if wide:
        grown = math.ceil(width / limits.image_max_aspect)
        while width / grown > limits.image_max_aspect:
            grown += 1
        strip = max(1, height // EDGE_SHARE)
        first = _mean_colour(image, (0, 0, width, strip))
        second = _mean_colour(image, (0, height - strip, width, height))
        canvas = Image.new("RGB", (width, grown), first)
        canvas.paste(second, (0, grown // 2, width, grown))
        canvas.paste(image, (0, (grown - height) // 2))
        return canvas
    grown = math.ceil(height * limits.image_min_aspect)
    while grown / height < limits.image_min_aspect:
        grown += 1
    strip = max(1, width // EDGE_SHARE)
    first = _mean_colour(image, (0, 0, strip, height))
    second = _mean_colour(image, (width - strip, 0, width, height))
    canvas = Image.new("RGB", (grown, height), first)
    canvas.paste(second, (grown // 2, 0, grown, height))
    canvas.paste(image, ((grown - width) // 2, 0))
    return canvas


def _mean_colour(image: Image.Image, box: Box) -> tuple[int, ...]:
    return tuple(round(channel) for channel in ImageStat.Stat(image.crop(box)).mean)


def _enlarge(image: Image.Image, limits: ProviderLimits) -> Image.Image:
    scale = limits.image_min_side / min(image.size)
    width, height = (max(limits.image_min_side, round(side * scale)) for side in image.size)
    # Rounding must not push the shape past what Kling takes.
    width = min(width, math.floor(height * limits.image_max_aspect))
    height = min(height, math.floor(width / limits.image_min_aspect))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _encode(
    image: Image.Image, limits: ProviderLimits, icc_profile: bytes | None
) -> tuple[bytes, Image.Image]:
    """The JPEG at the best quality that fits the provider's size limit, halving the photo
    when even the lowest quality is too big (only ever with a limit far below 10 MB)."""
    while True:
        for quality in JPEG_QUALITIES:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, icc_profile=icc_profile)
            if buffer.tell() <= limits.image_max_bytes:
                return buffer.getvalue(), image
        if min(image.size) // 2 < limits.image_min_side:
            raise ValidationError(
                f"This photo cannot be saved in {_megabytes(limits)} even at low quality. "
                "Use a smaller or plainer photo.",
                code="too_big",
            )
        image = image.reduce(2)


def _scaled_down(before: tuple[int, int], after: tuple[int, int]) -> Repair:
    return Repair(
        "scaled_down",
        f"Scaled the photo down from {before[0]} × {before[1]} px to {after[0]} × {after[1]} "
        "px: plenty for Kling's video, and quicker to send.",
    )


def _enlarged(before: tuple[int, int], after: tuple[int, int]) -> Repair:
    return Repair(
        "enlarged",
        f"Enlarged the photo from {before[0]} × {before[1]} px to {after[0]} × {after[1]} px; "
        "it may look soft.",
    )


def _soft_warning(full_size: tuple[int, int]) -> str:
    return (
        f"This photo is only {full_size[0]} × {full_size[1]} px, so the video may look soft. "
        "A larger photo gives a sharper video."
    )


def _smaller_file(
    before: int, after: int, dimensions: tuple[int, int], limits: ProviderLimits
) -> Repair:
    return Repair(
        "smaller_file",
        f"Made the file smaller, from {size_text(before)} to {size_text(after)} at "
        f"{dimensions[0]} × {dimensions[1]} px: Kling takes at most {_megabytes(limits)}.",
    )


def _megabytes(limits: ProviderLimits) -> str:
    return f"{limits.image_max_bytes / MB:g} MB"
