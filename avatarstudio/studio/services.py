"""What the studio does for people: start a video, try one again, speak a script, keep a
recording, and forget the voices nobody used.

Views call these once their form is valid. Here files are stored, rows written, the provider's
paid text-to-speech called and the worker woken; a problem found on the way is raised as
``InputProblem`` (naming the form field to show it on) or ``quotas.QuotaExceeded``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import tempfile
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from avatarstudio.accounts.models import Team
from avatarstudio.avatars.models import (
    Avatar,
    Consent,
    digest_of,
    record_consent,
    withdrawn_consent_of,
)
from avatarstudio.avatars.services import KnownPhoto
from avatarstudio.core import paths
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.voices import TtsVoice
from avatarstudio.media.fetch import TooLarge, TooSlow, UnsafeURL, fetch_bytes
from avatarstudio.media.preflight import PhotoCheck, PhotoChoices, check_photo_file
from avatarstudio.media.repairs import Repair
from avatarstudio.media.split import join_speech, parts_needed
from avatarstudio.media.validation import DURATION_SLACK
from avatarstudio.media.voice_repair import RepairedVoice
from avatarstudio.studio import cards, ledger, quotas
from avatarstudio.studio.models import (
    Generation,
    LedgerEntry,
    Status,
    Voice,
    VoiceKind,
    VoiceSource,
)
from avatarstudio.studio.pipeline import parts, speech
from avatarstudio.studio.pipeline.tasks import wake_up

logger = logging.getLogger(__name__)

UNUSED_VOICE_DAYS = 1
NO_CONSENT = "This avatar has no consent on record. Save it again with the person's consent."


class InputProblem(Exception):
    """An input the form accepted cannot be used; ``field`` is where to say so."""

    def __init__(self, field: str, message: str, code: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


# Starting a video.


def start_from_form(team: Team, user: Any, data: dict[str, Any]) -> Generation:
    """The create page's submit: fetch a photo given by address, make or reuse the voice, and
    start the generation. ``data`` is ``GenerationForm.cleaned_data``.

    A team that can start nothing (no key it may spend, a limit used up) is told before any
    fetch or paid speech. A face from a bare upload records its consent when the team
    requires it; a saved avatar's face comes with its own."""
    if refused := quotas.refusal(team, user):
        raise quotas.QuotaExceeded(refused)
    avatar = data.get("avatar")
    face = avatar_face(avatar) if avatar else _uploaded_face(team, data)
    voice = _voice_arguments(team, user, data)
    repairs = face.pop("repairs") + voice.pop("repairs", [])
    given = face.pop("given", None)  # the uploaded photo's bytes, as the member gave them
    consent = None  # recorded here, for this video, once everything else is ready
    if avatar is None and team.require_consent:
        face["consent"] = consent = _consent_for(team, user, data, face["photo"], given)
    try:
        generation = start_generation(
            team=team,
            user=user,
            submission_token=data["submission_token"],
            mode=data["mode"],
            prompt=data["prompt"],
            repairs=repairs,
            **face,
            **voice,
        )
    except BaseException:
        if consent is not None:
            _forget_consent(consent)  # nothing was made under it
        raise
    if consent is not None:
        if generation.consent_id == consent.pk:
            consent.write_to_audit_log()
        else:  # a form sent twice: its first submit made the video, with its own consent
            _forget_consent(consent)
    return generation


def avatar_face(avatar: Avatar) -> dict[str, Any]:
    """What ``start_generation`` takes from a saved avatar: its face as it is sent, with the
    original and what was repaired, and the consent it stands under."""
    if avatar.consent is None:
        raise InputProblem("", NO_CONSENT)
    if (withdrawn := avatar.withdrawn_consent()) is not None:
        raise InputProblem("", withdrawn.withdrawn_message)
    return {
        "photo": avatar.photo.open("rb"),
        "photo_extension": avatar.photo.name.rsplit(".", 1)[-1],
        "photo_original": avatar.photo_original.open("rb") if avatar.photo_original else None,
        "repairs": list(avatar.repairs),
        "avatar": avatar,
        "consent": avatar.consent,
    }


