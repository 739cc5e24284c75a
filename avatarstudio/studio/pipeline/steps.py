"""The background steps of a generation: submit, poll, save (a long video's own steps, split,
gather and join, are in ``parts.py``; its parts run these).

``run_due_step`` (and ``advance``, which only says what happened) is the entry point. It
claims the row (a short lease, so two workers never run one step at once), runs the step its
status calls for, and records the new state with when the next step is due; the task that
called it (``tasks.advance_generation``) enqueues that wake-up. Every step is safe to run
twice, late, or after a crash:

- submit: the generation's UUID is the ``external_task_id``. Once a create call may have gone
  out, the next attempt first asks Kling for that id and adopts the task it finds, so a lost
  answer never makes a second (charged) task.
- poll: asking is free; the answer decides the next state.
- save: the clip is keyed by the generation (one-to-one), so a second save finds it and stops.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from avatarstudio.accounts.keys import client_for_team
from avatarstudio.accounts.models import Team
from avatarstudio.core import paths
from avatarstudio.core.logs import add_to_log_context, log_context
from avatarstudio.kling.errors import (
    ConcurrencyLimited,
    FixableBy,
    InvalidRequest,
    KlingError,
    NotFound,
    task_failure,
)
from avatarstudio.kling.types import AvatarRequest, AvatarTask, TaskStatus
from avatarstudio.library.models import Clip
from avatarstudio.media.fetch import Incomplete, TooLarge, UnsafeURL
from avatarstudio.media.probe import MediaError
from avatarstudio.media.video import inspect_video, make_poster, transcode_to_mp4
from avatarstudio.studio import ledger, quotas
from avatarstudio.studio.models import Generation, LedgerEntry, Status, VoiceKind
from avatarstudio.studio.pipeline import inputs, parts, poll_plan, provider
from avatarstudio.studio.pipeline.speech import VoiceProblem, renew_audio_id

logger = logging.getLogger(__name__)

SHORT_LEASE = timedelta(minutes=2)
SAVE_LEASE = timedelta(minutes=30)
MAX_BACKOFF_SECONDS = 300


NOT_DUE = "not due"


class StepCrashed(Exception):
    """A step failed unexpectedly; the row is kept, with a retry due at ``next_step_at``."""

    def __init__(self, next_step_at: datetime) -> None:
        super().__init__(f"the step crashed; it runs again at {next_step_at:%H:%M:%S}")
        self.next_step_at = next_step_at


def advance(generation_id: str, due_at: datetime | None = None) -> str:
    """Run the step that is due for this generation; return what happened, for logs and tests."""
    outcome, _ = run_due_step(generation_id, due_at)
    return outcome


def run_due_step(generation_id: str, due_at: datetime | None = None) -> tuple[str, datetime | None]:
    """Run the due step; return what happened and when the row wants waking next (or None).

    With ``due_at`` (what a wake-up carries), only the step due at that moment runs: a second
    wake-up for a step already done (a sweep's, a webhook's) ends here, so wake-ups never
    multiply into parallel chains, however far behind the queue is.
    """
    now = timezone.now()
    lease = SAVE_LEASE if _status_of(generation_id) == Status.SAVING else SHORT_LEASE
    generation = Generation.objects.claim(generation_id, now, lease, due_at)
    if generation is None:
        return NOT_DUE, None
    step = (parts.STEPS if generation.is_long else STEPS)[Status(generation.status)]
    ids = {
        "generation_id": generation.pk,
        "team_id": generation.team_id,
        "provider_task_id": generation.provider_task_id,
    }
    with log_context(**ids):
        logger.debug("generation %s: step %s begins", generation.pk, generation.status)
        try:
            return step(generation), generation.next_step_at
        except Exception as error:
            # An unexpected failure: keep the job, try again later; the sweep is the safety net.
            logger.exception("generation %s: step %s crashed", generation.pk, generation.status)
            schedule(generation, _backoff(generation.retries + 1))
            raise StepCrashed(generation.next_step_at) from error
        finally:
            logger.debug("generation %s: step ends", generation.pk)


def _status_of(generation_id: str) -> str | None:
    return Generation.objects.filter(pk=generation_id).values_list("status", flat=True).first()


# Scheduling.


def schedule(generation: Generation, delay_seconds: float, **changes: object) -> None:
    """Save ``changes`` and when the next step is due, and release the lease."""
    for name, value in changes.items():
        setattr(generation, name, value)
    generation.next_step_at = timezone.now() + timedelta(seconds=delay_seconds)
    generation.lease_until = None
    if not generation.save_step():
        logger.info("generation %s was deleted while its step ran", generation.pk)


def _backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempt - 1)))


def _poll_delay(generation: Generation, task: AvatarTask) -> float:
    """When to ask again: around when Kling is expected to finish (``poll_plan``)."""
    taken = task.created_at or generation.submitted_at or timezone.now()
    elapsed = max(0.0, (timezone.now() - taken).total_seconds())
    return poll_plan.delay_for(generation, elapsed)


def _timed_out(generation: Generation) -> bool:
    """Past the wait for one task: counted from when Kling took it, or else from the start
    (a part waiting its turn behind its video's other parts is not late)."""
    limit = timedelta(seconds=settings.GENERATION_TIMEOUT_SECONDS)
    started = generation.submitted_at or generation.created
    if generation.parent_id and generation.waiting_turn:
        return False  # its video's own limit covers the wait (parts.gather)
    return timezone.now() - started > limit


# Endings.


def fail(
    generation: Generation,
    message: str,
    *,
    code: str,
    fixable_by: FixableBy,
    retry_helps: bool,
) -> str:
    generation.status = Status.FAILED
    generation.failure_message = message
    generation.failure_code = code
    generation.failure_fixable_by = fixable_by
    generation.retry_helps = retry_helps
    generation.finished_at = timezone.now()
    generation.next_step_at = None
    generation.lease_until = None
    with transaction.atomic():
        if generation.save_step():
            ledger.close_failed(generation)
    logger.info("generation %s failed: %s (%s)", generation.pk, code, message)
    if generation.parent_id:
        parts.wake_video(generation)
    return "failed"


def handle_provider_error(generation: Generation, error: KlingError) -> str:
    """Retry what the contract calls retryable, with backoff and a limit; fail on the rest."""
    logger.warning(
        "generation %s: provider error %s code=%s request_id=%s",
        generation.pk,
        type(error).__name__,
        error.code,
        error.request_id or "-",
    )
    if isinstance(error, ConcurrencyLimited) and not _timed_out(generation):
        return wait_turn(generation)
    can_wait = not _timed_out(generation) and generation.retries < settings.GENERATION_RETRY_LIMIT
    if error.retryable and can_wait:
        schedule(generation, _backoff(generation.retries + 1), retries=generation.retries + 1)
        return "retry"
    if error.retryable:
        return fail(
            generation,
            "Kling kept failing to answer, so we stopped trying. Try again in a few minutes.",
            code=f"gave_up_{error.code or type(error).__name__}",
            fixable_by=FixableBy.NOBODY,
            retry_helps=True,
        )
    return fail(
        generation,
        error.message,
        code=str(error.code or type(error).__name__),
        fixable_by=error.fixable_by,
        retry_helps=False,
    )


# Submit.

WAIT_TURN_SECONDS = 5.0


def wait_turn(generation: Generation) -> str:
    """The key runs as many tasks as it may (``KLING_MAX_CONCURRENT``, or Kling said 1303):
    stay queued and look again shortly, without counting a retry."""
    schedule(generation, WAIT_TURN_SECONDS, waiting_turn=True)
    return "waiting"


def _video_goes_on(part: Generation) -> bool:
    return Generation.objects.active().filter(pk=part.parent_id).exists()


def _key_is_busy(generation: Generation) -> bool:
    running = Generation.objects.at_provider().on_key_of(generation.team)
    return running.count() >= settings.KLING_MAX_CONCURRENT


def submit(generation: Generation) -> str:
    if generation.parent_id and not _video_goes_on(generation):
        return parts.stop_part(generation)
    if generation.create_sent_at is None and generation.withdrawn_consent() is not None:
        return fail(
            generation,
            "Consent to use this face was withdrawn before this part was sent to Kling."
            if generation.parent_id
            else "Consent to use this face was withdrawn before the video was sent to Kling. "
            "Nothing was charged.",
            code="consent_withdrawn",
            fixable_by=FixableBy.USER,
            retry_helps=False,
        )
    # After a 1303 nothing was made, so the key's count is asked again before anything else.
    first_try = generation.create_sent_at is None or generation.waiting_turn
    if first_try and _key_is_busy(generation):
        return wait_turn(generation)
    try:
        client = client_for_team(generation.team)
    except KlingError as error:
        return handle_provider_error(generation, error)
    with client:
        try:
            if generation.create_sent_at is not None:
                found = find_existing(client, generation)
                if found is not None:
                    return adopt(generation, found)
            _use_a_fresh_audio_id(generation, client)
            _count_on_the_key_it_spends(generation)
            generation.create_sent_at = timezone.now()
            generation.create_calls += 1
            generation.save(update_fields=["create_sent_at", "create_calls"])
            task = client.create_avatar_task(build_request(generation))
        except InvalidRequest as error:
            if error.field == "external_task_id":  # it exists: our earlier call got through
                found = find_existing(client, generation)
                if found is not None:
                    return adopt(generation, found)
            return handle_provider_error(generation, error)
        except KlingError as error:
            return handle_provider_error(generation, error)
        except VoiceProblem as problem:
            return fail(
                generation,
                str(problem),
                code="tts_length",
                fixable_by=FixableBy.USER,
                retry_helps=False,
            )
        except quotas.QuotaExceeded as refusal:
            return fail(
                generation,
                str(refusal),
                code="server_key_limit",
                fixable_by=FixableBy.ADMIN,
                retry_helps=False,
            )
    return adopt(generation, task)


def _count_on_the_key_it_spends(generation: Generation) -> None:
    """The ledger counts a job on the key it is sent with: a team that removed its own key
    after queueing moves the job onto the server's, within that key's limit."""
    on_server_key = generation.team.uses_server_key
    paid_by = generation.parent if generation.parent_id else generation  # a part: its video
    entries = LedgerEntry.objects.filter(generation=paid_by).reserved()
    if not entries.exclude(on_server_key=on_server_key).exists():
        return
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=generation.team_id)
        entry = entries.get()
        if on_server_key:
            quotas.ensure_server_key_room(team, entry.reserved_seconds)
        entries.update(on_server_key=on_server_key)


