"""Photos as phones and browsers make them, turned into what Kling takes, on real files made
here: every repaired photo must pass the provider's own check (``check_photo``)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat, features

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.photo_repair import (
    Fit,
    RepairedPhoto,
    open_upright,
    repair_photo,
)
from avatarstudio.media.validation import check_photo
from tests.media_factory import (
    BACKGROUND,
    SKIN,
    animated_gif_bytes,
    blank_png_bytes,
    cmyk_jpeg_bytes,
    deep_grey_bytes,
    encoded,
    face_picture,
    heic_bytes,
    noisy_jpeg_bytes,
    photo_bytes,
    portrait_picture,
    transparent_png_bytes,
)

LIMITS = ProviderLimits()
# A tall banner, 1:3, with the face low down: a crop that keeps the top would lose it.
LOW_FACE = (100, 950, 300, 1150)


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes while the test runs (a load once decoded is free)."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.tile:
            sizes.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


def repair(data: bytes, limits: ProviderLimits = LIMITS, **options) -> RepairedPhoto:
    return repair_photo(io.BytesIO(data), len(data), limits, **options)


def sent(repaired: RepairedPhoto) -> Image.Image:
    """The photo Kling will get, after checking that Kling takes it."""
    check_photo(io.BytesIO(repaired.content), len(repaired.content), LIMITS)
    image = Image.open(io.BytesIO(repaired.content))
    assert image.size == (repaired.width, repaired.height)
    if repaired.repairs:
        assert (image.format, image.mode, repaired.extension) == ("JPEG", "RGB", "jpg")
        assert not image.getexif(), "a re-encoded photo carries no EXIF (no orientation, no GPS)"
    return image


def codes(repaired: RepairedPhoto) -> list[str]:
    return [repair.code for repair in repaired.repairs]


def difference(first: Image.Image, second: Image.Image) -> float:
    """Mean difference per channel, 0 to 255: JPEG's own losses stay under a few units."""
    second = second.convert("RGB").resize(first.size)
    return sum(ImageStat.Stat(ImageChops.difference(first.convert("RGB"), second)).mean) / 3


def skin_box(image: Image.Image) -> tuple[int, int, int, int]:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    skin = (np.abs(pixels - SKIN).sum(axis=2) < 40).nonzero()
    return skin[1].min(), skin[0].min(), skin[1].max() + 1, skin[0].max() + 1


