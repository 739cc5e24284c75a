"""Kling's text-to-speech as the studio uses it, and the rule on a speech's length.

Speech is checked against the provider's rules (2 to 60 seconds, or up to
``LONG_VIDEO_MAX_SECONDS`` for a long video) before any video is asked for. A script longer
than TTS takes in one call (1,000 characters) is spoken in pieces cut at sentence ends
(``script_pieces``), with the same voice and speed, and the pieces' speech is joined.
``services.speak`` makes a team voice with these; the submit step renews an old
``audio_id`` with ``renew_audio_id``.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import IO, Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from avatarstudio.accounts.keys import client_for_team
from avatarstudio.accounts.models import Team
from avatarstudio.kling.errors import InvalidRequest, KlingError, ProviderUnreachable
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.types import Speech, SpeechRequest
from avatarstudio.media.fetch import Incomplete, TooLarge, UnsafeURL
from avatarstudio.studio.models import SpeechCall, Voice
from avatarstudio.studio.pipeline.provider import download_result

logger = logging.getLogger(__name__)

SPEECH_MAX_BYTES = 20 * 1024 * 1024  # a minute of TTS MP3 is well under 2 MB


class VoiceProblem(Exception):
    """The voice cannot be used; the message tells the person what to change."""


def check_speech_length(seconds: float, longest: float | None = None) -> None:
    """A script's speech fits one video, or with ``longest`` (seconds) a long video."""
    limits = provider_limits()
    most = longest or limits.audio_max_seconds
    if seconds < limits.audio_min_seconds:
        raise VoiceProblem(
            f"This script makes only {seconds:.1f} s of speech; Kling needs at least "
            f"{limits.audio_min_seconds:g} seconds. Write a little more, or choose a slower speed."
        )
    if seconds > most:
        raise VoiceProblem(
            f"This script makes {seconds:.1f} s of speech; we make videos of at most "
            f"{_minutes(most)}. Shorten it, or choose a faster speed."
        )


def _minutes(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’)]*\s*|\n\s*\n\s*")
PHRASE_END = re.compile(r"[,;:，；：、]\s*|\s+")


def script_pieces(text: str, most: int) -> list[str]:
    """The script cut at sentence ends into pieces of at most ``most`` characters, each as
    full as it can be; a sentence longer than that is cut at its last comma or space
    within the limit (or, with neither, at the limit). Joined, they are the script."""
    sentences = _spans(text, SENTENCE_END)
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        for chunk in _within(sentence, most):
            if current and len(current) + len(chunk) > most:
                pieces.append(current)
                current = ""
            current += chunk
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _spans(text: str, ends: re.Pattern[str]) -> list[str]:
    spans, start = [], 0
    for end in ends.finditer(text):
        if end.end() > start:
            spans.append(text[start : end.end()])
            start = end.end()
    if start < len(text):
        spans.append(text[start:])
    return spans


def _within(sentence: str, most: int) -> list[str]:
    """The sentence in chunks of at most ``most`` characters, cut at phrase ends."""
    chunks = []
    while len(sentence) > most:
        cuts = [m.end() for m in PHRASE_END.finditer(sentence, 0, most) if 0 < m.end() <= most]
        cut = cuts[-1] if cuts else most
        chunks.append(sentence[:cut])
        sentence = sentence[cut:]
    return [*chunks, sentence] if sentence else chunks


def ensure_speech_allowed(team: Team, user: Any) -> None:
    """Raise VoiceProblem when the member or the team has made the most TTS calls an hour
    allows: every call is paid, whether or not its speech was kept."""
    since = timezone.now() - timedelta(hours=1)
    calls = SpeechCall.objects.since(since)
    member_limit, team_limit = settings.TTS_PER_MEMBER_PER_HOUR, settings.TTS_PER_TEAM_PER_HOUR
    if calls.by_member(user).count() >= member_limit:
        raise VoiceProblem(
            f"You have made {_speeches(member_limit)} in the last hour, the most we allow. Try "
            "again a little later, or upload or record a voice instead."
        )
    if calls.by_team(team).count() >= team_limit:
        raise VoiceProblem(
            f"Your team has made {_speeches(team_limit)} in the last hour, the most we allow. "
            "Try again a little later, or upload or record a voice instead."
        )


def _speeches(count: int) -> str:
    return f"{count} speech" if count == 1 else f"{count} speeches"


def record_call(team: Team, user: Any, request: SpeechRequest, *, capped: bool = True) -> None:
    """Count a TTS call before it goes out (one whose answer is lost was still paid for),
    within the hourly caps when ``capped``: the team row's lock makes concurrent previews
    take turns, so none slips past a cap. The worker's renewal of a queued job's old
    ``audio_id`` is counted but not capped: the job was allowed when it was submitted."""
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        if capped:
            ensure_speech_allowed(team, user)
        SpeechCall.objects.create(
            team=team,
            member=user if getattr(user, "pk", None) else None,
            characters=len(request.text),
        )


def text_to_speech(
    team: Team, request: SpeechRequest, *, user: Any = None, capped: bool = True
) -> Speech:
    """One TTS call with the team's key, counted for ``user`` and the team (within the hourly
    caps when ``capped``); a refusal becomes a VoiceProblem to show."""
    try:
        with client_for_team(team) as client:
            record_call(team, user, request, capped=capped)
            return client.text_to_speech(request)
    except InvalidRequest as error:
        logger.warning("tts refused for voice %s: %s", request.voice_id, error.code)
        if error.field in ("voice_id", "voice_language") or "voice" in error.message.lower():
            raise VoiceProblem(
                "This voice is not available at the moment. Choose another voice."
            ) from None
        raise VoiceProblem(f"Kling could not read this script: {error.message}") from None
    except ProviderUnreachable:
        raise VoiceProblem(
            "Kling's text-to-speech could not be reached just now. Try again in a minute."
        ) from None
    except KlingError as error:
        raise VoiceProblem(error.message) from None


def download_speech(speech: Speech, destination: IO[bytes]) -> None:
    try:
        download_result(speech.url, destination, max_bytes=SPEECH_MAX_BYTES)
    except (httpx.HTTPError, Incomplete, TooLarge, UnsafeURL) as error:
        logger.warning("tts audio download failed: %s", type(error).__name__)
        raise VoiceProblem(
            "Kling made the speech but it could not be downloaded. Try again in a minute."
        ) from None


def renew_audio_id(voice: Voice, client: Any, user: Any = None) -> None:
    """Give a script voice a new ``audio_id``: its old one is too old to send."""
    request = voice.speech_request()
    record_call(voice.team, user, request, capped=False)
    speech = client.text_to_speech(request)
    check_speech_length(speech.duration)
    voice.audio_id, voice.audio_id_made_at = speech.audio_id, timezone.now()
    voice.duration = speech.duration
    voice.save(update_fields=["audio_id", "audio_id_made_at", "duration"])
    logger.info("voice %s: made a new audio_id, the old one was near 30 days", voice.pk)
