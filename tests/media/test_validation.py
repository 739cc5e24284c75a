"""Every provider rule for photos and voices, checked on real small files made here."""

from __future__ import annotations

import io

import av
import pytest
from django.core.exceptions import ValidationError
from PIL import ImageFile

from avatarstudio.kling.limits import ProviderLimits
from avatarstudio.media.validation import check_audio, check_photo
from tests.media_factory import blank_png_bytes, photo_bytes, voice_bytes

LIMITS = ProviderLimits()


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes while the test runs."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        sizes.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


def photo(data: bytes):
    return check_photo(io.BytesIO(data), len(data), LIMITS)


def audio(data: bytes):
    return check_audio(io.BytesIO(data), len(data), LIMITS)


def refusal(check, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(data)
    return caught.value


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png")])
def test_jpeg_and_png_photos_pass_and_keep_their_kind(fmt, extension):
    checked = photo(photo_bytes(600, 800, fmt=fmt))
    assert checked.extension == extension
    assert (checked.info.width, checked.info.height) == (600, 800)


def test_a_photo_299_px_wide_is_refused_with_its_size_and_the_fix():
    error = refusal(photo, photo_bytes(299, 400))
    assert error.code == "too_small"
    assert error.message == (
        "This photo is 299 × 400 px; Kling needs at least 300 px on each side. Use a larger photo."
    )


def test_a_photo_exactly_300_px_passes():
    assert photo(photo_bytes(300, 300)).info.width == 300


def test_a_photo_of_1_to_2_6_is_too_tall():
    error = refusal(photo, photo_bytes(300, 780))
    assert error.code == "aspect"
    assert "too tall" in error.message and "Crop it" in error.message


def test_a_photo_of_2_5_to_1_passes_and_2_6_to_1_is_too_wide():
    assert photo(photo_bytes(750, 300))
    assert "too wide" in refusal(photo, photo_bytes(780, 300)).message


def test_the_shape_is_judged_after_exif_rotation():
    # Stored 800 × 400; EXIF says "turn it", so a person sees (and Kling gets) 400 × 800.
    turned = photo(photo_bytes(800, 400, exif_orientation=6))
    assert (turned.info.width, turned.info.height) == (400, 800)


def test_a_gif_is_refused_even_when_named_like_a_jpeg():
    error = refusal(photo, photo_bytes(600, 800, fmt="GIF"))
    assert error.code == "format"
    assert "GIF" in error.message


def test_an_mp3_renamed_to_a_photo_is_refused():
    assert refusal(photo, voice_bytes(2.5, "mp3")).code == "format"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_photo_is_refused_without_decoding_it(fmt):
    whole = photo_bytes(600, 800, fmt=fmt)
    error = refusal(photo, whole[: len(whole) * 2 // 3])
    assert error.code == "truncated"
    assert "cut off" in error.message


def test_an_empty_file_is_refused():
    assert refusal(photo, b"").code == "empty"


def test_a_corrupt_photo_with_valid_ends_is_refused():
    fake = b"\xff\xd8\xff\xe0" + b"garbage" * 100 + b"\xff\xd9"
    assert refusal(photo, fake).code == "damaged"


@pytest.mark.parametrize(
    ("fmt", "orientation", "seen"),
    [
        ("JPEG", None, (800, 400)),
        ("JPEG", 6, (400, 800)),
        ("PNG", None, (800, 400)),
        ("PNG", 6, (400, 800)),  # an eXIf chunk
    ],
)
def test_a_photo_is_measured_and_turned_without_decoding_its_pixels(
    fmt, orientation, seen, decoded
):
    checked = photo(photo_bytes(800, 400, fmt=fmt, exif_orientation=orientation))
    assert (checked.info.width, checked.info.height) == seen
    assert decoded == []


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it(decoded):
    data = blank_png_bytes(9400, 9400)
    assert len(data) < 20_000
    error = refusal(photo, data)
    assert error.code == "too_many_pixels"
    assert error.message == (
        "This photo is 9400 × 9400 px, too many pixels to handle safely. Resize it to at most "
        "7000 px on its longer side and try again."
    )
    assert decoded == []


@pytest.mark.parametrize("side", [10_000, 20_000])
def test_a_photo_beyond_pillows_own_bomb_limit_gets_the_same_advice_not_damaged(side, decoded):
    error = refusal(photo, blank_png_bytes(side, side))
    assert error.code == "too_many_pixels"
    assert "Resize it to at most 7000 px on its longer side" in error.message
    assert decoded == []


def test_a_photo_over_10_mb_is_refused_by_its_size():
    error = check_photo_size(10 * 1024 * 1024 + 1)
    assert error.code == "too_big"
    assert "10.0 MB" in error.message


def check_photo_size(size: int) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_photo(io.BytesIO(b"x"), size, LIMITS)
    return caught.value


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a", "aac"])
def test_every_accepted_audio_format_passes_with_its_measured_length(fmt):
    info = audio(voice_bytes(3.0, fmt))
    assert info.format == fmt
    assert info.duration == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "aac"])
def test_a_voice_of_exactly_60_seconds_passes(fmt):
    assert audio(voice_bytes(60.0, fmt)).duration <= 60.05


def test_a_voice_of_1_9_seconds_is_too_short():
    error = refusal(audio, voice_bytes(1.9, "mp3"))
    assert error.code == "too_short"
    assert error.message.startswith("This recording is 1.9 s long; Kling needs at least 2 seconds")


def test_a_voice_of_60_5_seconds_is_too_long():
    error = refusal(audio, voice_bytes(60.5, "m4a"))
    assert error.code == "too_long"
    assert "60.5 s" in error.message and "Trim it" in error.message


def test_a_wav_over_5_mb_is_refused_by_its_size():
    data = voice_bytes(60.0, "wav")
    assert len(data) > 5 * 1024 * 1024
    assert refusal(audio, data).code == "too_big"


def test_an_ogg_voice_is_refused_with_the_formats_kling_takes():
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        import numpy as np

        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 48000 * 3), dtype=np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = 48000
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    error = refusal(audio, buffer.getvalue())
    assert error.code == "format"
    assert "MP3, WAV, M4A or AAC" in error.message


def test_a_photo_renamed_to_audio_is_refused():
    assert refusal(audio, photo_bytes()).code == "format"


def test_a_video_file_is_refused_as_a_voice(tmp_path):
    from avatarstudio.simulator.render import render_clip

    (tmp_path / "f.jpg").write_bytes(photo_bytes())
    (tmp_path / "v.wav").write_bytes(voice_bytes(2.5))
    render_clip(tmp_path / "f.jpg", tmp_path / "v.wav", tmp_path / "clip.mp4", "std")
    assert refusal(audio, (tmp_path / "clip.mp4").read_bytes()).code == "video"


def test_an_empty_voice_is_refused():
    assert refusal(audio, b"").code == "empty"