def refusal(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        repair(data)
    return caught.value


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_photo_kling_takes_is_sent_as_it_is_without_being_decoded(fmt, decoded):
    original = photo_bytes(600, 800, fmt=fmt)
    repaired = repair(original)
    assert repaired.content == original
    assert repaired.repairs == () and repaired.warnings == ()
    assert repaired.original_is_valid
    assert (repaired.extension, repaired.width, repaired.height) == (
        "jpg" if fmt == "JPEG" else "png",
        600,
        800,
    )
    assert decoded == []


def test_a_jpeg_carrying_extra_pictures_mpo_is_sent_as_it_is():
    main, depth = face_picture(), Image.new("RGB", (600, 800), (9, 9, 9))
    original = encoded(main, "MPO", save_all=True, append_images=[depth])
    assert repair(original).content == original


@pytest.mark.parametrize("orientation", [6, 3])
def test_a_photo_with_an_exif_orientation_is_turned_upright(orientation):
    original = photo_bytes(800, 600, exif_orientation=orientation)
    repaired = repair(original)
    seen = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    assert (repaired.width, repaired.height) == seen.size
    assert difference(sent(repaired), seen) < 3
    assert codes(repaired) == ["upright"]
    assert repaired.repairs[0].sentence == "Turned the photo upright."
    assert repaired.original_is_valid


FORMATS = [
    ("WEBP", "WebP"),
    pytest.param(
        "AVIF",
        "AVIF",
        marks=pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF"),
    ),
    ("GIF", "GIF"),
    ("BMP", "BMP"),
    ("TIFF", "TIFF"),
]


@pytest.mark.parametrize(("fmt", "name"), FORMATS)
def test_a_photo_in_a_format_kling_refuses_becomes_a_jpeg(fmt, name):
    repaired = repair(photo_bytes(600, 800, fmt=fmt))
    assert difference(sent(repaired), portrait_picture()) < 4
    assert repaired.repairs[0].sentence == f"Converted the {name} photo to JPEG."
    assert codes(repaired) == ["converted"]
    assert not repaired.original_is_valid


def test_an_iphone_heic_photo_becomes_a_jpeg():
    repaired = repair(heic_bytes(600, 800))
    assert difference(sent(repaired), face_picture()) < 4
    assert [str(repair) for repair in repaired.repairs] == ["Converted the HEIC photo to JPEG."]


def test_an_animated_gif_gives_its_first_frame():
    repaired = repair(animated_gif_bytes(((220, 30, 30), (30, 220, 30)), 400, 400))
    assert sent(repaired).getpixel((200, 200)) == pytest.approx((220, 30, 30), abs=3)
    assert codes(repaired) == ["converted", "first_frame"]
    assert repaired.repairs[1].sentence == "Kept only the first frame of the animated GIF."


def test_a_16_bit_tiff_is_scaled_to_8_bits_not_clipped_to_white():
    repaired = repair(deep_grey_bytes(400, 400, level=40_000))
    assert sent(repaired).getpixel((10, 10)) == pytest.approx((155, 155, 155), abs=2)
    assert codes(repaired) == ["converted", "8_bit"]


def test_a_16_bit_png_keeps_the_rules_but_is_sent_in_8_bits():
    repaired = repair(deep_grey_bytes(400, 400, level=10_000, fmt="PNG"))
    assert sent(repaired).getpixel((10, 10)) == pytest.approx((39, 39, 39), abs=2)
    assert codes(repaired) == ["8_bit"]
    assert repaired.original_is_valid


def test_a_cmyk_jpeg_becomes_rgb_without_its_print_colour_profile():
    cmyk_profile = bytes(16) + b"CMYK" + bytes(108)  # only the header says what it is for
    repaired = repair(cmyk_jpeg_bytes(600, 800, icc_profile=cmyk_profile))
    image = sent(repaired)
    assert image.getpixel((300, 400)) == pytest.approx((255, 0, 0), abs=3)
    assert "icc_profile" not in image.info
    assert codes(repaired) == ["rgb"]


def test_an_rgb_colour_profile_goes_with_the_converted_photo():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    repaired = repair(encoded(face_picture(), "WEBP", icc_profile=profile))
    assert sent(repaired).info["icc_profile"] == profile


def test_a_transparent_png_becomes_a_jpeg_with_white_where_it_was_transparent():
    repaired = repair(transparent_png_bytes(600, 800))
    image = sent(repaired)
    assert image.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)
    assert image.getpixel((300, 600)) == pytest.approx(SKIN, abs=4)
    assert repaired.repairs[0].sentence == "Filled the photo's transparent parts with white."
    assert repaired.original_is_valid


def test_a_png_with_an_unused_transparency_channel_says_it_was_dropped():
    repaired = repair(encoded(face_picture().convert("RGBA"), "PNG"))
    assert difference(sent(repaired), face_picture()) < 3
    assert codes(repaired) == ["transparency"]
    assert "did not use" in repaired.repairs[0].sentence


def low_face_banner() -> bytes:
    return encoded(face_picture(400, 1200, LOW_FACE), "JPEG", quality=95)


def face_height_kept(image: Image.Image) -> int:
    _, top, _, bottom = skin_box(image)
    return bottom - top


def test_a_banner_is_cropped_to_1_to_2_5_around_the_given_face():
    repaired = repair(low_face_banner(), face_box=LOW_FACE)
    image = sent(repaired)
    assert image.size == (400, 1000)
    assert face_height_kept(image) == pytest.approx(200, abs=2)
    assert repaired.repairs[0].sentence == "Cropped the photo to 1:2.5 around the face."
    assert not repaired.original_is_valid


