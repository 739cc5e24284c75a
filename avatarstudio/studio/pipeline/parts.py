"""A long video's own steps: split its voice into parts, follow the parts, join them.

A voice longer than the provider takes is made as a long video: one Generation (the one
people see, with the whole voice and the one credit reservation) and its parts, each a
Generation of its own that runs the ordinary steps (``steps.submit``, ``poll``, ``save``)
with its own ``external_task_id``, so every guarantee of a plain video holds per part. Its
steps, like every step, are safe to run twice:

- split (queued): cut the voice at its pauses (``media.split``), store each slice under a
  name made from the part's number, and create every part row in one transaction; a second
  run finds the parts and only wakes them.
- gather (processing): look at the parts. A failed part is tried again alone (a new row for
  the same slice, the old one ``replaced``) when retrying helps and Kling cannot have charged
  for the failed try, up to ``PART_AUTO_RETRIES`` times; otherwise the video fails with that
  part's reason and the card offers to try the missing parts again. Once every part is ready,
  the video goes on to the join. A part that ends wakes its video at once; the video also
  looks every ``GATHER_EVERY_SECONDS``.
- join (saving): the parts' videos laid end to end under the whole voice
  (``media.join``), checked, with a poster, into one Clip; then the parts' files go.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import av
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from avatarstudio.accounts.keys import client_for_team
from avatarstudio.core import paths
from avatarstudio.kling.errors import FixableBy, KlingError
from avatarstudio.kling.limits import provider_limits
from avatarstudio.library.models import Clip
from avatarstudio.media.join import join_parts
from avatarstudio.media.probe import MediaError
from avatarstudio.media.split import split_voice
from avatarstudio.media.video import inspect_video, make_poster, transcode_to_mp4
from avatarstudio.studio import ledger
from avatarstudio.studio.models import Generation, Status
from avatarstudio.studio.pipeline import steps, tasks  # both import this module: names at call time

logger = logging.getLogger(__name__)

GATHER_EVERY_SECONDS = 10
PART_AUTO_RETRIES = 2
JOIN_DRIFT_WARNING_SECONDS = 0.1


# Split.


def split(video: Generation) -> str:
    if not video.parts.exists():
        _make_parts(video)
    now = timezone.now()
    if not video.parts.exists():  # once decoded, it fits one task after all: a plain video
        steps.schedule(video, 0, parts_planned=0)
        return "fits one task"
    for part in video.parts.current_parts().filter(status=Status.QUEUED):
        tasks.wake_up(part)
    steps.schedule(
        video,
        GATHER_EVERY_SECONDS,
        status=Status.PROCESSING,
        submitted_at=video.submitted_at or now,
        parts_planned=video.parts.current_parts().count(),
    )
    logger.info("long video %s: %d parts", video.pk, video.parts_planned)
    return "split"


def _make_parts(video: Generation) -> None:
    limits = provider_limits()
    with _local_copy(video.audio) as voice, voice.open("rb") as handle:
        pieces, _ = split_voice(handle, limits.audio_max_seconds, limits.audio_min_seconds)
    if len(pieces) < 2:
        return
    rows = []
    for piece in pieces:
        name = paths.part_name(video.team_id, video.pk, piece.number, "m4a")
        default_storage.delete(name)  # a split that crashed half way left it
        stored = default_storage.save(name, ContentFile(piece.content))
        rows.append(_part_of(video, piece.number, piece.start, stored, round(piece.duration, 3)))
    with transaction.atomic():
        Generation.objects.bulk_create(rows)


def _part_of(
    source: Generation, number: int | None, start: float | None, audio: str, seconds: float | None
) -> Generation:
    """A new, unsaved part row: the video's (or a part's) photo, prompt and mode, with this
    slice of the voice; its parent is ``source`` when ``source`` is the video."""
    return Generation(
        team_id=source.team_id,
        created_by_id=source.created_by_id,
        parent=None if source.parent_id else source,
        part_number=number,
        part_start=start,
        mode=source.mode,
        prompt=source.prompt,
        photo=source.photo.name,
        audio=audio,
        audio_seconds=seconds,
    )


@contextlib.contextmanager
def _local_copy(field) -> Iterator[Path]:
    """A stored file as a path on this machine (an S3 object is downloaded once)."""
    with tempfile.TemporaryDirectory(prefix="avatarstudio-") as folder:
        path = Path(folder) / Path(field.name).name
        with field.storage.open(field.name, "rb") as source, path.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield path


# Gather.


def gather(video: Generation) -> str:
    current = list(video.parts.current_parts())
    for part in current:
        if part.status != Status.FAILED:
            continue
        if _worth_trying_again(video, part):
            replace_part(part)
            continue
        return fail_video(video, part)
    if current and all(part.status == Status.READY for part in current):
        video.status = Status.SAVING
        video.lease_until = timezone.now() + steps.SAVE_LEASE
        if not video.save_step():
            return "deleted"
        return join(video)
    if _waited_too_long(video):
        return fail_video(video, None)
    steps.schedule(video, GATHER_EVERY_SECONDS)
    return "gathered"


def _worth_trying_again(video: Generation, part: Generation) -> bool:
    """Made again without asking: when retrying helps, Kling cannot have charged for the
    failed try, and it has not been tried too often."""
    tries = video.parts.filter(part_number=part.part_number).count()
    return (
        part.retry_helps and not ledger.may_have_been_charged(part) and tries <= PART_AUTO_RETRIES
    )


def _waited_too_long(video: Generation) -> bool:
    """A long video may take its parts' time, a few at a time: it gives up after the plain
    timeout for each round of parts the key's limit allows, counted from the split (or from
    the person's "make the missing parts again")."""
    rounds = -(-video.parts_planned // max(1, settings.KLING_MAX_CONCURRENT))
    limit = timedelta(seconds=settings.GENERATION_TIMEOUT_SECONDS * max(1, rounds))
    return timezone.now() - (video.submitted_at or video.created) > limit


def replace_part(part: Generation) -> Generation:
    """A new row for the same slice of the voice, to run alone; the failed one stays, replaced."""
    with transaction.atomic():
        Generation.objects.filter(pk=part.pk).update(replaced=True)
        again = _part_of(
            part, part.part_number, part.part_start, part.audio.name, part.audio_seconds
        )
        again.parent_id, again.retry_of = part.parent_id, part
        again.save(force_insert=True)
        tasks.wake_up(again)
    logger.info("long video %s: part %s tried again", part.parent_id, part.part_number)
    return again


def fail_video(video: Generation, part: Generation | None) -> str:
    """The video stops with this part's reason; parts not yet sent are not sent (a part
    whose create may have gone out stops at its own next step, ``stop_part``)."""
    now = timezone.now()
    stopped = video.parts.current_parts().filter(status=Status.QUEUED, create_sent_at=None)
    stopped = stopped.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    stopped.update(
        status=Status.FAILED,
        failure_message="Not sent: another part failed first.",
        failure_code="not_sent",
        retry_helps=True,
        next_step_at=None,
        finished_at=timezone.now(),
    )
    total = video.parts_planned
    if part is None:
        return steps.fail(
            video,
            "Kling took longer than we wait for this video's parts, so we stopped. "
            "Try the missing parts again.",
            code="timeout",
            fixable_by=FixableBy.NOBODY,
            retry_helps=True,
        )
    return steps.fail(
        video,
        f"Part {part.part_number} of {total} could not be made: {part.failure_message}",
        code="part_failed",
        fixable_by=FixableBy(part.failure_fixable_by or FixableBy.NOBODY),
        retry_helps=part.retry_helps,
    )


def stop_part(part: Generation) -> str:
    """Its video stopped: a part not yet at Kling is not sent. One whose create may have gone
    out is looked up first, and followed if Kling has it: that task is paid for anyway."""
    if part.create_sent_at is not None:
        try:
            with client_for_team(part.team, spending=False) as client:
                found = steps.find_existing(client, part)
        except KlingError as error:
            return steps.handle_provider_error(part, error)
        if found is not None:
            return steps.adopt(part, found)
    return steps.fail(
        part,
        "Not sent: another part failed first.",
        code="not_sent",
        fixable_by=FixableBy.NOBODY,
        retry_helps=True,
    )


def wake_video(part: Generation) -> None:
    """A part ended: its video looks at its parts now, not at its next round."""
    now = timezone.now()
    woken = (
        Generation.objects.filter(pk=part.parent_id, status=Status.PROCESSING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(next_step_at=now)
    )
    if woken:
        tasks.wake_up_at(str(part.parent_id), now)


# A part's save: its video is kept until the join.


def save_part(part: Generation) -> str:
    name = paths.part_name(part.team_id, part.parent_id, part.part_number, "mp4")
    with tempfile.TemporaryDirectory(prefix="avatarstudio-") as folder:
        download = Path(folder) / "part.mp4"
        outcome = steps.download_checked(part, download)
        if outcome is not None:
            return outcome
        default_storage.delete(name)
        with download.open("rb") as handle:
            default_storage.save(name, ContentFile(handle.read()))
    part.status = Status.READY
    part.finished_at = part.finished_at or timezone.now()
    part.next_step_at = None
    part.lease_until = None
    if part.save_step():
        wake_video(part)
    return "ready"


# Join.


def join(video: Generation) -> str:
    if Clip.objects.filter(generation=video).exists():
        return _finish(video)
    current = list(video.parts.current_parts())
    with tempfile.TemporaryDirectory(prefix="avatarstudio-") as folder:
        work = Path(folder)
        videos = []
        for part in current:
            name = paths.part_name(video.team_id, video.pk, part.part_number, "mp4")
            videos.append(work / f"part-{part.part_number}.mp4")
            with default_storage.open(name, "rb") as source, videos[-1].open("wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
        with _local_copy(video.audio) as voice:
            joined_path = work / "joined.mp4"
            try:
                joined = join_parts(
                    videos, [p.part_start or 0.0 for p in current], voice, joined_path
                )
                info = inspect_video(joined_path)
            except (MediaError, av.FFmpegError, ValueError, OSError) as error:
                logger.warning("long video %s: join failed: %s", video.pk, error)
                return steps.fail(
                    video,
                    "The parts were made but could not be joined into one video. Try again: "
                    "only the join is done again.",
                    code="join_failed",
                    fixable_by=FixableBy.NOBODY,
                    retry_helps=True,
                )
        drift = abs(joined.audio_seconds - (video.audio_seconds or joined.audio_seconds))
        if drift > JOIN_DRIFT_WARNING_SECONDS:
            logger.warning("long video %s: joined voice is %.3f s off", video.pk, drift)
        playable = joined_path
        if not info.browser_playable:
            playable = work / "playable.mp4"
            transcode_to_mp4(joined_path, playable)
            info = inspect_video(playable)
        poster = work / "poster.jpg"
        make_poster(playable, poster)
        steps.store_clip(video, playable, poster, info, playable.stat().st_size)
    logger.info(
        "long video %s: joined %d parts (%s)",
        video.pk,
        len(current),
        "copied" if joined.copied else "re-encoded",
    )
    return _finish(video)


def _finish(video: Generation) -> str:
    units = video.parts.filter(status=Status.READY).aggregate(total=Sum("provider_units"))
    if units["total"] is not None:
        ledger.record_units(video, units["total"])
    # A part made again after a try Kling may have charged (the person chose to): both count.
    charged_again = sum(
        part.audio_seconds or 0.0
        for part in video.parts.filter(replaced=True)
        if ledger.may_have_been_charged(part)
    )
    outcome = steps.finish(video, extra_seconds=charged_again)
    for part in video.parts.all():
        part.delete_input_files()
    for number in range(1, video.parts_planned + 1):
        default_storage.delete(paths.part_name(video.team_id, video.pk, number, "mp4"))
    return outcome


STEPS = {
    Status.QUEUED: split,
    Status.SUBMITTED: gather,
    Status.PROCESSING: gather,
    Status.SAVING: join,
}
