"""Small, real media files made on the spot: photos, voices in every accepted format, the
formats people have instead (OGG, FLAC, WebM, phone videos), and real photos of faces
(scikit-image's) placed where a face check has to find them."""

from __future__ import annotations

import functools
import io
import struct
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pillow_heif
from PIL import Image, ImageDraw

CONTAINERS = {
    "wav": ("wav", "pcm_s16le"),
    "mp3": ("mp3", "libmp3lame"),
    "m4a": ("ipod", "aac"),
    "aac": ("adts", "aac"),
    "webm": ("webm", "libopus"),  # what Chromium's and Firefox's MediaRecorder make
    "ogg": ("ogg", "libopus"),
    "flac": ("flac", "flac"),
}
# Per codec: sample format, samples a frame, sample rate.
CODECS = {
    "pcm_s16le": ("s16", 1152, 44_100),
    "libmp3lame": ("fltp", 1152, 44_100),
    "aac": ("fltp", 1024, 44_100),
    "libopus": ("flt", 960, 48_000),
    "flac": ("s16", 4608, 44_100),
}
# The loudness of speech_samples' raw signal, measured with FFmpeg's ebur128: it is scaled from
# here to the loudness asked for.
RAW_SPEECH_LUFS = -5.79
VIDEO_CONTAINERS = {  # container: (muxer, picture codec, sound codec)
    "mp4": ("mp4", "libx264", "aac"),
    "mov": ("mov", "libx264", "aac"),
    "mkv": ("matroska", "libx264", "libopus"),
    "webm": ("webm", "libvpx", "libopus"),
}


SKIN = (236, 196, 164)
BACKGROUND = (88, 120, 170)


def face_picture(
    width: int = 600, height: int = 800, face: tuple[float, float, float, float] | None = None
) -> Image.Image:
    """A face-like picture: a skin-toned oval with eyes and a mouth on a coloured background.

    ``face`` is the oval's box (left, top, right, bottom); by default it fills the middle."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    if face is None:
        cx, cy, rx, ry = width / 2, height / 2, width * 0.3, height * 0.35
    else:
        cx, cy = (face[0] + face[2]) / 2, (face[1] + face[3]) / 2
        rx, ry = (face[2] - face[0]) / 2, (face[3] - face[1]) / 2
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=SKIN)
    for side in (-1, 1):
        ex = cx + side * rx * 0.4
        draw.ellipse(
            (ex - rx * 0.1, cy - ry * 0.25, ex + rx * 0.1, cy - ry * 0.1), fill=(40, 30, 30)
        )
    draw.rectangle(
        (cx - rx * 0.35, cy + ry * 0.4, cx + rx * 0.35, cy + ry * 0.5), fill=(150, 50, 60)
    )
    return image


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo_bytes(
    width: int = 600, height: int = 800, fmt: str = "JPEG", exif_orientation: int | None = None
) -> bytes:
    """A real portrait (``portrait_picture``) saved as ``fmt``, with an EXIF orientation when
    one is given: the face check finds its face, as it would in a person's photo."""
    options = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        options["exif"] = exif
    return encoded(portrait_picture(width, height), fmt, **options)


def no_face_photo_bytes() -> bytes:
    """A real photo with no face in it: scikit-image's cup of coffee, 600 x 400, as JPEG."""
    return encoded(real_photo("coffee"), "JPEG")