def _uploaded_face(team: Team, data: dict[str, Any]) -> dict[str, Any]:
    """An uploaded (or fetched) face as it is sent, with its original's bytes."""
    if data.get("photo_url"):
        original, checked = fetch_photo(data["photo_url"], data["photo_choices"])
        original.seek(0)
        if withdrawn := withdrawn_consent_of(team, original.read(), checked.sent.content):
            raise InputProblem("photo_url", withdrawn.withdrawn_message)
    else:
        original, checked = data["photo"], data["photo_check"]
    original.seek(0)
    given = original.read()
    photo = _originals("photo", original, checked.sent.repairs)
    return {
        "photo": ContentFile(checked.sent.content),
        "photo_extension": checked.sent.extension,
        "photo_original": photo.get("photo_original"),
        "repairs": photo.get("repairs", []),
        "consent": None,
        "given": given,
    }


def _consent_for(
    team: Team, user: Any, data: dict[str, Any], photo: File, given: bytes | None
) -> Consent:
    """The consent the member confirmed for an uploaded face (its audit entry is written
    once the video exists)."""
    photo.seek(0)
    sent = photo.read()
    photo.seek(0)
    return record_consent(
        team,
        user,
        data["consent_statement"],
        photo=sent,
        original=given,
        document=data.get("consent_document"),
        audit=False,
    )


def _forget_consent(consent: Consent) -> None:
    if consent.document:
        consent.document.delete(save=False)
    consent.delete()


def fetch_photo(url: str, choices: PhotoChoices) -> tuple[File, PhotoCheck]:
    """The photo at a public web address, checked and repaired like an upload.

    The download gets ``PHOTO_FETCH_DEADLINE_SECONDS`` in all, so a slow server cannot hold
    the web thread that waits for it."""
    limits = provider_limits()
    try:
        content = fetch_bytes(url, max_bytes=limits.image_max_bytes)
    except TooLarge:
        raise InputProblem(
            "photo_url", "The photo at this address is larger than 10 MB. Use a smaller one."
        ) from None
    except UnsafeURL as error:
        raise InputProblem(
            "photo_url", f"We cannot fetch this address: {error}. Use a public web address."
        ) from None
    except TooSlow as error:
        raise InputProblem(
            "photo_url",
            f"The photo at this address took too long to download (more than "
            f"{error.seconds:g} seconds). Download it to your computer and upload it here "
            "instead.",
        ) from None
    except Exception:
        raise InputProblem(
            "photo_url",
            "We could not download a photo from this address. Check that it opens in your "
            "browser, or download the photo and upload it instead.",
        ) from None
    try:
        checked = check_photo_file(io.BytesIO(content), len(content), limits, choices)
    except ValidationError as error:
        raise InputProblem("photo_url", " ".join(error.messages), error.code or "") from None
    original = ContentFile(content, name=f"photo.{checked.sent.extension}")
    return original, checked


