"""The new-batch form: it reads the spreadsheet (or the pasted rows) and the ZIP of voices,
and checks every row as the create page checks one video, before anything is stored or sent.
Each row's problems are said in plain words, for the preview table."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from avatarstudio.accounts.models import Team
from avatarstudio.avatars.models import Avatar
from avatarstudio.avatars.models import VoiceKind as AvatarVoice
from avatarstudio.batches.models import MOST_ROWS
from avatarstudio.batches.sheets import (
    SheetProblem,
    SheetRow,
    TooLarge,
    VoiceFiles,
    read_sheet,
)
from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import ProviderLimits, provider_limits
from avatarstudio.media import voice_repair
from avatarstudio.media.voice_repair import RepairedVoice
from avatarstudio.studio.forms import check_voice

MODES = {
    "std": Mode.STD,
    "standard": Mode.STD,
    "720p": Mode.STD,
    "pro": Mode.PRO,
    "1080p": Mode.PRO,
}
# How fast Kling's voices speak at speed 1, for the estimate before the speech is made.
LATIN_CHARACTERS_PER_SECOND = 14.0
CJK_CHARACTERS_PER_SECOND = 4.5


@dataclass
class RowPlan:
    """One row as it will be made, or the problems that keep it out."""

    number: int
    title: str = ""
    avatar: Avatar | None = None
    script: str = ""
    speaker: tts_voices.TtsVoice | None = None
    speed: float = 1.0
    audio: RepairedVoice | None = None
    audio_name: str = ""
    uses_sample: bool = False
    mode: str = Mode.STD
    prompt: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def is_good(self) -> bool:
        return not self.problems

    @property
    def voice_text(self) -> str:
        if self.audio is not None:
            return self.audio_name
        if self.uses_sample:
            return "The avatar's recording"
        return self.speaker.name if self.speaker else ""


def estimated_speech_seconds(text: str, speed: float) -> float:
    """About how long Kling's TTS takes to say ``text`` (Chinese is said slower a character)."""
    cjk = sum(1 for character in text if unicodedata.east_asian_width(character) in "WF")
    latin = len(text) - cjk
    seconds = latin / LATIN_CHARACTERS_PER_SECOND + cjk / CJK_CHARACTERS_PER_SECOND
    return round(seconds / max(speed, 0.1), 1)


