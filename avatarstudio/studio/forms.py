"""The create form: every provider rule checked here, before anything is stored or sent,
and the photo and voice repaired in memory where they can be (``media.preflight``,
``media.voice_repair``); the page's early checks use the same functions.

Forms only validate: they make no network call and write nothing (``services`` acts on what
they return). The limits come from the provider's table in ``kling/limits.py``.
"""

from __future__ import annotations

import base64
import re
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from avatarstudio.accounts.models import Team
from avatarstudio.avatars.forms import ConsentFields
from avatarstudio.avatars.models import Avatar, withdrawn_consent_of
from avatarstudio.core.choices import Mode
from avatarstudio.core.formatting import plain_number
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import ProviderLimits, provider_limits
from avatarstudio.kling.voices import DEFAULT_VOICE, TtsVoice
from avatarstudio.media import voice_repair
from avatarstudio.media.photo_repair import Fit
from avatarstudio.media.preflight import NoFaceFound, PhotoCheck, PhotoChoices, check_photo_file
from avatarstudio.media.split import parts_needed
from avatarstudio.media.voice_repair import RepairedVoice, VoiceTooLong
from avatarstudio.studio.models import Voice, VoiceKind, VoiceSource

# What the voice repair takes (``media.voice_repair``): audio of most kinds, and phone videos.
AUDIO_TYPES = "audio/*,video/mp4,video/quicktime,video/webm,.mp3,.wav,.m4a,.aac,.ogg,.opus,.flac"
AUDIO_ID = re.compile(r"^[A-Za-z0-9_\-]{6,128}$")


PHOTO_TYPES = "image/*,.heic,.heif,.avif"
FIT_CHOICES = [
    (Fit.CROP, "Crop it around the face"),
    (Fit.PAD, "Keep all of it, with bands of its edge colours"),
]
PHOTO_CHOICES = "photo,face,keep_whole_photo,photo_fit,use_original_photo,send_without_face"


def photo_checked_on_change() -> dict[str, Any]:
    """htmx attributes that send the chosen photo, and the choices made about it, to the
    server's early check."""
    return {
        "hx-post": reverse_lazy("studio:check_photo"),
        "hx-trigger": "change",
        "hx-target": "#photo-check",
        "hx-swap": "outerHTML",
        "hx-encoding": "multipart/form-data",
        "hx-params": PHOTO_CHOICES,
        "hx-sync": "this:replace",
        "hx-indicator": "#photo-check-busy",
    }


def photo_choices(data: dict[str, Any]) -> PhotoChoices:
    """What the person chose about their photo, from a form's cleaned data."""
    return PhotoChoices(
        face=data.get("face"),
        crop_to_face=not data.get("keep_whole_photo"),
        fit=Fit(data.get("photo_fit") or Fit.CROP),
        use_original=bool(data.get("use_original_photo")),
        send_without_face=bool(data.get("send_without_face")),
    )


def photo_check_context(checked: PhotoCheck | None, without_face: bool) -> dict[str, Any]:
    """What the page's photo check shows: the photo as it will be sent, with its face."""
    return {
        "photo_check": checked,
        "photo_preview_url": _data_url(checked.preview, "image/jpeg") if checked else "",
        "photo_original_url": (
            _data_url(checked.original_preview, "image/jpeg")
            if checked and checked.original_preview
            else ""
        ),
        "photo_without_face": without_face,
        "photo_choice_params": PHOTO_CHOICES,
        "fit_choices": FIT_CHOICES,
        "photo_problem": "",
    }


