"""The photo's pre-flight: find the face, repair the photo around it, and say what will be
sent, before anything is paid for.

``check_photo_file`` runs the face check on a small upright copy (``faces.find_faces``; a photo
that will be re-encoded anyway is decoded once, for both), then
the repair (``photo_repair.repair_photo``) with the person's choices: which face when there
are several, whether to crop around a small or cut-off face, crop or pad an odd shape, send
the original as it is, or send a photo with no face found anyway. The create form runs it on
submit and the create page runs it as soon as a photo is chosen, so both say the same.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import BinaryIO

from django.core.exceptions import ValidationError
from PIL import Image

from avatarstudio.kling.limits import ProviderLimits
from avatarstudio.media.faces import Face, FaceProblem, FaceReport, crop_around, find_faces
from avatarstudio.media.photo_repair import (
    Fit,
    RepairedPhoto,
    as_it_came,
    decode_upright,
    repair_photo,
    sendable_as_is,
    thumbnail_of,
    upright_thumbnail,
)

PREVIEW_LONG_SIDE = 480
# Repairs after which the faces are somewhere else in the photo sent.
RESHAPING = ("cropped", "padded", "cropped_to_face")
# Problems a crop around the face answers.
CROP_HELPS = (FaceProblem.SEVERAL, FaceProblem.SMALL, FaceProblem.CUT_OFF)


@dataclass(frozen=True)
class PhotoChoices:
    face: int | None = None  # which face to keep, largest first, when there are several
    crop_to_face: bool = True  # crop around a small, cut-off or chosen face
    fit: Fit = Fit.CROP  # an odd shape: cropped, or padded
    use_original: bool = False  # send the file as it came, when it keeps every rule
    send_without_face: bool = False  # no face found, and the person sends it anyway


@dataclass(frozen=True)
class PhotoCheck:
    sent: RepairedPhoto
    report: FaceReport  # in the photo's own upright pixels
    chosen: Face | None
    crop: tuple[int, int, int, int] | None  # the crop around the face, if made
    preview: bytes  # a small JPEG of the photo as it will be sent
    preview_size: tuple[int, int]
    preview_faces: tuple[tuple[int, int, int, int], ...]  # the faces in the preview's pixels
    original_preview: bytes  # with several faces: the original, small, to choose one on
    original_size: tuple[int, int]
    original_faces: tuple[tuple[int, int, int, int], ...]  # in the original preview's pixels

    @property
    def reshaped(self) -> bool:
        """Its shape was outside the provider's range, so it was cropped or padded."""
        return any(repair.code in ("cropped", "padded") for repair in self.sent.repairs)

    @property
    def fit(self) -> str:
        return "pad" if any(r.code == "padded" for r in self.sent.repairs) else "crop"

    @property
    def chosen_index(self) -> int | None:
        return self.report.faces.index(self.chosen) if self.chosen in self.report.faces else None

    @property
    def preview_rects(self) -> list[dict[str, int]]:
        """The faces in the preview as SVG rectangles (x, y, width, height)."""
        return [_rect(box) for box in self.preview_faces]

    @property
    def original_rects(self) -> list[dict[str, int]]:
        return [_rect(box) for box in self.original_faces]

    @property
    def needs_a_face_choice(self) -> bool:
        return FaceProblem.SEVERAL in self.report.problems

    @property
    def has_no_face(self) -> bool:
        return FaceProblem.NONE in self.report.problems


def _rect(box: tuple[int, int, int, int]) -> dict[str, int]:
    return {"x": box[0], "y": box[1], "width": box[2] - box[0], "height": box[3] - box[1]}


class NoFaceFound(ValidationError):
    """No face was found and the person has not said to send the photo anyway."""


def check_photo_file(
    source: BinaryIO, size: int, limits: ProviderLimits, choices: PhotoChoices
) -> PhotoCheck:
    """The photo as it will be sent, with its faces; raises ValidationError (NoFaceFound for a
    photo without a face, unless ``choices.send_without_face``)."""
    decoded = None
    if sendable_as_is(source, size, limits):  # decode only what the face check needs
        thumbnail, full_size = upright_thumbnail(source, size, limits)
    else:  # it will be re-encoded: decode it once, for the face check and the repair
        decoded = decode_upright(source, size, limits)
        thumbnail, full_size = thumbnail_of(decoded), decoded.full_size
    small_report = find_faces(thumbnail)
    report = _in_full_size(small_report, thumbnail.size, full_size)
    chosen = _chosen_face(report, choices)
    crop = None
    if chosen is not None and choices.crop_to_face and set(CROP_HELPS) & set(report.problems):
        crop = crop_around(chosen, *full_size, min_side=limits.image_min_side)
        if crop == (0, 0, *full_size):
            crop = None  # the whole photo already is the crop
    source.seek(0)
    sent = repair_photo(
        source,
        size,
        limits,
        face_box=chosen.box if chosen else None,
        fit=choices.fit,
        crop_to=crop,
        decoded=decoded,
    )
    if choices.use_original and sent.repairs and sent.original_is_valid:
        sent = as_it_came(source, size, limits)
    check = _with_preview(sent, report, chosen, crop, thumbnail, small_report)
    if check.has_no_face and not choices.send_without_face:
        raise NoFaceFound(report.message(), code="no_face")
    return check


def _in_full_size(report: FaceReport, small: tuple[int, int], full: tuple[int, int]) -> FaceReport:
    scale = full[0] / small[0]
    faces = tuple(
        replace(
            face,
            left=round(face.left * scale),
            top=round(face.top * scale),
            width=round(face.width * scale),
            height=round(face.height * scale),
        )
        for face in report.faces
    )
    return replace(report, width=full[0], height=full[1], faces=faces)


def _chosen_face(report: FaceReport, choices: PhotoChoices) -> Face | None:
    if not report.faces:
        return None
    if choices.face is not None and 0 <= choices.face < len(report.faces):
        return report.faces[choices.face]
    return report.faces[0]


def _with_preview(
    sent: RepairedPhoto,
    report: FaceReport,
    chosen: Face | None,
    crop: tuple[int, int, int, int] | None,
    original: Image.Image,
    original_faces: FaceReport,
) -> PhotoCheck:
    """A small JPEG of what will be sent, with its face found again (the crops and pads it went
    through move it), and, when there were several faces, the original with each numbered."""
    with Image.open(io.BytesIO(sent.content)) as image:
        image.draft("RGB", (PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE))
        preview = image.convert("RGB")
    preview.thumbnail((PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE))
    if any(repair.code in RESHAPING for repair in sent.repairs):
        preview_faces = tuple(face.box for face in find_faces(preview).faces)
    else:  # the same picture, only smaller: no need to look for the faces again
        scale = preview.width / original.width
        preview_faces = tuple(
            tuple(round(edge * scale) for edge in face.box) for face in original_faces.faces
        )
    return PhotoCheck(
        sent=sent,
        report=report,
        chosen=chosen,
        crop=crop,
        preview=_jpeg(preview),
        preview_size=preview.size,
        preview_faces=preview_faces,
        original_preview=_jpeg(original) if len(report.faces) > 1 else b"",
        original_size=original.size,
        original_faces=tuple(face.box for face in original_faces.faces),
    )


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