class RowChecker:
    """Checks the rows of one batch against the team's avatars, the voices and the limits."""

    def __init__(self, team: Team, voice_files: VoiceFiles, default_avatar: Avatar | None) -> None:
        self.limits: ProviderLimits = provider_limits()
        self.avatars = {
            avatar.name.casefold(): avatar
            for avatar in Avatar.objects.for_team(team).select_related("consent")
        }
        self.voice_files = voice_files
        self.voices: dict[str, RepairedVoice | str] = {}
        self.blocked: dict[Any, bool] = {}
        self.default_avatar = default_avatar

    def check(self, row: SheetRow) -> RowPlan:
        values = row.values
        plan = RowPlan(number=row.number, title=values.get("title", "")[:200])
        plan.avatar = self._avatar(values.get("avatar", ""), plan)
        self._voice(values, plan)
        self._mode_and_prompt(values, plan)
        return plan

    def _avatar(self, name: str, plan: RowPlan) -> Avatar | None:
        if name:
            avatar = self.avatars.get(" ".join(name.split()).casefold())
            if avatar is None:
                known = ", ".join(sorted(a.name for a in self.avatars.values())[:5])
                plan.problems.append(
                    f"This team has no avatar called “{name}”."
                    + (f" Its avatars: {known}." if known else " Save one on the Avatars page.")
                )
                return None
        else:
            avatar = self.default_avatar
            if avatar is None:
                plan.problems.append(
                    "No avatar: name one in the avatar column, or choose one for every row."
                )
                return None
        if avatar.pk not in self.blocked:  # asked once an avatar, not once a row
            self.blocked[avatar.pk] = avatar.consent is None or bool(avatar.withdrawn_consent())
        if self.blocked[avatar.pk]:
            plan.problems.append(
                f"Consent for the face of {avatar.name} was withdrawn: choose another avatar."
            )
        return avatar

    def _voice(self, values: dict[str, str], plan: RowPlan) -> None:
        script, audio_name = values.get("script", ""), values.get("audio", "")
        avatar = plan.avatar
        if script and audio_name:
            plan.problems.append("Give a script or an audio file, not both.")
        elif audio_name:
            self._audio(audio_name, plan)
        elif script:
            self._script(script, values.get("voice", ""), plan)
        elif avatar is not None and avatar.voice_kind == AvatarVoice.SAMPLE:
            plan.uses_sample = True
            plan.seconds = avatar.voice_sample_seconds or 0.0
        else:
            plan.problems.append("Nothing to say: fill in the script, or name an audio file.")

    def _script(self, script: str, voice_name: str, plan: RowPlan) -> None:
        most = settings.LONG_SCRIPT_MAX_CHARS
        if len(script) > most:
            plan.problems.append(
                f"The script is {len(script):,} characters; we speak at most {most:,}. Shorten it."
            )
            return
        plan.script = " ".join(script.split())
        avatar = plan.avatar
        if voice_name:
            plan.speaker = tts_voices.find(voice_name)
            if plan.speaker is None:
                plan.problems.append(
                    f"Kling has no voice called “{voice_name}”. Use a voice name from the "
                    "create page's list, such as “Sunny” or “阳光少年”."
                )
                return
        elif avatar is not None:
            plan.speaker = avatar.speaker
        plan.speed = avatar.speed if avatar is not None and not voice_name else 1.0
        if plan.speaker is None and avatar is not None:
            plan.speaker = tts_voices.by_key(tts_voices.DEFAULT_VOICE)
        plan.seconds = estimated_speech_seconds(plan.script, plan.speed)
        if plan.seconds < self.limits.audio_min_seconds:
            plan.problems.append(
                f"The script is too short: Kling needs at least "
                f"{self.limits.audio_min_seconds:g} seconds of speech. Write a little more."
            )
        elif plan.seconds > settings.LONG_VIDEO_MAX_SECONDS:
            minutes = settings.LONG_VIDEO_MAX_SECONDS / 60
            plan.problems.append(f"The script is longer than {minutes:g} minutes spoken.")

    def _audio(self, name: str, plan: RowPlan) -> None:
        if not self.voice_files:
            plan.problems.append(
                f"The row names the audio file “{name}”: upload the ZIP of voice files too."
            )
            return
        member = self.voice_files.find(name)
        if member is None:
            plan.problems.append(f"The ZIP has no file called “{name}”.")
            return
        if member.filename not in self.voices:  # many rows may name one file: checked once
            self.voices[member.filename] = self._checked_voice(member)
        checked = self.voices[member.filename]
        if isinstance(checked, str):
            plan.problems.append(f"“{name}”{checked}")
            return
        plan.audio, plan.audio_name = checked, name
        plan.seconds = round(checked.duration, 1)

    def _checked_voice(self, member: Any) -> RepairedVoice | str:
        """A voice file of the ZIP as it will be sent, or what is wrong with it."""
        try:
            content = self.voice_files.read(member)
        except TooLarge:
            return f" is larger than {self.limits.audio_max_bytes // (1024 * 1024)} MB."
        except SheetProblem as problem:
            return f" {problem}."
        try:
            return check_voice(
                _Upload(content, member.filename),
                self.limits,
                kind=voice_repair.VoiceSource.FILE,
                use_first=False,
                use_original=False,
                make_long=True,
            )
        except ValidationError as error:
            return ": " + " ".join(error.messages)

    def _mode_and_prompt(self, values: dict[str, str], plan: RowPlan) -> None:
        mode = values.get("mode", "").casefold()
        if mode:
            if mode not in MODES:
                plan.problems.append(f"The mode is “{values['mode']}”: write std or pro.")
            plan.mode = MODES.get(mode, Mode.STD)
        elif plan.avatar is not None:
            plan.mode = plan.avatar.mode
        prompt = values.get("prompt", "")
        if not prompt and plan.avatar is not None:
            prompt = plan.avatar.prompt
        if problem := self.limits.prompt_problem(prompt):
            plan.problems.append(problem)
        plan.prompt = prompt


class _Upload(io.BytesIO):
    """A ZIP member as the voice check reads an upload: bytes with a name and a size."""

    def __init__(self, content: bytes, name: str) -> None:
        super().__init__(content)
        self.name = name
        self.size = len(content)


class BatchForm(forms.Form):
    sheet = forms.FileField(
        label="Spreadsheet",
        required=False,
        help_text="CSV or Excel (XLSX), one row a video, with the columns title, script (or "
        "audio), avatar, voice, mode and prompt. Up to 500 rows.",
        widget=forms.FileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx,text/csv"}),
    )
    pasted = forms.CharField(
        label="Or paste the rows",
        required=False,
        help_text="Copy the cells from your spreadsheet, the header row first.",
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "title,script,avatar\nWelcome,Hello and welcome!,Ana"}
        ),
    )
    voices = forms.FileField(
        label="Voice files (ZIP, optional)",
        required=False,
        help_text="For rows with an audio column: a ZIP with those files.",
        widget=forms.FileInput(attrs={"accept": ".zip,application/zip"}),
    )
    avatar = forms.ModelChoiceField(
        label="Avatar for rows that name none",
        queryset=Avatar.objects.none(),
        required=False,
        empty_label="(each row names its avatar)",
    )
    name = forms.CharField(label="Batch name", required=False, max_length=200)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["avatar"].queryset = Avatar.objects.for_team(team).usable()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        sheet, pasted = data.get("sheet"), (data.get("pasted") or "").strip()
        if not sheet and not pasted:
            raise ValidationError("Choose a spreadsheet, or paste its rows.")
        try:
            rows = read_sheet(sheet, pasted, MOST_ROWS)
            voice_files = VoiceFiles(data.get("voices"), provider_limits().audio_max_bytes)
        except SheetProblem as problem:
            raise ValidationError(str(problem)) from None
        checker = RowChecker(self.team, voice_files, data.get("avatar"))
        data["plans"] = [checker.check(row) for row in rows]
        data["name"] = data.get("name") or _name_of(sheet)
        return data


def _name_of(sheet: Any) -> str:
    name = getattr(sheet, "name", "") or ""
    stem = name.rsplit(".", 1)[0].strip()
    return stem[:200] or "Pasted rows"
