"""The create form: every provider rule checked here, before anything is stored or sent."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models

from avatarstudio.accounts.models import Team
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.voices import DEFAULT_VOICE, TtsVoice
from avatarstudio.media.fetch import TooLarge, UnsafeURL, fetch_bytes
from avatarstudio.media.probe import AudioInfo
from avatarstudio.media.validation import check_audio, check_photo
from avatarstudio.studio import speech
from avatarstudio.studio.models import Mode, Voice, VoiceKind

AUDIO_TYPES = "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/x-m4a,audio/aac,.mp3,.wav,.m4a,.aac"
AUDIO_ID = re.compile(r"^[A-Za-z0-9_\-]{6,128}$")
TTS_MAX_CHARS = 1000


class VoiceSource(models.TextChoices):
    UPLOAD = "upload", "Upload"
    RECORD = "record", "Record"
    SCRIPT = "script", "Script"
    RECENT = "recent", "Recent"


class ScriptFields(forms.Form):
    """A typed-script voice: what to say, which Kling voice says it, and how fast."""

    script = forms.CharField(
        label="What the avatar says",
        required=False,
        max_length=TTS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TTS_MAX_CHARS}),
        error_messages={
            "max_length": "The script is %(show_value)d characters; Kling's text-to-speech "
            "takes at most %(limit_value)d. Shorten it."
        },
    )
    tts_voice = forms.ChoiceField(
        label="Speaker",
        required=False,
        initial=DEFAULT_VOICE,
        error_messages={"invalid_choice": "Choose a voice from the list."},
    )
    speed = forms.FloatField(
        label="Speed",
        required=False,
        min_value=0.8,
        max_value=2.0,
        initial=1.0,
        error_messages={
            "min_value": "Choose a speed between 0.8 and 2.0.",
            "max_value": "Choose a speed between 0.8 and 2.0.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tts_voice"].choices = [
            (language, [(voice.key, voice.label) for voice in group])
            for language, group in tts_voices.by_language().items()
        ]

    def spoken(self, data: dict[str, Any]) -> tuple[str, TtsVoice, float] | None:
        """The text, the voice and the speed to speak with; None (and an error) if one is
        missing."""
        if any(name in self.errors for name in ("script", "tts_voice", "speed")):
            return None
        text = (data.get("script") or "").strip()
        speaker = tts_voices.by_key(data.get("tts_voice") or "")
        if not text:
            self.add_error("script", "Type what the avatar should say.")
        elif speaker is None:
            self.add_error("tts_voice", "Choose a voice for the script.")
        else:
            return text, speaker, round(data.get("speed") or 1.0, 2)
        return None


class ScriptForm(ScriptFields):
    """The Preview button: the script fields alone."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if spoken := self.spoken(data):
            data["script"], data["speaker"], data["speed"] = spoken
        return data