def portrait_picture(width: int = 600, height: int = 800) -> Image.Image:
    """The astronaut's portrait (a real photo, one front-facing face) scaled to cover
    ``width`` x ``height`` and cropped around her face."""
    source = portrait_image()
    scale = max(width / source.width, height / source.height)
    scaled = source.resize((round(source.width * scale), round(source.height * scale)))
    left, top, size, _ = (round(value * scale) for value in PORTRAIT_FACE)
    x = min(max(0, left + size // 2 - width // 2), scaled.width - width)
    y = min(max(0, top + size // 2 - height // 3), scaled.height - height)
    return scaled.crop((x, y, x + width, y + height))


def portrait_heic_bytes(
    width: int = 600, height: int = 800, exif_orientation: int | None = None
) -> bytes:
    """An iPhone's photo of a person: the portrait as HEIC, stored turned when an EXIF
    orientation is given (6: the camera was held on its side, so the pixels lie on theirs)."""
    picture = portrait_picture(width, height)
    options: dict[str, Any] = {"quality": 80}
    if exif_orientation == 6:
        picture = picture.transpose(Image.Transpose.ROTATE_90)
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    pillow_heif.from_pillow(picture).save(buffer, format="HEIF", **options)
    return buffer.getvalue()


def heic_bytes(width: int = 600, height: int = 800) -> bytes:
    """What an iPhone saves: HEIC (HEVC in HEIF), written by pillow-heif."""
    buffer = io.BytesIO()
    pillow_heif.from_pillow(face_picture(width, height)).save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


def animated_gif_bytes(
    colours: tuple[tuple[int, int, int], ...], width: int = 400, height: int = 400
) -> bytes:
    """One plain frame of each colour, in order."""
    first, *rest = (Image.new("RGB", (width, height), colour) for colour in colours)
    return encoded(first, "GIF", save_all=True, append_images=rest, duration=100, loop=0)


def deep_grey_bytes(width: int, height: int, level: int, fmt: str = "TIFF") -> bytes:
    """A 16-bit greyscale picture of one ``level`` (0 to 65535), as scanners and editors make."""
    return encoded(Image.fromarray(np.full((height, width), level, dtype=np.uint16)), fmt)


def cmyk_jpeg_bytes(
    width: int = 600,
    height: int = 800,
    ink: tuple[int, int, int, int] = (0, 255, 255, 0),
    icc_profile: bytes | None = None,
) -> bytes:
    """A print-ready JPEG in CMYK, one ``ink`` all over; the default is pure red."""
    options = {"icc_profile": icc_profile} if icc_profile else {}
    return encoded(Image.new("CMYK", (width, height), ink), "JPEG", **options)


def transparent_png_bytes(width: int = 600, height: int = 800) -> bytes:
    """The face cut out: its oval opaque, everything around it transparent (and black)."""
    face = face_picture(width, height)
    alpha = Image.new("L", face.size, 0)
    ImageDraw.Draw(alpha).ellipse(
        (width * 0.2, height * 0.15, width * 0.8, height * 0.85), fill=255
    )
    cut_out = Image.new("RGBA", face.size, (0, 0, 0, 0))
    cut_out.paste(face, mask=alpha)
    return encoded(cut_out, "PNG")


def noisy_jpeg_bytes(min_bytes: int, side: int = 1800) -> bytes:
    """Random noise at full quality: a JPEG of more than ``min_bytes`` in few pixels."""
    rng = np.random.default_rng(7)
    while True:
        pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        data = encoded(Image.fromarray(pixels), "JPEG", quality=100, subsampling=0)
        if len(data) > min_bytes:
            return data
        side += side // 4


def blank_png_bytes(width: int, height: int) -> bytes:
    """A valid black 1-bit PNG of any size, a few kilobytes even when huge: a decompression bomb.

    Written chunk by chunk, because Pillow would first make the whole image in memory."""
    row = bytes(1 + (width + 7) // 8)  # filter byte, then the row's pixels, 8 to a byte
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def voice_samples(
    seconds: float, rate: int = 44_100, loud_from: float = 0.0, loud_to: float | None = None
) -> np.ndarray:
    """A tone that is loud between ``loud_from`` and ``loud_to`` and near-silent elsewhere."""
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * 220 * t) * 0.6
    loud_to = seconds if loud_to is None else loud_to
    gain = np.where((t >= loud_from) & (t < loud_to), 1.0, 0.01)
    return (tone * gain).astype(np.float32)


def voice_bytes(seconds: float = 3.0, fmt: str = "wav", **kwargs: float) -> bytes:
    """A voice track of ``seconds`` in one of wav, mp3, m4a, aac, webm, ogg."""
    container_format, codec = CONTAINERS[fmt]
    sample_format, step, rate = CODECS[codec]
    samples = voice_samples(seconds, rate, **kwargs)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        for start in range(0, len(samples), step):
            chunk = samples[start : start + step]
            if sample_format == "s16":
                array = (chunk * 32767).astype(np.int16).reshape(1, -1)
            else:
                array = np.ascontiguousarray(chunk).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(array, format=sample_format, layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def speech_samples(
    seconds: float,
    rate: int = 48_000,
    *,
    lufs: float = -16.0,
    silence_before: float = 0.0,
    silence_after: float = 0.0,
) -> np.ndarray:
    """Something like a voice: a gliding 140 Hz buzz with harmonics, four syllables a second,
    at ``lufs`` (integrated loudness), with room tone 50 dB below it, before and after which
    ``silence_*`` seconds of room tone alone. Clipped at full scale, as a recorder would."""
    t = np.arange(round(seconds * rate)) / rate
    pitch = 140 + 15 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    buzz = sum(np.sin(k * phase + 0.7 * k * k) / k for k in range(1, 9))
    syllables = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    voice = buzz * syllables * 10 ** ((lufs - RAW_SPEECH_LUFS) / 20)
    level = 10 ** ((lufs - 50) / 20)
    before, after = round(silence_before * rate), round(silence_after * rate)
    sound = np.concatenate([np.zeros(before), voice, np.zeros(after)])
    room = np.random.default_rng(7).standard_normal(len(sound)) * level
    return np.clip(sound + room, -1, 1).astype(np.float32)


def sound_bytes(samples: np.ndarray, rate: int, fmt: str = "wav", layout: str = "mono") -> bytes:
    """Mono samples in one of wav, mp3, m4a, aac, webm, ogg, flac; copied to every channel."""
    container_format, codec = CONTAINERS[fmt]
    sample_format, step, _ = CODECS[codec]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        _write_sound(output, stream, samples, rate, sample_format, layout, step)
    return buffer.getvalue()


def _write_sound(output, stream, samples, rate, sample_format, layout, step) -> None:
    channels = len(av.AudioLayout(layout).channels)
    for start in range(0, len(samples), step):
        chunk = samples[start : start + step]
        if sample_format == "s16":
            packed = np.repeat((chunk * 32767).astype(np.int16), channels)
            array = packed.reshape(1, -1)
        elif sample_format == "flt":
            array = np.repeat(chunk, channels).reshape(1, -1)
        else:
            array = np.ascontiguousarray(np.tile(chunk, (channels, 1)))
        frame = av.AudioFrame.from_ndarray(array, format=sample_format, layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        output.mux(stream.encode(frame))
    output.mux(stream.encode(None))


def speech_bytes(
    seconds: float = 10.0, fmt: str = "wav", *, layout: str = "mono", **kwargs: float
) -> bytes:
    """A voice of ``seconds`` (plus any silence asked for) in one of the formats above, at its
    codec's usual rate. ``lufs`` is the whole file's: BS.1770 adds up the channels' power."""
    rate = CODECS[CONTAINERS[fmt][1]][2]
    channels = len(av.AudioLayout(layout).channels)
    kwargs["lufs"] = kwargs.get("lufs", -16.0) - 10 * np.log10(channels)
    return sound_bytes(speech_samples(seconds, rate, **kwargs), rate, fmt, layout)


def video_bytes(
    seconds: float = 4.0, container: str = "mp4", *, sound: bool = True, **kwargs: float
) -> bytes:
    """A phone-like video: a small grey picture at 10 frames a second and, unless
    ``sound=False``, a voice (speech_samples with ``kwargs``) alongside."""
    muxer, picture_codec, sound_codec = VIDEO_CONTAINERS[container]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=muxer) as output:
        picture = output.add_stream(picture_codec, rate=10)
        picture.width, picture.height, picture.pix_fmt = 64, 64, "yuv420p"
        voice = output.add_stream(sound_codec, rate=48_000, layout="mono") if sound else None
        pixels = np.full((64, 64, 3), 128, dtype=np.uint8)
        for index in range(round(seconds * 10)):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, 10)
            output.mux(picture.encode(frame))
        output.mux(picture.encode(None))
        if voice is not None:
            sample_format, step, _ = CODECS[sound_codec]
            samples = speech_samples(seconds, 48_000, **kwargs)
            _write_sound(output, voice, samples, 48_000, sample_format, "mono", step)
    return buffer.getvalue()


def silent_recording_bytes(
    seconds: float, rate: int, layout: str = "mono", codec: str = "flac"
) -> bytes:
    """Silence in Matroska, the container WebM is made of. As FLAC, minutes of it at any rate
    and up to 8 channels fit in a few kilobytes: what a costly "recording" is made of."""
    channels = len(av.AudioLayout(layout).channels)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        step = 4096
        for start in range(0, int(seconds * rate), step):
            length = min(step, int(seconds * rate) - start)
            # Packed samples: PyAV cannot fill more than 8 planes from an array.
            silence = np.zeros((1, length * channels), dtype=np.int16)
            frame = av.AudioFrame.from_ndarray(silence, format="s16", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def recording_bytes(seconds: float = 3.0, container: str = "webm") -> bytes:
    """What a browser's MediaRecorder makes: Opus in WebM (Chromium, Firefox) or in Ogg."""
    return voice_bytes(seconds, container)


# The astronaut's face in scikit-image's 512 x 512 portrait (left, top, width, height), as the
# cascades, MediaPipe and a look at it agree. The other boxes below are worked out from it.
PORTRAIT_FACE = (177, 69, 91, 91)
# The cameraman's face, turned to the picture's right, in scikit-image's ``camera()``.
CAMERAMAN_FACE = (185, 111, 82, 82)
BACKDROP = (120, 130, 140)

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class FacePhoto:
    """A real photo and where the faces in it truly are (left, top, width, height)."""

    image: Image.Image
    faces: tuple[Box, ...]

    def is_found_exactly(self, boxes: list[Box]) -> bool:
        """Whether these (left, top, right, bottom) boxes are its faces, one box for each."""
        if len(boxes) != len(self.faces):
            return False
        return all(any(is_same_place(box, face) for box in boxes) for face in self.faces)


def is_same_place(box: Box, face: Box) -> bool:
    """Whether a found box (left, top, right, bottom) and a true face (left, top, width,
    height) each hold the other's centre: the same face, whatever the detector's margins."""
    left, top, width, height = face
    true_box = (left, top, left + width, top + height)
    return _holds(box, _centre(true_box)) and _holds(true_box, _centre(box))


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _holds(box: Box, point: tuple[float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def real_photo(name: str) -> Image.Image:
    """One of the photos inside scikit-image's wheel, as RGB: astronaut, camera, chelsea, …"""
    return Image.fromarray(_real_pixels(name))


@functools.cache
def _real_pixels(name: str) -> np.ndarray:
    """Read once a process: tests that count decodes must not count the test photo's own."""
    from skimage import data  # a test dependency, and slow to import: only when a test asks

    pixels = getattr(data, name)()
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    return np.ascontiguousarray(pixels[..., :3])


def portrait_image() -> Image.Image:
    """A real portrait with one face, front-facing: the astronaut, 512 x 512."""
    return real_photo("astronaut")


def portrait() -> FacePhoto:
    return FacePhoto(portrait_image(), (PORTRAIT_FACE,))


def cameraman() -> FacePhoto:
    return FacePhoto(real_photo("camera"), (CAMERAMAN_FACE,))


def mirrored_portrait() -> FacePhoto:
    left, top, width, height = PORTRAIT_FACE
    image = portrait_image().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return FacePhoto(image, ((image.width - left - width, top, width, height),))


def portraits_side_by_side(count: int = 2) -> FacePhoto:
    face = portrait_image()
    image = Image.new("RGB", (face.width * count, face.height))
    for index in range(count):
        image.paste(face, (index * face.width, 0))
    left, top, width, height = PORTRAIT_FACE
    return FacePhoto(
        image, tuple((left + index * face.width, top, width, height) for index in range(count))
    )


def small_face(share: float, size: tuple[int, int] = (2000, 1500)) -> FacePhoto:
    """The portrait shrunk on a large grey backdrop, its face ``share`` of the shorter side."""
    face_width = share * min(size)
    scale = face_width / PORTRAIT_FACE[2]
    face = portrait_image()
    face = face.resize((round(face.width * scale), round(face.height * scale)), Image.LANCZOS)
    offset = ((size[0] - face.width) // 2, (size[1] - face.height) // 2)
    image = Image.new("RGB", size, BACKDROP)
    image.paste(face, offset)
    return FacePhoto(image, (_moved(PORTRAIT_FACE, scale, offset),))


def face_past_the_edge(edge: str, share_outside: float) -> FacePhoto:
    """The portrait moved so that ``share_outside`` of its face is past the left or top edge."""
    left, top, width, height = PORTRAIT_FACE
    face = portrait_image()
    if edge == "left":
        offset = (-round(left + width * share_outside), 0)
    else:
        offset = (0, -round(top + height * share_outside))
    image = Image.new("RGB", face.size, BACKDROP)
    image.paste(face, offset)
    return FacePhoto(image, (_moved(PORTRAIT_FACE, 1.0, offset),))


def tilted_portrait(degrees: float) -> FacePhoto:
    """The portrait turned counter-clockwise (negative: clockwise), with room for the corners.

    The astronaut holds her head about 4° clockwise already: her face's roll is ``degrees - 4``.
    """
    face = portrait_image()
    image = face.rotate(degrees, Image.BICUBIC, expand=True, fillcolor=BACKDROP)
    left, top, width, height = PORTRAIT_FACE
    x, y = left + width / 2 - face.width / 2, top + height / 2 - face.height / 2
    turn = np.radians(degrees)
    # Counter-clockwise as seen is clockwise in pixel rows, which grow downwards.
    centre_x = x * np.cos(turn) + y * np.sin(turn) + image.width / 2
    centre_y = -x * np.sin(turn) + y * np.cos(turn) + image.height / 2
    box = (round(centre_x - width / 2), round(centre_y - height / 2), width, height)
    return FacePhoto(image, (box,))


def _moved(box: Box, scale: float, offset: tuple[int, int]) -> Box:
    left, top, width, height = box
    return (
        round(left * scale) + offset[0],
        round(top * scale) + offset[1],
        round(width * scale),
        round(height * scale),
    )


LESSON_SENTENCE = (
    "Sentence {n} of the lesson explains one more thing about talking avatars, then it pauses."
)


def lesson_text(sentences: int) -> str:
    """A script of numbered sentences, about five seconds of speech each."""
    return " ".join(LESSON_SENTENCE.format(n=n) for n in range(1, sentences + 1))


def spoken(text: str, language: str = "en") -> tuple[np.ndarray, int]:
    """Real synthetic speech of ``text`` (espeak-ng, from its wheel): samples and their rate."""
    from avatarstudio.simulator import espeak

    made = espeak.speak(text, language)
    assert made is not None, "espeak-ng from the espeakng-loader wheel could not be loaded"
    return made