def _voice_arguments(team: Team, user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """How the chosen voice reaches ``start_generation``: the upload or audio ID as given, a
    new recording kept as a team voice, a script spoken (once) or a recent voice reused."""
    source = data["voice_source"]
    if source == VoiceSource.AVATAR:
        return avatar_voice(data["avatar"])
    if source == VoiceSource.RECORD:
        voice = keep_recording(team, user, data["voice"])
        return {
            "audio": voice.audio.open("rb"),
            "audio_extension": voice.audio.name.rsplit(".", 1)[-1],
            "audio_seconds": voice.duration,
            "voice": voice,
            **_originals("voice", data["recording"], data["voice"].repairs),
        }
    if source == VoiceSource.SCRIPT:
        voice = data.get("preview")
        if voice is None:
            try:
                voice = speak(team, user, data["script"], data["speaker"], data["speed"])
            except speech.VoiceProblem as problem:
                raise InputProblem("script", str(problem)) from None
            # Shown again if the start is refused (a limit), so a resubmit reuses it.
            data["preview"] = voice
    elif source == VoiceSource.RECENT:
        voice = data["recent_voice"]
    elif data.get("audio"):
        sent = data["voice"]
        return {
            "audio": ContentFile(sent.content),
            "audio_extension": sent.extension,
            "audio_seconds": sent.duration,
            **_originals("voice", data["audio"], sent.repairs),
        }
    else:
        return {"audio_id": data.get("audio_id", "")}
    return kept_voice(voice)


def avatar_voice(avatar: Avatar) -> dict[str, Any]:
    """How an avatar's own recording reaches ``start_generation``."""
    return {
        "audio": avatar.voice_sample.open("rb"),
        "audio_extension": avatar.voice_sample.name.rsplit(".", 1)[-1],
        "audio_seconds": avatar.voice_sample_seconds,
    }


def kept_voice(voice: Voice) -> dict[str, Any]:
    """How a team voice reaches ``start_generation``: by its Kling ``audio_id`` while that is
    fresh, else as its file."""
    if voice.kind == VoiceKind.RECORDING or not voice.audio_id or voice.video_parts:
        # a long video is sent its voice's file, in parts
        return {
            "audio": voice.audio.open("rb"),
            "audio_extension": voice.audio.name.rsplit(".", 1)[-1],
            "audio_seconds": voice.duration,
            "voice": voice,
        }
    return {"audio_id": voice.audio_id, "audio_seconds": voice.duration, "voice": voice}


def _originals(kind: str, original: Any, repairs: tuple[Repair, ...]) -> dict[str, Any]:
    """What ``start_generation`` keeps beside a repaired input: the original, and what was
    changed in it; nothing when it is sent as it came."""
    if not repairs:
        return {}
    original.seek(0)
    return {
        f"{kind}_original": original,
        "repairs": [{"of": kind, "code": r.code, "sentence": r.sentence} for r in repairs],
    }


def start_generation(
    *,
    team: Team,
    user: Any,
    submission_token: uuid.UUID,
    mode: str,
    prompt: str,
    photo: File,
    photo_extension: str,
    audio: File | None = None,
    audio_extension: str = "",
    audio_seconds: float | None = None,
    audio_id: str = "",
    voice: Voice | None = None,
    photo_original: File | None = None,
    voice_original: File | None = None,
    repairs: list[dict[str, str]] | None = None,
    title: str = "",
    avatar: Avatar | None = None,
    consent: Consent | None = None,
) -> Generation:
    """Store the inputs, create the queued row and wake the worker once it is committed.

    The same submission token (a double click, a resubmitted form) gives back the generation
    it already made. The job's worst case is reserved in the credit ledger in the same
    transaction; raises ``quotas.QuotaExceeded`` when that would overrun a monthly limit.
    """
    existing = Generation.objects.filter(team=team, submission_token=submission_token).first()
    if existing is not None:
        return existing
    generation = Generation(
        team=team,
        created_by=user,
        submission_token=submission_token,
        mode=mode,
        prompt=prompt,
        audio_id=audio_id,
        audio_seconds=audio_seconds,
        voice=voice,
        parts_planned=long_video_parts(audio_seconds),
        title=title[:200],
        avatar=avatar,
        consent=consent,
    )
    generation.repairs = repairs or []
    photo.seek(0)
    generation.face_digest = digest_of(photo.read())
    photo.seek(0)
    generation.photo.save(f"photo.{photo_extension}", photo, save=False)
    if audio is not None:
        generation.audio.save(f"voice.{audio_extension}", audio, save=False)
    for field, original in (
        (generation.photo_original, photo_original),
        (generation.audio_original, voice_original),
    ):
        if original is not None:
            field.save(f"original-{_safe_name(original)}", original, save=False)
    try:
        with transaction.atomic():
            # The team row's lock makes concurrent submits take turns at the quota check
            # (PostgreSQL; SQLite's write transactions already run one at a time here).
            locked = Team.objects.select_for_update().get(pk=team.pk)
            quotas.ensure_room(locked, user, ledger.worst_case_seconds(audio_seconds))
            generation.save(force_insert=True)
            ledger.reserve(generation)
            if voice is not None:
                Voice.objects.filter(pk=voice.pk).update(last_used_at=timezone.now())
    except IntegrityError:
        generation.delete_input_files()
        return Generation.objects.get(team=team, submission_token=submission_token)
    except quotas.QuotaExceeded:
        generation.delete_input_files()
        raise
    wake_up(generation)
    return generation


def long_video_parts(audio_seconds: float | None) -> int:
    """How many parts a voice this long is made in; 0 when it fits one provider task."""
    maximum = provider_limits().audio_max_seconds
    if not audio_seconds or audio_seconds <= maximum + DURATION_SLACK:
        return 0
    return parts_needed(audio_seconds, maximum)


def _safe_name(upload: Any) -> str:
    """The original's name for storage: its extension only."""
    return "file." + paths.safe_extension(getattr(upload, "name", "") or "")


class FaceNotAllowed(Exception):
    """The face's consent was withdrawn: nothing new is made from it."""


def ensure_face_allowed(generation: Generation) -> None:
    if (withdrawn := generation.withdrawn_consent()) is not None:
        raise FaceNotAllowed(withdrawn.withdrawn_message)


def try_again(generation: Generation, user: Any) -> Generation:
    """A new generation with copies of the same inputs (and under the same consent)."""
    ensure_face_allowed(generation)
    copy = start_generation(
        team=generation.team,
        user=user,
        submission_token=uuid.uuid4(),
        mode=generation.mode,
        prompt=generation.prompt,
        photo=default_storage.open(generation.photo.name),
        photo_extension=generation.photo.name.rsplit(".", 1)[-1],
        audio=default_storage.open(generation.audio.name) if generation.audio else None,
        audio_extension=generation.audio.name.rsplit(".", 1)[-1] if generation.audio else "",
        audio_seconds=generation.audio_seconds,
        audio_id=generation.audio_id,
        voice=generation.voice,
        title=generation.title,
        avatar=generation.avatar,
        consent=generation.consent,
    )
    Generation.objects.filter(pk=copy.pk).update(retry_of=generation)
    _hand_batch_row_to(generation, copy)
    return copy


def _hand_batch_row_to(generation: Generation, copy: Generation) -> None:
    """A batch row's video tried again by hand: the row follows the new video, so "Retry
    failed rows" does not make it a third time (the batch app's relation, by its name)."""
    try:
        row = generation.batch_row
    except ObjectDoesNotExist:
        return
    row.generation = copy
    row.save(update_fields=["generation"])


def try_failed_parts_again(video: Generation, user: Any) -> Generation:
    """A failed long video goes on: its failed parts (and those never sent) are made again,
    alone; the parts already made are kept. The whole video is reserved again, within the
    limits, before anything is sent."""
    ensure_face_allowed(video)
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=video.team_id)
        entry = LedgerEntry.objects.filter(generation=video).first()
        counted = entry.counted_seconds if entry else 0.0
        total = ledger.worst_case_seconds(video.audio_seconds)
        quotas.ensure_room(locked, user, max(0.0, total - counted))
        woken = Generation.objects.filter(pk=video.pk, status=Status.FAILED).update(
            status=Status.PROCESSING,
            failure_message="",
            failure_code="",
            failure_fixable_by="",
            retry_helps=False,
            finished_at=None,
            submitted_at=timezone.now(),  # its timeout counts from here
            next_step_at=timezone.now() + timedelta(seconds=parts.GATHER_EVERY_SECONDS),
            lease_until=None,
        )
        if not woken:
            return video
        cards.refresh_on_commit(video.pk)
        ledger.reopen(video, total)
        for part in video.parts.current_parts().filter(status=Status.FAILED):
            parts.replace_part(part)
    video.refresh_from_db()
    wake_up(video)
    return video