def _use_a_fresh_audio_id(generation: Generation, client) -> None:
    """Never send an ``audio_id`` near or past its 30 days: ask TTS for a new one first."""
    voice = generation.voice
    if not generation.audio_id or voice is None or voice.kind != VoiceKind.SCRIPT:
        return
    if not voice.audio_id_is_fresh():
        renew_audio_id(voice, client, generation.created_by)
    if generation.audio_id != voice.audio_id:
        generation.audio_id = voice.audio_id
        generation.save(update_fields=["audio_id"])


def find_existing(client, generation: Generation) -> AvatarTask | None:
    try:
        return client.get_avatar_task(external_task_id=str(generation.pk))
    except NotFound:
        return None


def adopt(generation: Generation, task: AvatarTask) -> str:
    status = Status.PROCESSING if task.status is TaskStatus.PROCESSING else Status.SUBMITTED
    schedule(
        generation,
        _poll_delay(generation, task),
        provider_task_id=task.task_id,
        provider_status=task.status,
        status=status,
        submitted_at=generation.submitted_at or timezone.now(),
        retries=0,
        waiting_turn=False,
    )
    add_to_log_context(provider_task_id=task.task_id)
    logger.info("generation %s: provider task %s", generation.pk, task.task_id)
    return "submitted"


def build_request(generation: Generation) -> AvatarRequest:
    callback_url = ""
    if settings.PUBLIC_BASE_URL:
        callback_url = f"{settings.PUBLIC_BASE_URL}/hooks/kling/{generation.callback_token}/"
    return AvatarRequest(
        image=inputs.provider_form(generation.photo),
        sound_file=inputs.provider_form(generation.audio) if generation.audio else "",
        audio_id=generation.audio_id,
        prompt=generation.prompt or settings.KLING_DEFAULT_PROMPT,
        mode=generation.mode,
        external_task_id=str(generation.pk),
        callback_url=callback_url,
    )


