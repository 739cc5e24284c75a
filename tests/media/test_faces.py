"""The face check on real photos (scikit-image's) and on cases composed from them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from avatarstudio.media.faces import Face, FaceProblem, FaceReport, crop_around, find_faces
from tests.media_factory import (
    CAMERAMAN_FACE,
    PORTRAIT_FACE,
    cameraman,
    face_past_the_edge,
    is_same_place,
    mirrored_portrait,
    portrait,
    portrait_image,
    portraits_side_by_side,
    real_photo,
    small_face,
    tilted_portrait,
)

# The astronaut holds her head about 4° clockwise; her eye line says so to within a few degrees.
TILT_TOLERANCE = 5.0


def test_the_astronaut_has_one_face_with_its_box_around_her_face():
    report = find_faces(portrait_image())

    assert len(report.faces) == 1
    assert is_same_place(report.main_face.box, PORTRAIT_FACE)
    assert report.problems == ()
    assert report.message() == ""


def test_the_box_is_in_the_photos_own_pixels_whatever_its_size():
    big = portrait_image().resize((2048, 2048), Image.BICUBIC)

    face = find_faces(big).main_face

    left, top, width, height = PORTRAIT_FACE
    assert is_same_place(face.box, (left * 4, top * 4, width * 4, height * 4))
    assert 0.8 < face.width / (width * 4) < 1.25


def test_an_upright_face_has_the_roll_of_its_eye_line():
    face = find_faces(portrait_image()).main_face

    assert face.tilt_degrees == pytest.approx(-4, abs=TILT_TOLERANCE)
    assert not face.turned


def test_a_mirrored_portrait_is_found_like_the_original():
    photo = mirrored_portrait()

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.main_face.tilt_degrees == pytest.approx(4, abs=TILT_TOLERANCE)


def test_a_cup_of_coffee_has_no_face_and_the_message_says_what_to_do():
    report = find_faces(real_photo("coffee"))

    assert report.faces == ()
    assert report.main_face is None
    assert report.problems == (FaceProblem.NONE,)
    assert report.message() == (
        "We could not find a face in this photo. Kling needs a clear, front-facing face; "
        "choose another photo, or send this one anyway if it shows a drawn or animal face."
    )


def test_a_cat_is_no_human_face_so_the_person_is_warned_and_may_still_send_it():
    report = find_faces(real_photo("chelsea"))

    assert report.problems == (FaceProblem.NONE,)
    assert "send this one anyway if it shows a drawn or animal face" in report.message()


def test_two_people_side_by_side_are_two_faces_to_choose_from():
    photo = portraits_side_by_side(2)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.problems == (FaceProblem.SEVERAL,)
    assert report.message() == (
        "This photo shows 2 faces. Choose the one to animate; we will crop the photo around it."
    )


def test_faces_come_largest_first():
    big = portrait_image()
    small = big.resize((320, 320), Image.BICUBIC)
    image = Image.new("RGB", (900, 512), (120, 130, 140))
    image.paste(small, (0, 100))
    image.paste(big, (388, 0))

    report = find_faces(image)

    assert len(report.faces) == 2
    assert report.faces[0].width > report.faces[1].width
    assert report.main_face.left > 388


def test_a_small_face_in_a_large_photo_is_found_and_called_small():
    photo = small_face(0.06)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.problems == (FaceProblem.SMALL,)
    assert "suggested crop" in report.message()


def test_a_face_under_64_px_is_small_even_in_a_small_photo():
    report = find_faces(portrait_image().resize((320, 320), Image.BICUBIC))

    assert report.main_face.width < 64
    assert report.problems == (FaceProblem.SMALL,)


def test_a_face_under_4_percent_of_the_long_side_is_not_looked_for():
    report = find_faces(small_face(0.03).image)

    assert report.problems == (FaceProblem.NONE,)


@pytest.mark.parametrize("share_outside", [0.0, 0.25])
def test_a_face_touching_or_crossing_the_left_edge_is_found_and_called_cut_off(share_outside):
    photo = face_past_the_edge("left", share_outside)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.main_face.left < photo.image.width * 0.02
    assert report.problems == (FaceProblem.CUT_OFF,)
    assert "cut off" in report.message()


def test_a_face_cut_by_the_top_edge_is_called_cut_off():
    photo = face_past_the_edge("top", 0.3)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.problems == (FaceProblem.CUT_OFF,)


@pytest.mark.parametrize(("degrees", "roll"), [(35, 31), (-35, -39)])
def test_a_face_rolled_past_25_degrees_is_found_in_a_turned_copy_and_called_tilted(degrees, roll):
    photo = tilted_portrait(degrees)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.main_face.tilt_degrees == pytest.approx(roll, abs=TILT_TOLERANCE)
    assert report.problems == (FaceProblem.TILTED,)
    tilt = abs(report.main_face.tilt_degrees)
    assert report.message().startswith(f"The head is tilted by about {tilt:.0f}°")


def test_a_face_rolled_16_degrees_is_level_enough():
    photo = tilted_portrait(20)

    report = find_faces(photo.image)

    assert photo.is_found_exactly([face.box for face in report.faces])
    assert report.main_face.tilt_degrees == pytest.approx(16, abs=TILT_TOLERANCE)
    assert report.problems == ()


def test_the_cameraman_seen_from_the_side_is_found_in_profile_and_called_turned():
    report = find_faces(cameraman().image)

    assert len(report.faces) == 1
    assert is_same_place(report.main_face.box, CAMERAMAN_FACE)
    assert report.main_face.turned
    assert report.main_face.tilt_degrees is None
    assert report.problems == (FaceProblem.TURNED,)
    assert "turned away" in report.message()


def test_threads_checking_photos_at_once_get_the_answers_one_thread_gets():
    photos = [portrait().image, portraits_side_by_side(2).image] * 3
    alone = [find_faces(image) for image in photos[:2]] * 3

    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(find_faces, photos))

    assert together == alone


def test_the_message_speaks_of_the_first_problem():
    face = Face(left=10, top=10, width=20, height=20, score=9.0, tilt_degrees=30.0)
    report = FaceReport(
        width=1000,
        height=1000,
        faces=(face, face),
        problems=(FaceProblem.SEVERAL, FaceProblem.SMALL, FaceProblem.TILTED),
    )

    assert report.message().startswith("This photo shows 2 faces.")


@pytest.mark.parametrize("problem", list(FaceProblem))
def test_every_problem_has_one_or_two_sentences_to_say(problem):
    face = Face(left=10, top=10, width=20, height=20, score=9.0, tilt_degrees=30.0)
    faces = () if problem is FaceProblem.NONE else (face, face)

    message = FaceReport(1000, 1000, faces, (problem,)).message()

    assert message.endswith(".")
    assert 1 <= message.count(". ") + 1 <= 2


def face_at(left: int, top: int, size: int = 100) -> Face:
    return Face(left=left, top=top, width=size, height=size, score=10.0)


def holds(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = inner
    return outer[0] <= left and outer[1] <= top and right <= outer[2] and bottom <= outer[3]


PLACES = [(450, 400), (0, 0), (900, 0), (0, 2900), (900, 2900), (450, 1500)]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("aspect", [None, 0.4, 1.0, 2.5])
def test_the_crop_stays_inside_the_photo_and_holds_the_face(place, aspect):
    face = face_at(*place)

    crop = crop_around(face, 1000, 3000, aspect)

    assert holds((0, 0, 1000, 3000), crop)
    assert holds(crop, face.box)


@pytest.mark.parametrize("aspect", [0.4, 0.8, 1.0, 4 / 3, 2.5])
def test_the_crop_has_the_aspect_asked_to_a_pixel_rounded_towards_square(aspect):
    left, top, right, bottom = crop_around(face_at(1000, 800, size=123), 3000, 3000, aspect)

    ratio = (right - left) / (bottom - top)
    assert ratio == pytest.approx(aspect, rel=0.01)
    assert min(aspect, 1) <= ratio <= max(aspect, 1)


def test_a_1_by_3_photo_cropped_to_the_tallest_shape_kling_takes_keeps_all_it_can():
    face = face_at(100, 300, size=80)

    left, top, right, bottom = crop_around(face, 300, 900, aspect=1 / 2.5, min_side=300)

    assert (right - left, bottom - top) == (300, 750)
    assert top <= face.top and face.top + face.height <= top + (bottom - top) / 2


def test_a_crop_grows_to_the_shorter_side_asked_for():
    left, top, right, bottom = crop_around(face_at(1000, 800, size=50), 3000, 3000, min_side=300)

    assert (right - left, bottom - top) == (300, 360)


def test_the_crop_is_head_and_shoulders_with_the_face_in_its_upper_part():
    face = face_at(1000, 800, size=100)

    left, top, right, bottom = crop_around(face, 3000, 3000)

    assert (right - left, bottom - top) == (300, 360)
    assert left + (right - left) / 2 == face.left + face.width / 2
    assert (face.top + face.height / 2 - top) / (bottom - top) == pytest.approx(0.4)


def test_a_face_near_the_edge_moves_the_crop_inside_the_photo_at_its_full_size():
    left, top, right, bottom = crop_around(face_at(10, 10, size=100), 3000, 3000)

    assert (left, top, right - left, bottom - top) == (0, 0, 300, 360)


def test_a_crop_larger_than_the_photo_shrinks_to_fit_it():
    face = face_at(100, 100, size=200)

    crop = crop_around(face, 400, 500, aspect=1.0)

    assert crop == (0, 40, 400, 440)


def test_the_crop_around_a_face_found_in_a_real_photo_holds_that_face():
    photo = small_face(0.06)
    face = find_faces(photo.image).main_face

    crop = crop_around(face, *photo.image.size, aspect=1.0)

    assert holds((0, 0, *photo.image.size), crop)
    assert holds(crop, face.box)