# Saving a video's face as an avatar.


def known_photo_of(generation: Generation) -> KnownPhoto:
    """A video's face as "Save as avatar" keeps it: as sent, its original, what was repaired,
    and the consent it was made under. Raises FaceNotAllowed when a consent of this face
    was withdrawn."""
    with generation.photo.open("rb") as handle:
        content = handle.read()
    original = None
    if generation.photo_original:
        with generation.photo_original.open("rb") as handle:
            original = handle.read()
    if (withdrawn := withdrawn_consent_of(generation.team, content, original or b"")) or (
        withdrawn := generation.withdrawn_consent()
    ):
        raise FaceNotAllowed(withdrawn.withdrawn_message)
    consent = generation.consent if generation.consent_id else None
    return KnownPhoto(
        content=content,
        extension=generation.photo.name.rsplit(".", 1)[-1],
        original=original,
        original_extension=generation.photo_original.name.rsplit(".", 1)[-1] if original else "",
        repairs=[repair for repair in generation.repairs if repair.get("of") == "photo"],
        consent=consent,
    )


def avatar_defaults_of(generation: Generation) -> dict[str, Any]:
    """The new avatar's defaults, from the video: its prompt, mode and script voice."""
    defaults: dict[str, Any] = {"prompt": generation.prompt, "mode": generation.mode}
    voice = generation.voice
    if voice is not None and voice.kind == VoiceKind.SCRIPT:
        defaults |= {"tts_voice": f"{voice.language}:{voice.tts_voice_id}", "speed": voice.speed}
    return defaults