class GenerationForm(ScriptFields):
    photo = forms.FileField(
        label="Face photo",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    photo_url = forms.URLField(label="Photo URL", required=False, max_length=2000)
    audio = forms.FileField(
        label="Audio file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": AUDIO_TYPES}),
    )
    audio_id = forms.CharField(label="Kling audio ID", required=False, max_length=128)
    voice_source = forms.ChoiceField(
        label="Voice", choices=VoiceSource.choices, required=False, widget=forms.RadioSelect
    )
    recording = forms.FileField(label="Recording", required=False)
    script_voice = forms.UUIDField(required=False, widget=forms.HiddenInput)
    recent_voice = forms.ModelChoiceField(
        label="Recent voice",
        queryset=Voice.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "That voice is not one of this team's. Choose one from the list."
        },
    )
    prompt = forms.CharField(
        label="Prompt", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    mode = forms.ChoiceField(
        label="Mode", choices=Mode.choices, initial=Mode.STD, widget=forms.RadioSelect
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, team: Team, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team, self.user = team, user
        self.limits = provider_limits()
        self.fields["prompt"].widget.attrs["maxlength"] = self.limits.prompt_max_chars
        self.fields["recent_voice"].queryset = Voice.objects.for_team(team)
        self.voice: Voice | None = None  # the team voice chosen, made or recorded
        self.recording_m4a: bytes | None = None
        self.audio_info: AudioInfo | None = None

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if upload:
            self.photo_check = check_photo(upload, upload.size, self.limits)
        return upload

    def clean_audio(self) -> Any:
        upload = self.cleaned_data.get("audio")
        if upload:
            self.audio_info = check_audio(upload, upload.size, self.limits)
        return upload

    def clean_audio_id(self) -> str:
        audio_id = self.cleaned_data.get("audio_id", "").strip()
        if audio_id and not AUDIO_ID.match(audio_id):
            raise ValidationError(
                "This does not look like a Kling audio ID (letters, digits, - and _ only). "
                "Copy the ID again from where the voice was made.",
                code="audio_id",
            )
        return audio_id

    def clean_prompt(self) -> str:
        prompt = self.cleaned_data.get("prompt", "").strip()
        limit = self.limits.prompt_max_chars
        if len(prompt) > limit:
            raise ValidationError(
                f"The prompt is {len(prompt):,} characters; Kling accepts at most {limit:,}. "
                "Shorten it.",
                code="prompt_too_long",
            )
        return prompt

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_photo_source(data)
        self._clean_voice_source(data)
        return data

    def _clean_photo_source(self, data: dict[str, Any]) -> None:
        upload, url = data.get("photo"), data.get("photo_url")
        if "photo" in self.errors or "photo_url" in self.errors:
            return
        if upload and url:
            self.add_error("photo_url", "Use either an uploaded photo or a photo URL, not both.")
        elif not upload and not url:
            self.add_error("photo", "Choose a face photo, or paste the web address of one.")
        elif url:
            try:
                content = fetch_bytes(url, max_bytes=self.limits.image_max_bytes)
            except TooLarge:
                self.add_error(
                    "photo_url",
                    "The photo at this address is larger than 10 MB. Use a smaller one.",
                )
                return
            except UnsafeURL as error:
                self.add_error(
                    "photo_url", f"We cannot fetch this address: {error}. Use a public web address."
                )
                return
            except Exception:
                self.add_error(
                    "photo_url",
                    "We could not download a photo from this address. Check that it opens in "
                    "your browser, or download the photo and upload it instead.",
                )
                return
            try:
                self.photo_check = check_photo(io.BytesIO(content), len(content), self.limits)
            except ValidationError as error:
                self.add_error("photo_url", error)
                return
            data["photo"] = ContentFile(content)

    def _clean_voice_source(self, data: dict[str, Any]) -> None:
        source = data.get("voice_source") or VoiceSource.UPLOAD
        if source == VoiceSource.RECORD:
            self._clean_recording(data)
        elif source == VoiceSource.SCRIPT:
            self._clean_script(data)
        elif source == VoiceSource.RECENT:
            if data.get("recent_voice") is None and "recent_voice" not in self.errors:
                self.add_error("recent_voice", "Choose one of the team's recent voices.")
            self.voice = data.get("recent_voice")
        else:
            self._clean_upload(data)

    def _clean_recording(self, data: dict[str, Any]) -> None:
        upload = data.get("recording")
        if not upload:
            self.add_error("recording", "Record your voice first: press Record, speak, then Stop.")
            return
        try:
            self.recording_m4a, self.audio_info = speech.convert_recording(upload)
        except speech.VoiceProblem as problem:
            self.add_error("recording", str(problem))

    def _clean_script(self, data: dict[str, Any]) -> None:
        spoken = self.spoken(data)
        if spoken is None:
            return
        text, speaker, speed = spoken
        preview = self._matching_preview(data.get("script_voice"), text, speaker, speed)
        if preview is not None:
            self.voice = preview
            return
        try:
            self.voice = speech.speak(self.team, self.user, text, speaker, speed)
        except speech.VoiceProblem as problem:
            self.add_error("script", str(problem))

    def _matching_preview(self, pk: Any, text: str, speaker: Any, speed: float) -> Voice | None:
        """The voice the Preview button made, when the script has not changed since."""
        if pk is None:
            return None
        voices = Voice.objects.for_team(self.team).speaking(text, speaker, speed)
        return voices.filter(pk=pk).first()

    def _clean_upload(self, data: dict[str, Any]) -> None:
        if "audio" in self.errors or "audio_id" in self.errors:
            return
        audio, audio_id = data.get("audio"), data.get("audio_id")
        if audio and audio_id:
            self.add_error("audio_id", "Use either an audio file or a Kling audio ID, not both.")
        elif not audio and not audio_id:
            self.add_error(
                "audio", "Choose an audio file with the voice, or enter a Kling audio ID."
            )

    @property
    def photo_extension(self) -> str:
        return self.photo_check.extension

    @property
    def audio_extension(self) -> str:
        return self.audio_info.format

    def voice_context(self) -> dict[str, Any]:
        """What the voice step of the page needs: the sources, the speakers, recent voices."""
        recent = list(Voice.objects.for_team(self.team).recent())
        sources = [
            (value, label)
            for value, label in VoiceSource.choices
            if value != VoiceSource.RECENT or recent
        ]
        speed = self["speed"].value()
        try:
            speed = float(speed)
        except (TypeError, ValueError):
            speed = 1.0
        return {
            "voice_sources": sources,
            "voice_source": self["voice_source"].value() or VoiceSource.UPLOAD,
            "tts_voice_groups": tts_voices.by_language(),
            "chosen_tts_voice": self["tts_voice"].value() or DEFAULT_VOICE,
            "chosen_speed": speed,
            "tts_max_chars": TTS_MAX_CHARS,
            "recent_voices": recent,
            "voice": self.voice if self.voice and self.voice.kind == VoiceKind.SCRIPT else None,
        }

    def voice_arguments(self) -> dict[str, Any]:
        """How the chosen voice reaches ``Generation.objects.start``. A new recording is kept
        as a team voice here, once the whole form is valid."""
        data = self.cleaned_data
        if self.recording_m4a is not None:
            self.voice = speech.keep_recording(
                self.team, self.user, self.recording_m4a, self.audio_info
            )
        voice = self.voice
        if voice is None:
            upload = data.get("audio") or None
            return {
                "audio": upload,
                "audio_extension": self.audio_extension if upload else "",
                "audio_seconds": self.audio_info.duration if upload else None,
                "audio_id": data.get("audio_id", ""),
            }
        if voice.kind == VoiceKind.RECORDING:
            return {
                "audio": voice.audio.open("rb"),
                "audio_extension": "m4a",
                "audio_seconds": voice.duration,
                "voice": voice,
            }
        return {"audio_id": voice.audio_id, "audio_seconds": voice.duration, "voice": voice}


def price_table(team: Team) -> list[dict[str, Any]]:
    """Each mode with its plain-words explanation and the team's price, for the estimate."""
    prices = {"std": plain_number(team.price_std), "pro": plain_number(team.price_pro)}
    return [
        {
            "value": Mode.STD,
            "label": "Standard",
            "explanation": "Faster and cheaper, 720p. Good for drafts and most social posts.",
            "price": prices["std"],
        },
        {
            "value": Mode.PRO,
            "label": "Pro",
            "explanation": "Sharper 1080p with smoother motion. Takes longer and costs more.",
            "price": prices["pro"],
        },
    ]


def plain_number(value: Decimal) -> str:
    """0.400 -> "0.4", 10.000 -> "10": for people and for the estimate's JavaScript."""
    return format(value.normalize(), "f")
