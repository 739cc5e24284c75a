"""A batch's step, in the worker: start the next waiting rows while fewer than the provider's
concurrency run, and finish the batch when every row is made or failed.

Like a generation's step it claims its row with a short lease and is safe to run twice: a row
starts its video under its own submission token, so a crash after the video was created but
before the row was saved finds the same video again, never a second one; a script already
spoken is found again among the team's voices, not spoken twice.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from avatarstudio.accounts.models import Membership
from avatarstudio.batches.models import Batch, BatchRow
from avatarstudio.studio import quotas, services
from avatarstudio.studio.models import Voice
from avatarstudio.studio.pipeline.speech import VoiceProblem

logger = logging.getLogger(__name__)

STEP_EVERY = timedelta(seconds=5)
LEASE = timedelta(minutes=5)  # a step may speak a few scripts


def rows_at_once() -> int:
    """How many of a batch's videos run at once: by default one fewer than the key's
    concurrency, so a colleague's single video does not wait behind a whole batch."""
    return max(1, settings.BATCH_ROWS_AT_ONCE or settings.KLING_MAX_CONCURRENT - 1)


def run_due_step(batch_id: str, now: datetime | None = None) -> tuple[str, datetime | None]:
    """Run the batch's step when it is due; the outcome, and when to wake it next."""
    now = now or timezone.now()
    batch = Batch.objects.claim(batch_id, now, LEASE)
    if batch is None:
        return "not due", None
    started = start_rows(batch)
    progress = batch.progress()
    ours = Batch.objects.filter(pk=batch.pk, lease_until=batch.lease_until)  # not retried since
    done = progress.waiting == 0 and progress.making == 0
    if done and ours.update(finished_at=timezone.now(), next_step_at=None, lease_until=None):
        logger.info("batch %s finished: %d ready", batch.pk, progress.ready)
        return "finished", None
    next_step_at = timezone.now() + STEP_EVERY
    Batch.objects.filter(pk=batch.pk).update(next_step_at=next_step_at, lease_until=None)
    return f"started {started}", next_step_at


def start_rows(batch: Batch) -> int:
    if not Membership.objects.filter(team=batch.team_id, user=batch.created_by_id).exists():
        # Its videos are made in its maker's name, within their limits: not once they left.
        batch.rows.waiting().update(problem=MAKER_LEFT)
        return 0
    room = rows_at_once() - batch.rows.making().count()
    if room <= 0:
        return 0
    waiting = batch.rows.waiting().select_related("avatar__consent")[:room]
    return sum(1 for row in list(waiting) if start_row(batch, row))


MAKER_LEFT = (
    "The member who started this batch is no longer in the team. “Retry failed rows” makes "
    "the rest in your name."
)
UNEXPECTED = (
    "Something went wrong while starting this video; we have logged it. Retry the row, and "
    "tell your admin if it happens again."
)


def start_row(batch: Batch, row: BatchRow) -> bool:
    """Start the row's video; why it could not start is kept on the row to show (and
    "Retry failed rows" starts it again), so one row never holds the others up."""
    try:
        generation = _start_video(batch, row)
    except (services.InputProblem, quotas.QuotaExceeded, VoiceProblem) as problem:
        row.problem = str(problem)
    except Exception:
        logger.exception("batch %s: row %d could not start", batch.pk, row.number)
        row.problem = UNEXPECTED
    else:
        row.generation, row.started_at = generation, timezone.now()
        row.save(update_fields=["generation", "started_at"])
        return True
    row.save(update_fields=["problem"])
    return False


def _start_video(batch: Batch, row: BatchRow) -> Any:
    avatar = row.avatar
    if avatar is None:
        raise services.InputProblem("avatar", "Its avatar was deleted: choose another one.")
    # Before any paid speech: a row the limits cannot hold is refused as it would be anyway.
    quotas.ensure_room(batch.team, batch.created_by, row.estimated_seconds)
    with contextlib.ExitStack() as files:
        face = services.avatar_face(avatar)
        voice = _voice_of(batch, row)
        for opened in (face.get("photo"), face.get("photo_original"), voice.get("audio")):
            if opened is not None:
                files.callback(opened.close)
        repairs = face.pop("repairs")
        return services.start_generation(
            team=batch.team,
            user=batch.created_by,
            submission_token=row.submission_token,
            mode=row.mode,
            prompt=row.prompt,
            title=row.title,
            repairs=repairs,
            **face,
            **voice,
        )


def _voice_of(batch: Batch, row: BatchRow) -> dict[str, Any]:
    if row.audio:
        return {
            "audio": row.audio.open("rb"),
            "audio_extension": row.audio.name.rsplit(".", 1)[-1],
            "audio_seconds": row.audio_seconds,
        }
    if not row.script:
        return services.avatar_voice(row.avatar)
    speaker = row.speaker
    if speaker is None:
        raise services.InputProblem("voice", "Its Kling voice is no longer offered.")
    voice = Voice.objects.for_team(batch.team).speaking(
        row.script, speaker, row.speed
    ).first() or services.speak(
        batch.team, batch.created_by, row.script, speaker, row.speed, capped=False
    )
    return services.kept_voice(voice)
