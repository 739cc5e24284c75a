from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone


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
