"""The face check's candidates, measured on real photos and on cases composed from them.

Run: .venv/bin/python bench/faces.py (two to three minutes on two busy cores)

Every candidate runs on this machine with its model inside a wheel: OpenCV's Haar cascades
(frontal "default" and "alt2", upright only), the LBP cascade inside scikit-image's wheel (a
test dependency here, never the app's), the app's ``find_faces`` (alt2 on a half-size copy and,
for small faces, the full one; the photo turned by ±30°; the profile cascade; the eyes for the
tilt) and, when it can be imported, MediaPipe's face detection (its legacy "solutions" models,
in the wheel up to 0.10.21; run this file with a Python that has it, from a throwaway venv).

A case passes when the candidate finds exactly the faces that are there, each found box and
true box holding the other's centre; for ``find_faces`` the problems must be the expected ones
too. Speed is the median wall time over interleaved rounds, from the decoded 12 MP photo to the
answer (the downscale included).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatarstudio.media import faces
from avatarstudio.media.faces import FaceProblem, find_faces
from tests import media_factory as photos

GOAL_MS = 100.0
ROUNDS = 7
NO_FACE_PHOTOS = (
    "rocket",
    "coffee",
    "chelsea",
    "coins",
    "page",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "brick",
    "grass",
    "gravel",
    "moon",
)

Box = tuple[int, int, int, int]  # left, top, right, bottom
Detector = Callable[[Image.Image], list[Box]]


@dataclass(frozen=True)
class Case:
    name: str
    photo: photos.FacePhoto
    problems: frozenset[FaceProblem] = frozenset()


def cases() -> list[Case]:
    face = photos
    return [
        Case("astronaut (real portrait)", face.portrait()),
        Case("cameraman (real, face turned)", face.cameraman(), frozenset({FaceProblem.TURNED})),
        Case("chelsea (real cat)", face.FacePhoto(face.real_photo("chelsea"), ()), _none()),
        Case("coffee (real, no face)", face.FacePhoto(face.real_photo("coffee"), ()), _none()),
        Case("rocket (real, no face)", face.FacePhoto(face.real_photo("rocket"), ()), _none()),
        Case("astronaut mirrored", face.mirrored_portrait()),
        Case("two astronauts side by side", face.portraits_side_by_side(2), _several()),
        Case("three astronauts side by side", face.portraits_side_by_side(3), _several()),
        Case("face 6 % of a 2000x1500 canvas", face.small_face(0.06), _small()),
        Case("face 3 % of a 2000x1500 canvas", face.small_face(0.03), _small()),
        Case("25 % of the face past the left edge", face.face_past_the_edge("left", 0.25), _cut()),
        Case("40 % of the face past the left edge", face.face_past_the_edge("left", 0.4), _cut()),
        Case("30 % of the face past the top edge", face.face_past_the_edge("top", 0.3), _cut()),
        Case("turned 20° (roll 16°)", face.tilted_portrait(20)),
        Case("turned 30° (roll 26°)", face.tilted_portrait(30), _tilted()),
        Case("turned -30° (roll -34°)", face.tilted_portrait(-30), _tilted()),
        Case("turned 45° (roll 41°)", face.tilted_portrait(45), _tilted()),
    ]


def _none() -> frozenset[FaceProblem]:
    return frozenset({FaceProblem.NONE})


def _several() -> frozenset[FaceProblem]:
    return frozenset({FaceProblem.SEVERAL})


def _small() -> frozenset[FaceProblem]:
    return frozenset({FaceProblem.SMALL})


def _cut() -> frozenset[FaceProblem]:
    return frozenset({FaceProblem.CUT_OFF})


def _tilted() -> frozenset[FaceProblem]:
    return frozenset({FaceProblem.TILTED})


def lfw_photos() -> tuple[list[photos.FacePhoto], list[photos.FacePhoto]]:
    """scikit-image's 100 real face crops and 100 patches of no face (25 px, greyscale),
    scaled up to 100 px on a 300 px grey canvas: recall and false faces on many people."""
    from skimage import data

    crops = data.lfw_subset()
    made = []
    for crop in crops:
        grey = Image.fromarray((crop * 255).astype(np.uint8)).resize((100, 100), Image.BICUBIC)
        canvas = Image.new("RGB", (300, 300), (128, 128, 128))
        canvas.paste(grey.convert("RGB"), (100, 100))
        made.append(canvas)
    with_faces = [photos.FacePhoto(image, ((100, 100, 100, 100),)) for image in made[:100]]
    without = [photos.FacePhoto(image, ()) for image in made[100:]]
    return with_faces, without


def detection_copy(image: Image.Image) -> tuple[np.ndarray, float, int]:
    """The same grey 640 px copy with a grey frame that the app detects on."""
    frame = faces._DetectionFrame.of(image)
    return frame.grey, frame.scale, int(frame.border)


def upright_cascade(classifier: cv2.CascadeClassifier) -> Detector:
    def detect(image: Image.Image) -> list[Box]:
        grey, scale, border = detection_copy(image)
        boxes, _ = classifier.detectMultiScale2(
            grey,
            scaleFactor=faces.SCALE_STEP,
            minNeighbors=faces.MIN_NEIGHBOURS,
            minSize=(faces.SMALLEST_FACE_PX, faces.SMALLEST_FACE_PX),
        )
        return [_to_photo(x - border, y - border, w, h, scale) for x, y, w, h in boxes]

    return detect


def _to_photo(x: float, y: float, w: float, h: float, scale: float) -> Box:
    return round(x / scale), round(y / scale), round((x + w) / scale), round((y + h) / scale)


def haar(name: str) -> Detector:
    return upright_cascade(cv2.CascadeClassifier(str(faces.CASCADE_FOLDER / name)))


def scikit_image_lbp() -> Detector:
    """scikit-image's copy of OpenCV's LBP cascade: it misspells one tag, which OpenCV's parser
    refuses, so it is read from memory with the tag mended."""
    from skimage import data

    text = (Path(data.__file__).parent / "lbpcascade_frontalface_opencv.xml").read_text()
    text = text.replace("featuhreParams", "featureParams")
    storage = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
    classifier = cv2.CascadeClassifier()
    if not classifier.read(storage.getFirstTopLevelNode()):
        raise RuntimeError("scikit-image's LBP cascade did not load")
    return upright_cascade(classifier)


def app_detector(image: Image.Image) -> list[Box]:
    return [face.box for face in find_faces(image).faces]


def mediapipe(model: int) -> Detector:
    import mediapipe as mp

    detector = mp.solutions.face_detection.FaceDetection(
        model_selection=model, min_detection_confidence=0.5
    )

    def detect(image: Image.Image) -> list[Box]:
        scale = faces.DETECT_SIDE / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        copy = np.asarray(image.resize(size, Image.BILINEAR, reducing_gap=2.0))
        found = detector.process(copy).detections or []
        boxes = []
        for detection in found:
            box = detection.location_data.relative_bounding_box
            left, top = box.xmin * image.width, box.ymin * image.height
            width, height = box.width * image.width, box.height * image.height
            boxes.append((round(left), round(top), round(left + width), round(top + height)))
        return boxes

    return detect


def candidates() -> dict[str, Detector]:
    found = {
        "Haar default": haar("haarcascade_frontalface_default.xml"),
        "Haar alt2": haar(faces.FRONTAL),
        "LBP (skimage)": scikit_image_lbp(),
        "find_faces": app_detector,
    }
    if importlib.util.find_spec("mediapipe"):
        found["MediaPipe short"] = mediapipe(0)
        found["MediaPipe full"] = mediapipe(1)
    return found


def case_cell(name: str, detect: Detector, case: Case) -> str:
    if name != "find_faces":
        boxes = detect(case.photo.image)
        return "yes" if case.photo.is_found_exactly(boxes) else f"no ({len(boxes)})"
    report = find_faces(case.photo.image)
    boxes = [face.box for face in report.faces]
    said = ", ".join(problem.value for problem in report.problems) or "fine"
    right = case.photo.is_found_exactly(boxes) and set(report.problems) == case.problems
    return f"{'yes' if right else 'no'}: {said}"


def twelve_megapixel_photos() -> dict[str, Image.Image]:
    portrait = photos.portrait_image()
    # Head and shoulders in 3:4, as a phone takes a portrait: the face is 24 % of the height.
    head_and_shoulders = portrait.crop((80, 0, 368, 384)).resize((3000, 4000), Image.BICUBIC)
    wide = Image.new("RGB", (4000, 3000), photos.BACKDROP)
    wide.paste(portrait.resize((3000, 3000), Image.BICUBIC), (500, 0))  # the face: 14 %
    no_face = photos.real_photo("coffee").resize((4000, 3000), Image.BICUBIC)
    return {
        "12 MP head and shoulders (ms)": head_and_shoulders,
        "12 MP, face 14 % of the width (ms)": wide,
        "12 MP, no face (ms)": no_face,
    }


def median_ms(detect: Detector, image: Image.Image, rounds: int = ROUNDS) -> float:
    detect(image)  # the cascades load on first use
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        detect(image)
        took.append(time.perf_counter() - started)
    return sorted(took)[len(took) // 2] * 1000


def table(rows: list[tuple[str, list[str]]], names: list[str]) -> str:
    lines = ["| case | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(lines)


def main() -> None:
    detectors = candidates()
    names = list(detectors)
    rows = []
    for case in cases():
        rows.append((case.name, [case_cell(name, detectors[name], case) for name in names]))
        print(f"{case.name}: done", file=sys.stderr, flush=True)
    no_face = [photos.FacePhoto(photos.real_photo(name), ()) for name in NO_FACE_PHOTOS]
    with_faces, without = lfw_photos()
    tallies = [
        ("LFW faces found, of 100", with_faces, True),
        ("LFW patches of no face with a face found, of 100", without, False),
        (f"real photos of no face with a face found, of {len(no_face)}", no_face, False),
    ]
    for label, group, count_right in tallies:
        cells = []
        for name in names:
            right = sum(p.is_found_exactly(detectors[name](p.image)) for p in group)
            cells.append(str(right if count_right else len(group) - right))
        rows.append((label, cells))
        print(f"{label}: done", file=sys.stderr, flush=True)
    big = twelve_megapixel_photos()
    timings = {
        label: [median_ms(detectors[n], photo) for n in names] for label, photo in big.items()
    }
    rows += [(label, [f"{ms:.0f}" for ms in values]) for label, values in timings.items()]
    print(table(rows, names))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{os.cpu_count()} cores, load average {load}, OpenCV {cv2.__version__}")
    took = timings["12 MP head and shoulders (ms)"][names.index("find_faces")]
    print(f"face check: {took:.0f} ms on a 12 MP photo (goal ≤ {GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    main()
