"""The create form: every provider rule checked here, before anything is stored or sent."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from avatarstudio.accounts.models import Team
from avatarstudio.kling.limits import provider_limits
from avatarstudio.media.fetch import TooLarge, UnsafeURL, fetch_bytes
from avatarstudio.media.validation import check_audio, check_photo
from avatarstudio.studio.models import Mode

AUDIO_TYPES = "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/x-m4a,audio/aac,.mp3,.wav,.m4a,.aac"
AUDIO_ID = re.compile(r"^[A-Za-z0-9_\-]{6,128}$")


class GenerationForm(forms.Form):
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
    prompt = forms.CharField(
        label="Prompt", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    mode = forms.ChoiceField(
        label="Mode", choices=Mode.choices, initial=Mode.STD, widget=forms.RadioSelect
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = provider_limits()
        self.fields["prompt"].widget.attrs["maxlength"] = self.limits.prompt_max_chars

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
