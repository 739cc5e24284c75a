"""Team voices: speech made by Kling's TTS from a typed script, and browser recordings.

Both are checked against the provider's rules (2 to 60 seconds) before any video is asked for,
and stored in the team's storage so the team can use them again.
"""

from __future__ import annotations

import io
import logging
import tempfile
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from avatarstudio.accounts.models import Team
from avatarstudio.kling.errors import InvalidRequest, KlingError, ProviderUnreachable
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.types import Speech, SpeechRequest
from avatarstudio.kling.voices import TtsVoice
from avatarstudio.media.convert import recording_to_m4a
from avatarstudio.media.fetch import Incomplete, TooLarge, UnsafeURL, provider_hosts, stream_to
from avatarstudio.media.probe import AudioInfo, MediaError
from avatarstudio.media.validation import check_audio
from avatarstudio.studio import provider
from avatarstudio.studio.models import Voice, VoiceKind

logger = logging.getLogger(__name__)

SPEECH_MAX_BYTES = 20 * 1024 * 1024  # a minute of TTS MP3 is well under 2 MB
UNUSED_VOICE_DAYS = 1


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


def _text_to_speech(team: Team, request: SpeechRequest) -> Speech:
    try:
        with provider.client_for_team(team) as client:
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


def speak(team: Team, user: Any, text: str, speaker: TtsVoice, speed: float) -> Voice:
    """Make speech of ``text``, store it, and keep its ``audio_id`` as a team voice."""
    limit = settings.TTS_PER_MEMBER_PER_HOUR
    if Voice.objects.spoken_for(user, timezone.now() - timedelta(hours=1)).count() >= limit:
        raise VoiceProblem(
            f"You have made {limit} speeches in the last hour, the most we allow. Try again a "
            "little later, or upload or record a voice instead."
        )
    voice = Voice(
        team=team,
        created_by=user,
        kind=VoiceKind.SCRIPT,
        text=text,
        tts_voice_id=speaker.voice_id,
        language=speaker.language,
        speed=speed,
    )
    speech = _text_to_speech(team, voice.speech_request())
    check_speech_length(speech.duration)
    voice.duration = speech.duration
    voice.audio_id, voice.audio_id_made_at = speech.audio_id, timezone.now()
    with tempfile.TemporaryFile() as download:
        try:
            stream_to(
                speech.url,
                download,
                max_bytes=SPEECH_MAX_BYTES,
                timeout=30,
                allowed_hosts=provider_hosts(),
                transport=provider.TRANSPORT,
            )
        except (httpx.HTTPError, Incomplete, TooLarge, UnsafeURL) as error:
            logger.warning("tts audio download failed: %s", type(error).__name__)
            raise VoiceProblem(
                "Kling made the speech but it could not be downloaded. Try again in a minute."
            ) from None
        download.seek(0)
        voice.audio.save("speech.mp3", File(download), save=False)
    voice.save()
    return voice


def renew_audio_id(voice: Voice, client: Any) -> None:
    """Give a script voice a new ``audio_id``: its old one is too old to send."""
    speech = client.text_to_speech(voice.speech_request())
    check_speech_length(speech.duration)
    voice.audio_id, voice.audio_id_made_at = speech.audio_id, timezone.now()
    voice.duration = speech.duration
    voice.save(update_fields=["audio_id", "audio_id_made_at", "duration"])
    logger.info("voice %s: made a new audio_id, the old one was near 30 days", voice.pk)


def convert_recording(upload: Any) -> tuple[bytes, AudioInfo]:
    """A browser recording as M4A, checked like an uploaded voice; raises VoiceProblem."""
    try:
        upload.seek(0)
        converted = recording_to_m4a(upload)
    except MediaError:
        raise VoiceProblem(
            "We could not read this recording. Record it again, or upload an audio file."
        ) from None
    try:
        info = check_audio(io.BytesIO(converted), len(converted), provider_limits())
    except ValidationError as error:
        raise VoiceProblem(" ".join(error.messages)) from None
    return converted, info


def keep_recording(team: Team, user: Any, converted: bytes, info: AudioInfo) -> Voice:
    voice = Voice(
        team=team, created_by=user, kind=VoiceKind.RECORDING, duration=round(info.duration, 2)
    )
    voice.audio.save("recording.m4a", ContentFile(converted), save=False)
    voice.save()
    return voice


def forget_unused_voices(now: Any = None) -> int:
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
