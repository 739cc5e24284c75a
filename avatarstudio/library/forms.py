from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from avatarstudio.library.models import Review, ReviewNote


class RenameForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, strip=True)

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the clip a title with at least one letter.")
        return title


EXPIRY_CHOICES = [("", "Never expires"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


class ShareForm(forms.Form):
    expires_in = forms.ChoiceField(label="Link expires", choices=EXPIRY_CHOICES, required=False)

    @property
    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


NOTE_LENGTH = ReviewNote._meta.get_field("text").max_length


class NoteForm(forms.Form):
    """A comment on a clip, optionally pinned to a moment of its video. The clip page has one
    composer: its buttons post it as a comment, a decision or a request for another review."""

    text = forms.CharField(
        label="Comment",
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a comment first."},
    )
    pin = forms.BooleanField(label="Pin to the current moment", required=False)
    # Filled from the player's current time by static/js/library.js; without JavaScript it
    # stays empty and the note is simply not pinned.
    at_seconds = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("pin"):
            data["at_seconds"] = None
        return data


class ReviewForm(NoteForm):
    """A reviewer's decision, its comment optional here: the clip knows when one is needed
    (``Clip.decide``)."""

    decision = forms.ChoiceField(
        choices=[(Review.APPROVED, "Approve"), (Review.CHANGES_REQUESTED, "Request changes")]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False


class ResubmitForm(NoteForm):
    """The maker's "Send for review again", with an optional word on what changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False