# Voices.


def speak(
    team: Team, user: Any, text: str, speaker: TtsVoice, speed: float, *, capped: bool = True
) -> Voice:
    """Make speech of ``text`` with Kling's TTS, store it, and keep it as a team voice.

    Raises ``speech.VoiceProblem`` with what to change, or when an hourly cap on TTS calls
    is reached (when ``capped``: a batch's speech is counted, not capped, since the whole
    batch was allowed when it started).
    """
    voice = Voice(
        team=team,
        created_by=user,
        kind=VoiceKind.SCRIPT,
        text=text,
        tts_voice_id=speaker.voice_id,
        language=speaker.language,
        speed=speed,
    )
    most = provider_limits().tts_text_max_chars
    pieces = speech.script_pieces(text, most)
    if len(pieces) > 1:
        _speak_in_pieces(team, user, voice, pieces, capped=capped)
        voice.save()
        return voice
    made = speech.text_to_speech(team, voice.speech_request(), user=user, capped=capped)
    speech.check_speech_length(made.duration, settings.LONG_VIDEO_MAX_SECONDS)
    voice.duration = made.duration
    voice.audio_id, voice.audio_id_made_at = made.audio_id, timezone.now()
    with tempfile.TemporaryFile() as download:
        speech.download_speech(made, download)
        download.seek(0)
        voice.audio.save("speech.mp3", File(download), save=False)
    voice.save()
    return voice


def _speak_in_pieces(
    team: Team, user: Any, voice: Voice, pieces: list[str], *, capped: bool = True
) -> None:
    """A script longer than one TTS call: each piece spoken with the same voice and speed,
    the speech joined into one file. It has no single ``audio_id``: the video is sent the
    file, in parts."""
    request = voice.speech_request()
    with contextlib.ExitStack() as files:
        downloads = []
        for piece in pieces:
            piece_request = dataclasses.replace(request, text=piece)
            made = speech.text_to_speech(team, piece_request, user=user, capped=capped)
            downloads.append(files.enter_context(tempfile.TemporaryFile()))
            speech.download_speech(made, downloads[-1])
            downloads[-1].seek(0)
        content, seconds = join_speech(downloads)
    speech.check_speech_length(seconds, settings.LONG_VIDEO_MAX_SECONDS)
    voice.duration = round(seconds, 3)
    voice.audio.save("speech.m4a", ContentFile(content), save=False)


def keep_recording(team: Team, user: Any, sent: RepairedVoice) -> Voice:
    """Keep a browser recording (already converted, repaired and checked by the form) as a
    team voice."""
    voice = Voice(
        team=team, created_by=user, kind=VoiceKind.RECORDING, duration=round(sent.duration, 2)
    )
    voice.audio.save(f"recording.{sent.extension}", ContentFile(sent.content), save=False)
    voice.save()
    return voice


def forget_unused_voices(now: datetime | None = None) -> int:
    """Delete, with their audio, voices that were previewed or recorded but never made into a
    video within a day: the team's recent voices are the ones it used."""
    cutoff = (now or timezone.now()) - timedelta(days=UNUSED_VOICE_DAYS)
    unused = list(Voice.objects.never_used_before(cutoff))
    for voice in unused:
        voice.audio.delete(save=False)
        voice.delete()
    if unused:
        logger.info("forgot %d unused voices", len(unused))
    return len(unused)