# Poll.


def poll(generation: Generation) -> str:
    try:
        client = client_for_team(generation.team, spending=False)
    except KlingError as error:
        return handle_provider_error(generation, error)
    with client:
        try:
            task = client.get_avatar_task(generation.provider_task_id)
        except KlingError as error:
            return handle_provider_error(generation, error)
    generation.polls += 1
    generation.provider_status = task.status
    generation.retries = 0
    if task.status is TaskStatus.SUCCEED:
        if not task.videos:
            return fail(
                generation,
                "Kling finished but sent no video. Try again.",
                code="no_video",
                fixable_by=FixableBy.NOBODY,
                retry_helps=True,
            )
        ledger.record_provider_charge(generation, task.final_unit_deduction)
        generation.provider_units = ledger.units(task.final_unit_deduction)
        if task.created_at and task.updated_at:
            generation.provider_seconds = (task.updated_at - task.created_at).total_seconds()
            generation.provider_finished_at = task.updated_at
            poll_plan.learn(generation)
        generation.status = Status.SAVING
        generation.result_url = task.videos[0].url
        generation.lease_until = timezone.now() + SAVE_LEASE
        if not generation.save_step():
            return "deleted"
        return save(generation)
    if task.status is TaskStatus.FAILED:
        return fail_from_provider(generation, task.failure_reason)
    if _timed_out(generation):
        return fail(
            generation,
            "Kling took longer than we wait for a clip, so we stopped. Try again later.",
            code="timeout",
            fixable_by=FixableBy.NOBODY,
            retry_helps=True,
        )
    status = Status.PROCESSING if task.status is TaskStatus.PROCESSING else Status.SUBMITTED
    schedule(generation, _poll_delay(generation, task), status=status)
    return "polled"


