"""The avatar and consent forms: they check the photo, the voice sample and the consent
document like any upload, and return what to store; ``avatars.services`` stores it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from avatarstudio.accounts.models import Team
from avatarstudio.avatars.models import (
    Avatar,
    Consent,
    Statement,
    VoiceKind,
    withdrawn_consent_of,
)
from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import provider_limits
from avatarstudio.media import voice_repair
from avatarstudio.media.preflight import PhotoChoices, check_photo_file

PHOTO_TYPES = "image/*,.heic,.heif,.avif"
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png,image/webp"
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def clean_avatar_name(team: Team, typed: str, avatar: Avatar | None = None) -> str:
    """A name for an avatar: its spaces tidied, and no other avatar of the team's."""
    name = " ".join(typed.split())
    if not name:
        raise ValidationError("Give the avatar a name.")
    taken = Avatar.objects.for_team(team).named(name)
    if avatar is not None:
        taken = taken.exclude(pk=avatar.pk)
    if taken.exists():
        raise ValidationError(f"The team already has an avatar called “{name}”.")
    return name


class ConsentFields(forms.Form):
    """The consent a member gives for a face: one statement, and an optional signed document."""

    consent_statement = forms.ChoiceField(
        label="Consent",
        choices=Statement.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    consent_document = forms.FileField(
        label="Signed consent (optional)",
        required=False,
        help_text="A PDF or a photo of the signed permission, up to 10 MB. Only admins and you "
        "can open it.",
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )

    def require_consent(self, data: dict[str, Any]) -> None:
        """Call from ``clean()`` when this face needs consent."""
        if not data.get("consent_statement") and "consent_statement" not in self.errors:
            self.add_error(
                "consent_statement",
                ValidationError(
                    "Confirm that you may use this face: choose the statement that is true.",
                    code="consent_required",
                ),
            )

    def clean_consent_document(self) -> Any:
        return clean_document(self.cleaned_data.get("consent_document"))


def clean_document(upload: Any) -> Any:
    """A consent document is a PDF or an image, whatever its name says; it is stored under a
    name we choose (``document.pdf``, ``document.jpg``)."""
    if not upload:
        return None
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError("The consent document is larger than 10 MB. Use a smaller scan.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        upload.name = "document.pdf"
        return upload
    try:
        with Image.open(upload) as image:
            kind = DOCUMENT_IMAGE_FORMATS.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        kind = None
    upload.seek(0)
    if kind is None:
        raise ValidationError(
            "The consent document must be a PDF, or a JPEG, PNG or WebP image of it."
        )
    upload.name = f"document.{kind}"
    return upload


class DefaultsFields(forms.Form):
    """The defaults a video from the avatar starts with: its voice, prompt and mode."""

    voice_kind = forms.ChoiceField(
        label="Default voice", choices=VoiceKind.choices, widget=forms.RadioSelect, initial="tts"
    )
    tts_voice = forms.ChoiceField(
        label="Kling voice",
        required=False,
        initial=tts_voices.DEFAULT_VOICE,
        error_messages={"invalid_choice": "Choose a voice from the list."},
    )
    speed = forms.FloatField(
        label="Speed",
        initial=1.0,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    voice_sample = forms.FileField(
        label="Voice recording",
        required=False,
        help_text="An audio file of the person speaking, used as the voice of a video when "
        "no script or audio is given.",
        widget=forms.FileInput(attrs={"accept": "audio/*,.mp3,.wav,.m4a,.aac,.ogg,.flac"}),
    )
    prompt = forms.CharField(
        label="Default prompt", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    mode = forms.ChoiceField(
        label="Default mode", choices=Mode.choices, initial=Mode.STD, widget=forms.RadioSelect
    )

    has_sample = False  # an avatar being edited that already has a recording

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = provider_limits()
        self.fields["tts_voice"].choices = tts_voices.picker_choices()

    def clean_speed(self) -> float:
        speed = self.cleaned_data["speed"]
        slowest, fastest = self.limits.tts_min_speed, self.limits.tts_max_speed
        if not slowest <= speed <= fastest:
            raise ValidationError(f"Choose a speed between {slowest:.1f} and {fastest:.1f}.")
        return speed

    def clean_prompt(self) -> str:
        prompt = (self.cleaned_data.get("prompt") or "").strip()
        if problem := self.limits.prompt_problem(prompt):
            raise ValidationError(problem)
        return prompt

    def clean_voice_sample(self) -> voice_repair.RepairedVoice | None:
        upload = self.cleaned_data.get("voice_sample")
        if not upload:
            return None
        upload.seek(0)
        return voice_repair.repair_voice(
            upload, upload.size, self.limits, kind=voice_repair.VoiceSource.FILE
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("voice_kind")
        if kind == VoiceKind.TTS and not tts_voices.by_key(data.get("tts_voice") or ""):
            self.add_error("tts_voice", "Choose the Kling voice that speaks its scripts.")
        no_sample = not data.get("voice_sample") and not self.has_sample
        if kind == VoiceKind.SAMPLE and no_sample and "voice_sample" not in self.errors:
            self.add_error("voice_sample", "Choose a recording of the person's voice.")
        return data


class AvatarForm(ConsentFields, DefaultsFields):
    """A new avatar: a name, a face photo (checked and repaired like any upload), its
    defaults, and the consent of the person in it. ``photo_from`` is a photo already checked
    (a video's, for "Save as avatar"): then no upload is needed."""

    name = forms.CharField(label="Name", max_length=80)
    photo = forms.FileField(
        label="Face photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
    )

    field_order = ["name", "photo"]

    def __init__(
        self,
        *args: Any,
        team: Team,
        photo_from: bytes | None = None,
        known_consent: Consent | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.photo_from = photo_from  # "Save as avatar": the video's face, already checked
        self.known_consent = known_consent  # and the consent it was made under

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.known_consent is None or self.known_consent.is_withdrawn:
            self.require_consent(data)
        return data

    def clean_name(self) -> str:
        return clean_avatar_name(self.team, self.cleaned_data["name"])

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if self.photo_from is not None:
            return None
        if not upload:
            raise ValidationError("Choose a face photo.")
        upload.seek(0)
        checked = check_photo_file(upload, upload.size, self.limits, PhotoChoices())
        upload.seek(0)
        original = upload.read()
        upload.seek(0)
        if withdrawn := withdrawn_consent_of(self.team, original, checked.sent.content):
            raise ValidationError(withdrawn.withdrawn_message)
        self.cleaned_data["photo_check"] = checked
        return upload


class AvatarEditForm(DefaultsFields):
    """What can change of a saved avatar; its face cannot (a new face is a new avatar, with
    its own consent)."""

    name = forms.CharField(label="Name", max_length=80)
    field_order = ["name"]

    def __init__(self, *args: Any, avatar: Avatar, **kwargs: Any) -> None:
        initial = {
            "name": avatar.name,
            "voice_kind": avatar.voice_kind,
            "tts_voice": avatar.tts_voice,
            "speed": avatar.speed,
            "prompt": avatar.prompt,
            "mode": avatar.mode,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.avatar = avatar
        self.has_sample = bool(avatar.voice_sample)

    def clean_name(self) -> str:
        return clean_avatar_name(self.avatar.team, self.cleaned_data["name"], self.avatar)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why (kept in the audit log)",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "The person asked us to stop"}),
    )