def test_the_face_is_located_on_the_upright_photo_when_none_is_given():
    seen = []

    def locate_face(image: Image.Image):
        seen.append((image.size, image.mode))
        return LOW_FACE

    repaired = repair(low_face_banner(), locate_face=locate_face)
    assert seen == [((400, 1200), "RGB")]
    assert face_height_kept(sent(repaired)) == pytest.approx(200, abs=2)


def test_a_face_box_is_in_the_photos_own_pixels_even_when_it_is_decoded_smaller(decoded):
    face = (400, 7000, 1200, 7800)  # near the bottom of a 1:5 strip
    original = encoded(face_picture(1600, 8000, face), "JPEG", quality=90)
    repaired = repair(original, face_box=face)
    assert decoded == [(800, 4000)]
    image = sent(repaired)
    assert image.size == (800, 2000)
    assert face_height_kept(image) == pytest.approx(400, abs=3)


def test_without_a_face_a_tall_photo_keeps_its_top():
    repaired = repair(encoded(face_picture(400, 1200, (100, 50, 300, 250)), "JPEG"))
    assert face_height_kept(sent(repaired)) == pytest.approx(200, abs=2)
    assert repaired.repairs[0].sentence == "Cropped the photo to 1:2.5, keeping its top."


def test_a_photo_too_wide_is_cropped_around_a_face_off_centre():
    face = (1100, 100, 1300, 300)
    repaired = repair(encoded(face_picture(1400, 400, face), "JPEG"), face_box=face)
    image = sent(repaired)
    assert image.size == (1000, 400)
    left, _, right, _ = skin_box(image)
    assert right - left == pytest.approx(200, abs=2)
    assert repaired.repairs[0].sentence == "Cropped the photo to 2.5:1 around the face."


def test_a_banner_is_padded_with_its_edge_colour_when_the_person_chooses_so():
    located = []
    repaired = repair(low_face_banner(), fit=Fit.PAD, locate_face=located.append)
    image = sent(repaired)
    assert image.size == (480, 1200)
    assert image.getpixel((5, 600)) == pytest.approx(BACKGROUND, abs=3)
    assert image.getpixel((475, 600)) == pytest.approx(BACKGROUND, abs=3)
    assert face_height_kept(image) == pytest.approx(200, abs=2)
    assert codes(repaired) == ["padded"]
    assert located == [], "padding needs no face"


def test_no_face_is_looked_for_when_the_shape_is_right():
    located = []
    repair(photo_bytes(600, 800, fmt="WEBP"), locate_face=located.append)
    assert located == []


def test_a_jpeg_over_10_mb_is_saved_again_under_10_mb():
    original = noisy_jpeg_bytes(11 * MB)
    repaired = repair(original)
    sent(repaired)
    assert len(repaired.content) <= 10 * MB
    assert codes(repaired) == ["smaller_file"]
    assert repaired.repairs[0].sentence.startswith(
        f"Made the file smaller, from {len(original) / MB:.1f} MB to "
    )
    assert repaired.repairs[0].sentence.endswith("Kling takes at most 10 MB.")
    assert not repaired.original_is_valid