def fail_from_provider(generation: Generation, reason: str) -> str:
    """The task failed at Kling: never retried by itself, since a new task is charged anew."""
    error = task_failure(reason)
    return fail(
        generation,
        error.message,
        code="provider_failed",
        fixable_by=error.fixable_by,
        retry_helps=error.fixable_by is FixableBy.NOBODY,
    )


# Save.


def save(generation: Generation) -> str:
    if generation.parent_id:
        return parts.save_part(generation)
    if Clip.objects.filter(generation=generation).exists():
        return finish(generation)
    with tempfile.TemporaryDirectory(prefix="avatarstudio-") as folder:
        work = Path(folder)
        download = work / "result.mp4"
        outcome = download_checked(generation, download)
        if outcome is not None:
            return outcome
        info = inspect_video(download)
        size = download.stat().st_size
        playable = download
        if not info.browser_playable:
            playable = work / "playable.mp4"
            transcode_to_mp4(download, playable)
            info = inspect_video(playable)
            size = playable.stat().st_size
        poster = work / "poster.jpg"
        make_poster(playable, poster)
        store_clip(generation, playable, poster, info, size)
    return finish(generation)


def download_checked(generation: Generation, download: Path) -> str | None:
    """Stream the finished video into ``download`` and check it is a video; None when it
    is, else what became of the step (a retry, or the failure)."""
    try:
        with download.open("wb") as out:
            provider.download_result(generation.result_url, out)
        inspect_video(download)
    except (httpx.HTTPError, Incomplete, MediaError, OSError) as error:
        return _retry_save(generation, type(error).__name__)
    except (TooLarge, UnsafeURL) as error:
        return fail(
            generation,
            f"The finished video could not be saved ({error}).",
            code="download_refused",
            fixable_by=FixableBy.ADMIN,
            retry_helps=False,
        )
    return None


