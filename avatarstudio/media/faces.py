"""Where the faces are in a photo, found on this machine before any credit is spent.

Kling animates the face it finds. A photo with no face, with several, with one too small, cut
off by the edge, strongly tilted or turned away makes a poor video or none, so the create page
says so before submit. The detector is OpenCV's Haar cascades, whose model files are inside the
opencv-python-headless wheel: nothing is downloaded at run time. ``bench/faces.py`` measures it
against the other candidates, and the README says why it was chosen.

The rules this keeps:

- Detection runs on a grey copy scaled to ``DETECT_SIDE`` px on its long side, so a 12 MP photo
  costs what a small one does and the smallest face found is the same share of every photo.
  Boxes are given back in the photo's own pixels.
- Searches run from the surest to the last resort, and the first that finds a face wins: the
  frontal cascade on the upright photo, then on the photo turned by ±30°, then the profile
  cascade looking both ways. Large faces are looked for on a half-size copy, at a quarter of
  the cost; the full copy is searched only for faces too small for that, so a head-and-shoulders
  photo costs one quick search.
- ``CascadeClassifier.detectMultiScale`` changes the classifier's own state, so threads never
  share one: each thread loads its own set, once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CASCADE_FOLDER = Path(cv2.data.haarcascades)
FRONTAL = "haarcascade_frontalface_alt2.xml"  # fewer false faces than "default", as many true
PROFILE = "haarcascade_profileface.xml"  # trained on faces looking to the picture's left
EYE = "haarcascade_eye.xml"

DETECT_SIDE = 640
# A flat grey frame around the copy, as a share of its long side: the cascades only find faces
# whose whole window is inside the picture, and a quarter of a face past the edge would vanish.
BORDER_SHARE = 0.1
BORDER_GREY = 128
# Measured in bench/faces.py: steps of 1.15 between the sizes searched find what 1.1 finds in
# two thirds of the time; 1.2 misses faces of 6 % of the photo. Five overlapping hits keep out
# the false faces of every photo tried but one (coins), and keep the true ones.
SCALE_STEP = 1.15
MIN_NEIGHBOURS = 5
SMALLEST_FACE_PX = 24  # in the copy: a face under 4 % of the photo's long side is not looked for
WINDOW_PX = 20  # the frontal and profile cascades' own size: the least they see in any copy
# A face narrower than this in a copy is found only some of the time (two portraits side by
# side at 20 to 56 px: under 32 px one or both were often missed), so it is looked for again
# in the full copy.
SURE_FACE_PX = 32
# The frontal cascade finds a face rolled up to about 20°; these turned copies cover 15° to 45°.
SEARCH_TILTS = (30.0, -30.0)
# Eyes are looked for in the upper part of the face box, scaled up so the eye cascade's
# 20 px window fits a small face's eyes.
EYE_REGION_HEIGHT = 0.6
EYE_SEARCH_FACE_PX = 120
EYE_NEIGHBOURS = 3
MAX_EYE_LINE_IN_VIEW = 30.0  # a steeper "eye line" in a view the face was found in is a mistake

SMALL_SHARE = 0.08  # a face narrower than this share of the photo's shorter side is small
SMALL_PX = 64  # and so is one under this many pixels, whatever the photo's size
EDGE_MARGIN = 0.1  # of the face's size: the room the ears, chin and hair need inside the photo
MAX_TILT = 25.0  # degrees of roll past which a head is called tilted
# A face less than half as wide as the largest is someone in the background, or a mistake.
BACKGROUND_SHARE = 1 / 2

# The head-and-shoulders crop, in face widths and heights, with the face's centre this far down.
CROP_WIDTH_IN_FACES = 3.0
CROP_HEIGHT_IN_FACES = 3.6
CROP_FACE_CENTRE_DOWN = 0.4


@dataclass(frozen=True)
class Face:
    """One face, in the upright photo's pixels.

    The box may reach past the photo's edges when the face is cut off by them: it is where the
    whole face would be.
    """

    left: int
    top: int
    width: int
    height: int
    score: float  # the cascade's overlapping hits: higher is surer
    # Roll from the eye line, counter-clockwise as seen (``image.rotate(-tilt)`` levels it);
    # None when the eyes were not found.
    tilt_degrees: float | None = None
    turned: bool = False  # seen in profile: the profile cascade matched, the frontal did not

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.left, self.top, self.left + self.width, self.top + self.height

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


class FaceProblem(StrEnum):
    # In the order of what to fix first: FaceReport.message speaks of the first.
    NONE = "none"
    SEVERAL = "several"
    CUT_OFF = "cut_off"
    SMALL = "small"
    TURNED = "turned"
    TILTED = "tilted"


@dataclass(frozen=True)
class FaceReport:
    width: int
    height: int
    faces: tuple[Face, ...]  # largest first
    problems: tuple[FaceProblem, ...]  # most important first

    @property
    def main_face(self) -> Face | None:
        return self.faces[0] if self.faces else None

    def message(self) -> str:
        """What to tell the person about the first problem, with what to do; "" when fine."""
        if not self.problems:
            return ""
        return _MESSAGES[self.problems[0]](self)


def _tilted_message(report: FaceReport) -> str:
    tilt = abs(report.faces[0].tilt_degrees or 0.0)
    return (
        f"The head is tilted by about {tilt:.0f}°, which Kling animates poorly. Choose a photo "
        "where the head is upright, or straighten this one first."
    )


_MESSAGES = {
    FaceProblem.NONE: lambda report: (
        "We could not find a face in this photo. Kling needs a clear, front-facing face; "
        "choose another photo, or send this one anyway if it shows a drawn or animal face."
    ),
    FaceProblem.SEVERAL: lambda report: (
        f"This photo shows {len(report.faces)} faces. Choose the one to animate; we will crop "
        "the photo around it."
    ),
    FaceProblem.CUT_OFF: lambda report: (
        "The face reaches the edge of this photo, so part of the head is cut off. Choose a "
        "photo with some space all around the head."
    ),
    FaceProblem.SMALL: lambda report: (
        "The face is small in this photo, so the video would show little of it. Use the "
        "suggested crop around the face, or choose a closer photo."
    ),
    FaceProblem.TURNED: lambda report: (
        "The face seems turned away from the camera. Kling needs a face looking at the "
        "camera; choose a photo taken from the front."
    ),
    FaceProblem.TILTED: _tilted_message,
}


def find_faces(image: Image.Image) -> FaceReport:
    """The faces in an upright photo (EXIF orientation already applied) and what is wrong."""
    width, height = image.size
    frame = _DetectionFrame.of(image)
    faces = _detected_faces(frame)
    return FaceReport(width, height, faces, _problems(faces, width, height))


@dataclass(frozen=True)
class _DetectionFrame:
    """The grey copy the cascades look at, with the way back to the photo's pixels."""

    grey: np.ndarray
    scale: float  # copy pixels per photo pixel
    border: float  # copy pixels of flat grey on each side

    @classmethod
    def of(cls, image: Image.Image) -> _DetectionFrame:
        width, height = image.size
        scale = DETECT_SIDE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        # Grey first: a third of the values to resample. The reducing gap shrinks by a whole
        # factor first (a cheap box average), then resamples what is left.
        small = image.convert("L").resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        # Not equalised, as OpenCV's samples do: the cascades normalise each window's contrast
        # already, and a wide plain wall or sky would take most grey levels from the face.
        grey = np.asarray(small)
        border = round(DETECT_SIDE * BORDER_SHARE)
        framed = cv2.copyMakeBorder(
            grey, border, border, border, border, cv2.BORDER_CONSTANT, value=BORDER_GREY
        )
        return cls(framed, scale, border)

    def halved(self) -> _DetectionFrame:
        grey = cv2.resize(self.grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        return _DetectionFrame(grey, self.scale / 2, self.border / 2)

    def to_photo(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.border) / self.scale, (y - self.border) / self.scale


@dataclass(frozen=True)
class _Search:
    """One way of looking: which cascade, on the copy turned by how much, mirrored or not."""

    cascade: str
    tilt: float = 0.0  # the counter-clockwise roll of the faces this search finds
    mirrored: bool = False


UPRIGHT = _Search(FRONTAL)
# Last resorts, each run only when everything before it found nothing, and on the half-size
# copy only: a tilted or turned face too small for it is too small to animate well anyway.
_FALLBACKS = (
    tuple(_Search(FRONTAL, tilt=tilt) for tilt in SEARCH_TILTS),
    (_Search(PROFILE), _Search(PROFILE, mirrored=True)),
)


def _detected_faces(frame: _DetectionFrame) -> tuple[Face, ...]:
    coarse = frame.halved()
    faces = _upright_faces(frame, coarse)
    for stage in _FALLBACKS:
        if faces:
            break
        faces = [face for search in stage for face in _look(coarse, search)]
    return _foreground(_distinct(faces)) if faces else ()


def _upright_faces(frame: _DetectionFrame, coarse: _DetectionFrame) -> list[Face]:
    """Large faces from the half-size copy, at a quarter of the cost; the full copy is searched
    for the faces too small for that only when one of them could still count beside the largest.
    """
    # A face the half-size copy shows under SURE_FACE_PX is looked for in the full copy anyway.
    faces = _look(coarse, UPRIGHT, smallest=SURE_FACE_PX)
    surely_found = SURE_FACE_PX / coarse.scale  # in the photo's pixels
    widest = max((face.width for face in faces), default=0)
    if faces and widest * BACKGROUND_SHARE >= surely_found:
        return faces
    largest = math.ceil(surely_found * frame.scale * SCALE_STEP)
    # Nor is one smaller than _foreground keeps beside the widest (a step under, for the
    # cascade's rounding of sizes).
    smallest = max(SMALLEST_FACE_PX, int(widest * BACKGROUND_SHARE * frame.scale / SCALE_STEP))
    return faces + _look(frame, UPRIGHT, smallest=smallest, largest=largest)


class _Cascades(threading.local):
    """This thread's classifiers, each loaded from the wheel's file the first time it is used."""

    def __init__(self) -> None:
        self.loaded: dict[str, cv2.CascadeClassifier] = {}

    def get(self, name: str) -> cv2.CascadeClassifier:
        if name not in self.loaded:
            classifier = cv2.CascadeClassifier(str(CASCADE_FOLDER / name))
            if classifier.empty():
                raise RuntimeError(f"OpenCV's {name} did not load: is opencv-python 4.x there?")
            self.loaded[name] = classifier
        return self.loaded[name]


_cascades = _Cascades()


def _look(
    frame: _DetectionFrame, search: _Search, smallest: int = WINDOW_PX, largest: int = 0
) -> list[Face]:
    """The faces this search finds in the copy, ``smallest`` to ``largest`` pixels wide in it."""
    view, to_frame = _view(frame.grey, search)
    boxes, hits = _cascades.get(search.cascade).detectMultiScale2(
        view,
        scaleFactor=SCALE_STEP,
        minNeighbors=MIN_NEIGHBOURS,
        minSize=(smallest, smallest),
        maxSize=(largest, largest),  # (0, 0): no limit
    )
    faces = []
    for (x, y, w, h), score in zip(boxes, hits, strict=True):
        centre = to_frame(x + w / 2, y + h / 2)
        left, top = frame.to_photo(centre[0] - w / 2, centre[1] - h / 2)
        faces.append(
            Face(
                left=round(left),
                top=round(top),
                width=round(w / frame.scale),
                height=round(h / frame.scale),
                score=float(score),
                tilt_degrees=_tilt(view, (x, y, w, h), search),
                turned=search.cascade == PROFILE,
            )
        )
    return faces


Point = tuple[float, float]


def _view(grey: np.ndarray, search: _Search) -> tuple[np.ndarray, Callable[[float, float], Point]]:
    """The copy as this search sees it, and the way from a point in it back to the copy."""
    height, width = grey.shape
    if search.mirrored:
        return cv2.flip(grey, 1), lambda x, y: (width - x, y)
    if not search.tilt:
        return grey, lambda x, y: (x, y)
    # Turning the copy clockwise by the tilt stands a face rolled that way upright.
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -search.tilt, 1.0)
    back = cv2.invertAffineTransform(turn)
    view = cv2.warpAffine(grey, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return view, lambda x, y: tuple(back @ np.array([x, y, 1.0]))


def _tilt(view: np.ndarray, box: tuple[int, int, int, int], search: _Search) -> float | None:
    """The face's roll in the photo from its eye line; the search's own tilt without eyes."""
    if search.cascade != FRONTAL:
        return None  # a profile shows one eye
    eye_line = _eye_line(view, box)
    if eye_line is None:
        return search.tilt or None
    # Angles in pixel rows grow clockwise as seen; the view was turned clockwise by the tilt.
    return round(search.tilt - eye_line, 1)


def _eye_line(view: np.ndarray, box: tuple[int, int, int, int]) -> float | None:
    """The clockwise angle from the left eye to the right one as the view shows them."""
    x, y, w, h = box
    region = view[y : y + round(h * EYE_REGION_HEIGHT), x : x + w]
    zoom = max(1.0, EYE_SEARCH_FACE_PX / w)
    if zoom > 1:
        region = cv2.resize(region, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    eyes, hits = _cascades.get(EYE).detectMultiScale2(
        region, scaleFactor=SCALE_STEP, minNeighbors=EYE_NEIGHBOURS
    )
    middle = w * zoom / 2
    left = _surest([(e, n) for e, n in zip(eyes, hits, strict=True) if _centre_x(e) < middle])
    right = _surest([(e, n) for e, n in zip(eyes, hits, strict=True) if _centre_x(e) >= middle])
    if left is None or right is None:
        return None
    dx = _centre_x(right) - _centre_x(left)
    dy = (right[1] + right[3] / 2) - (left[1] + left[3] / 2)
    angle = math.degrees(math.atan2(dy, dx))
    return angle if abs(angle) <= MAX_EYE_LINE_IN_VIEW else None


def _centre_x(box: np.ndarray) -> float:
    return box[0] + box[2] / 2


def _surest(candidates: list[tuple[np.ndarray, int]]) -> np.ndarray | None:
    """The box with the most overlapping hits, if any."""
    return max(candidates, key=lambda pair: pair[1])[0] if candidates else None


def _distinct(faces: list[Face]) -> list[Face]:
    """One face for each place: where two searches found the same face, the surer one."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda face: face.score, reverse=True):
        if not any(_overlap(face, other) for other in kept):
            kept.append(face)
    return kept


def _overlap(one: Face, other: Face) -> bool:
    return _inside(one.centre, other) or _inside(other.centre, one)


def _inside(point: tuple[float, float], face: Face) -> bool:
    left, top, right, bottom = face.box
    return left <= point[0] <= right and top <= point[1] <= bottom


def _foreground(faces: list[Face]) -> tuple[Face, ...]:
    """Largest first, without the faces far smaller than the largest."""
    ordered = sorted(faces, key=lambda face: face.width * face.height, reverse=True)
    widest = ordered[0].width
    return tuple(face for face in ordered if face.width >= widest * BACKGROUND_SHARE)


def _problems(faces: tuple[Face, ...], width: int, height: int) -> tuple[FaceProblem, ...]:
    if not faces:
        return (FaceProblem.NONE,)
    main = faces[0]
    found = {
        FaceProblem.SEVERAL: len(faces) > 1,
        FaceProblem.CUT_OFF: _is_cut_off(main, width, height),
        FaceProblem.SMALL: main.width < max(SMALL_PX, SMALL_SHARE * min(width, height)),
        FaceProblem.TURNED: main.turned,
        FaceProblem.TILTED: abs(main.tilt_degrees or 0.0) > MAX_TILT,
    }
    return tuple(problem for problem in FaceProblem if found.get(problem))


def _is_cut_off(face: Face, width: int, height: int) -> bool:
    margin_x, margin_y = face.width * EDGE_MARGIN, face.height * EDGE_MARGIN
    left, top, right, bottom = face.box
    return (
        left - margin_x < 0
        or top - margin_y < 0
        or right + margin_x > width
        or bottom + margin_y > height
    )


def crop_around(
    face: Face, width: int, height: int, aspect: float | None = None, *, min_side: int = 0
) -> tuple[int, int, int, int]:
    """A head-and-shoulders box (left, top, right, bottom) around the face, inside the photo.

    With ``aspect`` (width / height) the box has that shape, rounded towards square by at most
    a pixel, so an aspect at a limit of Kling's range stays inside it. With ``min_side`` (say
    Kling's 300 px) it grows until its shorter side is that long, as far as the photo allows.
    The box grows to take the shape and shrinks only to fit the photo; the face sits in its
    upper part.
    """
    crop_width = face.width * CROP_WIDTH_IN_FACES
    crop_height = face.height * CROP_HEIGHT_IN_FACES
    if aspect:
        crop_width, crop_height = _grown_to(crop_width, crop_height, aspect)
    growth = max(1.0, min_side / min(crop_width, crop_height))
    crop_width, crop_height = crop_width * growth, crop_height * growth
    fit = min(1.0, width / crop_width, height / crop_height)
    crop_width, crop_height = _whole_pixels(crop_width * fit, crop_height * fit, width, height)
    centre_x, centre_y = face.centre
    left = _placed(centre_x - crop_width / 2, crop_width, width)
    top = _placed(centre_y - crop_height * CROP_FACE_CENTRE_DOWN, crop_height, height)
    return left, top, left + crop_width, top + crop_height


def _grown_to(width: float, height: float, aspect: float) -> tuple[float, float]:
    if width / height < aspect:
        return height * aspect, height
    return width, width / aspect


def _whole_pixels(width: float, height: float, limit_x: int, limit_y: int) -> tuple[int, int]:
    """Whole pixels: the short side rounded, the long one rounded down from it, never less
    square than asked."""
    ratio = width / height
    if ratio >= 1:
        short = max(1, min(limit_y, round(height)))
        return max(1, min(limit_x, math.floor(short * ratio))), short
    short = max(1, min(limit_x, round(width)))
    return short, max(1, min(limit_y, math.floor(short / ratio)))


def _placed(start: float, length: int, limit: int) -> int:
    return max(0, min(limit - length, round(start)))