def _data_url(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


class PhotoCheckForm(forms.Form):
    """The create page's early check of a chosen photo, with the choices made about it."""

    photo = forms.FileField(required=False)
    face = forms.IntegerField(required=False, min_value=0, max_value=50)
    keep_whole_photo = forms.BooleanField(required=False)
    photo_fit = forms.ChoiceField(choices=FIT_CHOICES, required=False)
    use_original_photo = forms.BooleanField(required=False)
    send_without_face = forms.BooleanField(required=False)

    def outcome(self) -> dict[str, Any]:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return photo_check_context(None, False)
        try:
            checked = check_photo_file(
                upload, upload.size, provider_limits(), photo_choices(self.cleaned_data)
            )
        except NoFaceFound as refusal:
            return photo_check_context(None, True) | {"photo_problem": " ".join(refusal.messages)}
        except ValidationError as error:
            return photo_check_context(None, False) | {"photo_problem": " ".join(error.messages)}
        return photo_check_context(checked, False)


def checked_on_change(field: str) -> dict[str, Any]:
    """htmx attributes that send a chosen voice file, alone, to the server's early check."""
    return {
        "hx-post": reverse_lazy("studio:check_voice"),
        "hx-trigger": "change",
        "hx-target": "#voice-check",
        "hx-swap": "outerHTML",
        "hx-encoding": "multipart/form-data",
        "hx-params": f"{field},use_first_seconds,make_long_video",
        "hx-sync": "this:replace",
        "hx-indicator": "#voice-check-busy",
    }


class ScriptFields(forms.Form):
    """A typed-script voice: what to say, which Kling voice says it, and how fast.

    The script's length and the speed's range are the provider's (``kling/limits.py``).
    """

    tts_voice = forms.ChoiceField(
        label="Speaker",
        required=False,
        initial=DEFAULT_VOICE,
        error_messages={"invalid_choice": "Choose a voice from the list."},
        widget=forms.Select(attrs={"aria-describedby": "error-tts_voice"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = provider_limits()
        most = settings.LONG_SCRIPT_MAX_CHARS
        self.fields["script"] = forms.CharField(
            label="What the avatar says",
            required=False,
            max_length=most,
            widget=forms.Textarea(
                attrs={
                    "rows": 5,
                    "maxlength": most,
                    "data-script": "",
                    "placeholder": "Hello! Thanks for watching. Here is what is new this week…",
                    "aria-describedby": "script-count error-script",
                }
            ),
            error_messages={
                "max_length": "The script is %(show_value)d characters; we speak at most "
                "%(limit_value)d in one video. Shorten it, or make two videos."
            },
        )
        slowest, fastest = self.limits.tts_min_speed, self.limits.tts_max_speed
        out_of_range = f"Choose a speed between {slowest:.1f} and {fastest:.1f}."
        self.fields["speed"] = forms.FloatField(
            label="Speed",
            required=False,
            min_value=slowest,
            max_value=fastest,
            initial=1.0,
            error_messages={"min_value": out_of_range, "max_value": out_of_range},
            widget=forms.NumberInput(attrs={"type": "range", "step": "0.1", "data-speed": ""}),
        )
        self.order_fields(["script", "tts_voice", "speed"])
        self.fields["tts_voice"].choices = tts_voices.picker_choices()

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


class GenerationForm(ConsentFields, ScriptFields):
    """Validates a create submit and says what to make it from; it stores and sends nothing.

    ``cleaned_data`` then holds the photo (an upload with its ``photo_extension``, or a
    ``photo_url`` for ``services`` to fetch) and the voice: an upload or a recording as it will
    be sent (``voice``, a ``RepairedVoice``, with the original in ``audio`` or ``recording``),
    or a Kling ``audio_id``; a script (``script``, ``speaker``, ``speed``, and the ``preview``
    voice already made of it, if any); or a ``recent_voice``. With a saved ``avatar`` the
    face (and, if chosen, the voice) is the avatar's; a bare upload carries the
    ``consent_statement`` when the team requires consent.
    """

    avatar = forms.ModelChoiceField(
        queryset=Avatar.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That avatar is not one of this team's any more."},
    )

    photo = forms.FileField(
        label="Face photo",
        required=False,
        widget=forms.FileInput(
            attrs={
                "accept": PHOTO_TYPES,
                "aria-describedby": "photo-help error-photo",
                **photo_checked_on_change(),
            }
        ),
    )
    face = forms.IntegerField(required=False, min_value=0, max_value=50, widget=forms.HiddenInput)
    keep_whole_photo = forms.BooleanField(label="Keep the whole photo", required=False)
    photo_fit = forms.ChoiceField(choices=FIT_CHOICES, required=False, initial=Fit.CROP)
    use_original_photo = forms.BooleanField(label="Send my photo as it is", required=False)
    send_without_face = forms.BooleanField(label="Send it anyway", required=False)
    photo_url = forms.URLField(
        label="Photo URL",
        required=False,
        max_length=2000,
        widget=forms.URLInput(
            attrs={
                "placeholder": "https://example.com/portrait.jpg",
                "aria-describedby": "error-photo_url",
            }
        ),
    )
    audio = forms.FileField(
        label="Audio file",
        required=False,
        widget=forms.FileInput(
            attrs={
                "accept": AUDIO_TYPES,
                "aria-describedby": "audio-help error-audio",
                **checked_on_change("audio"),
            }
        ),
    )
    audio_id = forms.CharField(
        label="Kling audio ID",
        required=False,
        max_length=128,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "error-audio_id",
            }
        ),
    )
    voice_source = forms.ChoiceField(
        label="Voice", choices=VoiceSource.choices, required=False, widget=forms.RadioSelect
    )
    recording = forms.FileField(
        label="Recording file",
        required=False,
        widget=forms.FileInput(
            attrs={
                "accept": "audio/*",
                "aria-describedby": "error-recording",
                **checked_on_change("recording"),
                "data-recording-input": "",
            }
        ),
    )
    use_first_seconds = forms.BooleanField(label="Use the first 60 s", required=False)
    make_long_video = forms.BooleanField(label="Make a long video", required=False)
    use_original_voice = forms.BooleanField(label="Send my voice file as it is", required=False)
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
        label="Prompt",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "aria-describedby": "prompt-count error-prompt", "data-prompt": ""}
        ),
    )
    mode = forms.ChoiceField(
        label="Mode", choices=Mode.choices, initial=Mode.STD, widget=forms.RadioSelect
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.photo_check: PhotoCheck | None = None  # the photo as it will be sent
        self.photo_without_face = False  # no face found: the page asks to send it anyway
        self.voice_check: RepairedVoice | None = None  # the voice file as it will be sent
        self.voice_offer: float | None = None  # seconds offered of a voice too long
        self.voice_long_parts = 0  # the parts of the long video offered, or being made
        self.fields["prompt"].widget.attrs["maxlength"] = self.limits.prompt_max_chars
        self.fields["prompt"].widget.attrs["placeholder"] = settings.KLING_DEFAULT_PROMPT
        self.fields["recent_voice"].queryset = Voice.objects.for_team(team)
        self.fields["avatar"].queryset = Avatar.objects.for_team(team).select_related("consent")

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
        if problem := self.limits.prompt_problem(prompt):
            raise ValidationError(problem, code="prompt_too_long")
        return prompt

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        avatar = data.get("avatar")
        if avatar is not None:
            if avatar.consent is None:
                self.add_error(None, "This avatar has no consent on record.")
            elif (withdrawn := avatar.withdrawn_consent()) is not None:
                self.add_error(None, withdrawn.withdrawn_message)
        else:
            self._clean_photo_source(data)
            if self.team.require_consent:
                self.require_consent(data)
        self._clean_voice_source(data)
        return data

    FACE_FIELDS = ("photo", "photo_url")
    CONSENT_FIELDS = ("consent_statement", "consent_document")

    @property
    def shown_fields(self) -> list[Any]:
        """The fields the page shows (with their own place for errors): a saved avatar's page
        has no photo and no consent to give."""
        left_out = set()
        if self.chosen_avatar is not None:
            left_out |= {*self.FACE_FIELDS, *self.CONSENT_FIELDS}
        elif not self.team.require_consent:
            left_out |= set(self.CONSENT_FIELDS)
        return [f for f in self if not f.is_hidden and f.name not in left_out]

    @cached_property
    def chosen_avatar(self) -> Avatar | None:
        """The avatar the page makes a video of (from the form's data, or ``initial``)."""
        value = self["avatar"].value()
        if isinstance(value, Avatar):
            return value
        try:
            return self.fields["avatar"].queryset.filter(pk=value).first() if value else None
        except ValidationError:
            return None

    def _clean_photo_source(self, data: dict[str, Any]) -> None:
        upload, url = data.get("photo"), data.get("photo_url")
        data["photo_choices"] = photo_choices(data)
        if "photo" in self.errors or "photo_url" in self.errors:
            return
        if upload and url:
            self.add_error("photo_url", "Use either an uploaded photo or a photo URL, not both.")
        elif not upload and not url:
            self.add_error("photo", "Choose a face photo, or paste the web address of one.")
        elif upload:
            self._clean_photo_file(data, upload)

    def _clean_photo_file(self, data: dict[str, Any], upload: Any) -> None:
        """The photo as it will be sent (``data["photo_check"]``), repaired around its face."""
        try:
            upload.seek(0)
            checked = check_photo_file(upload, upload.size, self.limits, data["photo_choices"])
        except NoFaceFound as refusal:
            self.photo_without_face = True
            self.add_error("photo", refusal)
            return
        except ValidationError as error:
            self.add_error("photo", error)
            return
        upload.seek(0)
        if withdrawn := withdrawn_consent_of(self.team, upload.read(), checked.sent.content):
            self.add_error("photo", withdrawn.withdrawn_message)
            return
        upload.seek(0)
        data["photo_check"] = self.photo_check = checked
        data["photo_extension"] = checked.sent.extension

    def _clean_voice_source(self, data: dict[str, Any]) -> None:
        source = data.get("voice_source") or VoiceSource.UPLOAD
        data["voice_source"] = source
        if source == VoiceSource.RECORD:
            self._clean_recording(data)
        elif source == VoiceSource.SCRIPT:
            self._clean_script(data)
        elif source == VoiceSource.AVATAR:
            avatar = data.get("avatar")
            if avatar is not None and not avatar.voice_sample:
                self.add_error(
                    "voice_source", "This avatar has no voice recording: type a script instead."
                )
            elif avatar is None:
                self.add_error("voice_source", "Choose how the avatar gets its voice.")
        elif source == VoiceSource.RECENT:
            if data.get("recent_voice") is None and "recent_voice" not in self.errors:
                self.add_error("recent_voice", "Choose one of the team's recent voices.")
        else:
            self._clean_upload(data)

    def _clean_recording(self, data: dict[str, Any]) -> None:
        upload = data.get("recording")
        if not upload:
            self.add_error("recording", "Record your voice first: press Record, speak, then Stop.")
            return
        self._clean_voice_file(data, "recording", voice_repair.VoiceSource.RECORDING)

    def _clean_voice_file(self, data: dict[str, Any], field: str, kind: str) -> None:
        """The voice as it will be sent (repaired where it needed it), in ``data["voice"]``;
        a voice too long is offered its first 60 s (``voice_offer``)."""
        try:
            data["voice"] = self.voice_check = check_voice(
                data[field],
                self.limits,
                kind=kind,
                use_first=data.get("use_first_seconds", False),
                use_original=data.get("use_original_voice", False),
                make_long=data.get("make_long_video", False),
            )
        except VoiceTooLong as too_long:
            self.voice_offer = too_long.first_seconds
            self.voice_long_parts = too_long.long_parts
            self.add_error(field, too_long)
        except ValidationError as error:
            self.add_error(field, error)
        else:
            self.voice_long_parts = parts_of(data["voice"])
            if data.get("use_first_seconds") or self.voice_long_parts:
                self.voice_offer = self.limits.audio_max_seconds

    def _clean_script(self, data: dict[str, Any]) -> None:
        spoken = self.spoken(data)
        if spoken is None:
            return
        data["script"], data["speaker"], data["speed"] = spoken
        data["preview"] = self._matching_preview(data.get("script_voice"), *spoken)

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
        elif audio:
            self._clean_voice_file(data, "audio", voice_repair.VoiceSource.FILE)

    def voice_context(self, voice: Voice | None = None) -> dict[str, Any]:
        """What the voice step of the page needs: the sources, the speakers, recent voices,
        and the script's speech when one was made (``voice``) or previewed."""
        recent = list(Voice.objects.for_team(self.team).recent())
        avatar = self.chosen_avatar
        offered = {
            VoiceSource.RECENT: bool(recent),
            VoiceSource.AVATAR: bool(avatar and avatar.voice_sample),
        }
        sources = [
            (value, label) for value, label in VoiceSource.choices if offered.get(value, True)
        ]
        speed = self["speed"].value()
        try:
            speed = float(speed)
        except (TypeError, ValueError):
            speed = 1.0
        voice = voice or getattr(self, "cleaned_data", {}).get("preview")
        return {
            "voice_sources": sources,
            "voice_source": self["voice_source"].value() or VoiceSource.UPLOAD,
            "chosen_speed": speed,
            "recent_voices": recent,
            "voice": voice if voice and voice.kind == VoiceKind.SCRIPT else None,
        }


SOUND_TYPES = {"m4a": "audio/mp4", "mp3": "audio/mpeg", "wav": "audio/wav", "aac": "audio/aac"}


def voice_check_context(
    checked: RepairedVoice | None,
    offer: float | None,
    *,
    use_first: bool = False,
    long_parts: int = 0,
    make_long: bool = False,
) -> dict[str, Any]:
    """What the page's voice check shows: the voice as it will be sent, playable in place,
    and the offers for a voice too long: its first seconds, or a long video of
    ``long_parts`` parts (each ticked once taken, so the submit takes it too)."""
    url = ""
    if checked is not None:
        url = _data_url(checked.content, SOUND_TYPES.get(checked.extension, "audio/mp4"))
    return {
        "voice_check": checked,
        "voice_check_url": url,
        "voice_offer": offer,
        "voice_use_first": use_first,
        "voice_long_parts": long_parts,
        "voice_make_long": make_long,
        "voice_problem": "",
    }


class VoiceCheckForm(forms.Form):
    """The create page's early check of a voice file or a recording, before submit."""

    audio = forms.FileField(required=False)
    recording = forms.FileField(required=False)
    use_first_seconds = forms.BooleanField(required=False)
    use_original_voice = forms.BooleanField(required=False)
    make_long_video = forms.BooleanField(required=False)

    def outcome(self) -> dict[str, Any]:
        """The voice as it will be sent (``voice_check``), or why not (``voice_problem``,
        with ``voice_offer`` when its first seconds could be used)."""
        data = self.cleaned_data
        upload = data.get("audio") or data.get("recording")
        found = voice_check_context(None, None)
        if not upload:
            return found
        kind = (
            voice_repair.VoiceSource.FILE
            if data.get("audio")
            else voice_repair.VoiceSource.RECORDING
        )
        limits = provider_limits()
        try:
            checked = check_voice(
                upload,
                limits,
                kind=kind,
                use_first=data["use_first_seconds"],
                use_original=data["use_original_voice"],
                make_long=data["make_long_video"],
            )
            used_first = data["use_first_seconds"] and checked.duration < checked.original_duration
            parts = parts_of(checked)
            offer = limits.audio_max_seconds if used_first or parts else None
            found = voice_check_context(
                checked, offer, use_first=used_first, long_parts=parts, make_long=bool(parts)
            )
        except VoiceTooLong as too_long:
            found["voice_offer"] = too_long.first_seconds
            found["voice_long_parts"] = too_long.long_parts
            found["voice_problem"] = " ".join(too_long.messages)
        except ValidationError as error:
            found["voice_problem"] = " ".join(error.messages)
        return found


def check_voice(
    upload: Any,
    limits: ProviderLimits,
    *,
    kind: str,
    use_first: bool,
    use_original: bool,
    make_long: bool = False,
) -> RepairedVoice:
    """The voice file (an upload or a recording) as it will be sent: repaired to fit the
    provider's rules (``media.voice_repair``), its first 60 s when ``use_first``, the whole of
    a longer one for a long video when ``make_long``, or the file as it came when
    ``use_original`` and it already fits. Raises ValidationError (VoiceTooLong offering the
    first seconds and, up to ``LONG_VIDEO_MAX_SECONDS``, a long video)."""
    upload.seek(0)
    longest = settings.LONG_VIDEO_MAX_SECONDS
    if make_long and not use_first:
        limits = voice_repair.long_video_limits(limits, longest)
    first = limits.audio_max_seconds if use_first else None
    repaired = voice_repair.repair_voice(
        upload, upload.size, limits, kind=kind, first_seconds=first, long_video_max=longest
    )
    if use_original and repaired.repairs and repaired.original_is_valid:
        return voice_repair.as_it_came(upload, upload.size, limits)
    return repaired


def parts_of(voice: RepairedVoice | None) -> int:
    """How many parts the video of this voice is made in (0: one video, as usual)."""
    if voice is None:
        return 0
    maximum = provider_limits().audio_max_seconds
    return parts_needed(voice.duration, maximum) if voice.duration > maximum else 0


def price_table(team: Team) -> list[dict[str, Any]]:
    """Each mode with its plain-words explanation and the team's price, for the estimate."""
    explanations = {
        Mode.STD: "Faster and cheaper, 720p. Good for drafts and most social posts.",
        Mode.PRO: "Sharper 1080p with smoother motion. Takes longer and costs more.",
    }
    return [
        {
            "value": mode,
            "label": mode.label,
            "explanation": explanations[mode],
            "price": plain_number(team.price_per_second(mode)),
        }
        for mode in Mode
    ]