def _retry_save(generation: Generation, reason: str) -> str:
    logger.warning("generation %s: saving failed (%s)", generation.pk, reason)
    if generation.retries >= settings.GENERATION_RETRY_LIMIT or _timed_out(generation):
        return fail(
            generation,
            "Kling made the video but we could not download it. Try again.",
            code="download_failed",
            fixable_by=FixableBy.NOBODY,
            retry_helps=True,
        )
    # Ask Kling again before the next try: a fresh answer may carry a fresh URL.
    schedule(
        generation,
        _backoff(generation.retries + 1),
        retries=generation.retries + 1,
        status=Status.PROCESSING,
    )
    return "retry"


def store_clip(generation: Generation, video: Path, poster: Path, info, size: int) -> Clip:
    clip = Clip(
        team=generation.team,
        title=clip_title(generation),
        duration=info.duration,
        size_bytes=size,
        width=info.width,
        height=info.height,
        mode=generation.mode,
        prompt=generation.prompt,
        created_by=generation.created_by,
        consent_id=generation.consent_id,
        review_state=Clip.first_review_state(generation.team),
    )
    # Deterministic names: a save that crashed half way overwrites its own leftovers.
    video_name = paths.clip_name(generation.team_id, generation.pk, "video.mp4")
    poster_name = paths.clip_name(generation.team_id, generation.pk, "poster.jpg")
    for name in (video_name, poster_name):
        if default_storage.exists(name):
            default_storage.delete(name)
    with video.open("rb") as handle:
        clip.video.name = default_storage.save(video_name, File(handle))
    with poster.open("rb") as handle:
        clip.poster.name = default_storage.save(poster_name, File(handle))
    with transaction.atomic():
        clip.generation = generation
        clip.save()
    return clip


def clip_title(generation: Generation) -> str:
    """The title it was given (a batch row's), else the prompt, else the words of a typed
    script, else the date: short enough for a tile."""
    if generation.title:
        return generation.title
    words = " ".join(generation.prompt.split())
    if not words and generation.voice_id and generation.voice.kind == VoiceKind.SCRIPT:
        words = " ".join(generation.voice.text.split())
    if words:
        return words if len(words) <= 60 else words[:57].rstrip() + "…"
    return f"Avatar clip {timezone.localtime(generation.created):%Y-%m-%d %H:%M}"


def finish(generation: Generation, extra_seconds: float = 0.0) -> str:
    """Ready: the clip's length is what it costs (and ``extra_seconds`` Kling charged for
    tasks that did not make it, such as a long video's part made again)."""
    generation.status = Status.READY
    generation.finished_at = generation.finished_at or timezone.now()
    generation.next_step_at = None
    generation.lease_until = None
    clip_seconds = Clip.objects.filter(generation=generation).values_list("duration", flat=True)
    with transaction.atomic():
        if generation.save_step():
            ledger.settle(generation, (clip_seconds.first() or 0.0) + extra_seconds)
    logger.info("generation %s: ready", generation.pk)
    return "ready"


STEPS = {
    Status.QUEUED: submit,
    Status.SUBMITTED: poll,
    Status.PROCESSING: poll,
    Status.SAVING: save,
}
