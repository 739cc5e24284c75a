"""Kling's text-to-speech as the studio uses it, and the rule on a speech's length.

Speech is checked against the provider's rules (2 to 60 seconds) before any video is asked
for. ``services.speak`` makes a team voice with these; the submit step renews an old
``audio_id`` with ``renew_audio_id``.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import httpx
from django.utils import timezone

from avatarstudio.accounts.keys import client_for_team
from avatarstudio.accounts.models import Team
from avatarstudio.kling.errors import InvalidRequest, KlingError, ProviderUnreachable
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.types import Speech, SpeechRequest
from avatarstudio.media.fetch import Incomplete, TooLarge, UnsafeURL
from avatarstudio.studio.models import Voice
from avatarstudio.studio.pipeline.provider import download_result

logger = logging.getLogger(__name__)

SPEECH_MAX_BYTES = 20 * 1024 * 1024  # a minute of TTS MP3 is well under 2 MB


class VoiceProblem(Exception):
    """The voice cannot be used; the message tells the person what to change."""


def check_speech_length(seconds: float) -> None:
    limits = provider_limits()
    if seconds < limits.audio_min_seconds:
        raise VoiceProblem(
            f"This script makes only {seconds:.1f} s of speech; Kling needs at least "
            f"{limits.audio_min_seconds:g} seconds. Write a little more, or choose a slower speed."
        )
    if seconds > limits.audio_max_seconds:
        raise VoiceProblem(
            f"This script makes {seconds:.1f} s of speech; Kling accepts at most "
            f"{limits.audio_max_seconds:g} seconds. Shorten it, or choose a faster speed."
        )


def text_to_speech(team: Team, request: SpeechRequest) -> Speech:
    """One TTS call with the team's key; a refusal becomes a VoiceProblem to show."""
    try:
        with client_for_team(team) as client:
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


def renew_audio_id(voice: Voice, client: Any) -> None:
    """Give a script voice a new ``audio_id``: its old one is too old to send."""
    speech = client.text_to_speech(voice.speech_request())
    check_speech_length(speech.duration)
    voice.audio_id, voice.audio_id_made_at = speech.audio_id, timezone.now()
    voice.duration = speech.duration
    voice.save(update_fields=["audio_id", "audio_id_made_at", "duration"])
    logger.info("voice %s: made a new audio_id, the old one was near 30 days", voice.pk)