def test_a_photo_that_will_not_fit_a_low_limit_at_low_quality_is_halved():
    small_limit = ProviderLimits(image_max_bytes=MB // 4)
    original = noisy_jpeg_bytes(MB, side=1200)
    repaired = repair(original, small_limit)
    assert len(repaired.content) <= MB // 4
    assert (repaired.width, repaired.height) == (600, 600)
    assert "at 600 × 600 px: Kling takes at most 0.25 MB." in repaired.repairs[-1].sentence


def test_a_photo_that_cannot_fit_the_limit_at_all_is_refused():
    with pytest.raises(ValidationError) as caught:
        repair(noisy_jpeg_bytes(MB, side=700), ProviderLimits(image_max_bytes=1000))
    assert caught.value.code == "too_big"


def test_a_photo_under_300_px_is_enlarged_with_a_warning_about_quality():
    repaired = repair(photo_bytes(250, 250))
    assert (repaired.width, repaired.height) == (300, 300)
    assert difference(sent(repaired), portrait_picture(250, 250)) < 4
    assert repaired.repairs[0].sentence == (
        "Enlarged the photo from 250 × 250 px to 300 × 300 px; it may look soft."
    )
    assert repaired.warnings == (
        "This photo is only 250 × 250 px, so the video may look soft. A larger photo gives a "
        "sharper video.",
    )
    assert not repaired.original_is_valid


def test_a_small_banner_is_padded_before_it_is_enlarged():
    repaired = repair(photo_bytes(200, 600), fit=Fit.PAD)
    assert (repaired.width, repaired.height) == (300, 750)
    assert codes(repaired) == ["padded", "enlarged"]


def test_a_photo_far_larger_than_the_video_needs_is_decoded_and_sent_smaller(decoded):
    repaired = repair(photo_bytes(4200, 3000))
    assert decoded == [(2100, 1500)], "the JPEG decoder itself skipped half the pixels"
    assert (repaired.width, repaired.height) == (2100, 1500)
    assert repaired.repairs[0].sentence.startswith(
        "Scaled the photo down from 4200 × 3000 px to 2100 × 1500 px"
    )
    assert repaired.original_is_valid


def test_a_large_png_is_decoded_whole_then_reduced(decoded):
    repaired = repair(encoded(face_picture(4200, 3000), "PNG", compress_level=1))
    assert decoded == [(4200, 3000)]
    assert (repaired.width, repaired.height) == (2100, 1500)


def test_a_jpeg_with_data_after_its_end_decodes_and_is_saved_again():
    original = photo_bytes(600, 800) + b"MotionPhoto_Data" + bytes(100)
    repaired = repair(original)
    assert difference(sent(repaired), portrait_picture()) < 3
    assert codes(repaired) == ["resaved"]


@pytest.mark.parametrize("side", [9400, 20_000])
def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(side, decoded):
    data = blank_png_bytes(side, side)
    error = refusal(data)
    assert error.code == "too_many_pixels"
    assert "Resize it to at most 7000 px on its longer side" in error.message
    assert decoded == []


def test_a_picture_format_we_do_not_read_is_refused_with_the_formats_we_do():
    error = refusal(photo_bytes(600, 800, fmt="PPM"))
    assert error.code == "format"
    assert error.message == (
        "This is a PPM picture, which we cannot read. Save it as JPEG, PNG, HEIC, WebP, AVIF, "
        "GIF, BMP or TIFF and try again."
    )


def test_a_file_that_is_no_picture_is_refused():
    error = refusal(b"%PDF-1.7\n" + bytes(2000))
    assert error.code == "format"
    assert "Upload a JPEG, PNG, HEIC, WebP, AVIF, GIF, BMP or TIFF photo." in error.message


@pytest.mark.parametrize("fmt", ["WEBP", "JPEG"])
def test_a_cut_off_photo_is_refused_as_damaged(fmt):
    whole = photo_bytes(600, 800, fmt=fmt)
    error = refusal(whole[: len(whole) // 2])
    assert error.code == "damaged"
    assert "Export it again as JPEG, PNG" in error.message


def test_an_empty_file_is_refused():
    assert refusal(b"").code == "empty"


def test_open_upright_gives_the_decoded_rgb_photo_and_its_format():
    data = photo_bytes(800, 600, fmt="WEBP", exif_orientation=6)
    image, kind, repairs = open_upright(io.BytesIO(data), len(data))
    assert (image.size, image.mode, kind) == ((600, 800), "RGB", "WEBP")
    assert [repair.code for repair in repairs] == ["converted", "upright"]


def test_open_upright_refuses_a_bomb_before_decoding(decoded):
    data = blank_png_bytes(20_000, 20_000)
    with pytest.raises(ValidationError):
        open_upright(io.BytesIO(data), len(data))
    assert decoded == []
