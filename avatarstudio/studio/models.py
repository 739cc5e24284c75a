"""A Generation is one request for a talking clip, and the job that makes it.

The row is the truth: each background step loads it, claims it with a short lease, does one
idempotent step, records the new state and when the next step is due. The task queue only
wakes rows up; ``sweep_generations`` wakes any whose next step is overdue.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from avatarstudio.accounts.models import Team
from avatarstudio.avatars.models import Consent
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import provider_limits
from avatarstudio.kling.types import SpeechRequest
from avatarstudio.media.split import parts_needed


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Sent to Kling"
    PROCESSING = "processing", "Generating"
    SAVING = "saving", "Saving to your library"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


ACTIVE = (Status.QUEUED, Status.SUBMITTED, Status.PROCESSING, Status.SAVING)
AT_PROVIDER = (Status.SUBMITTED, Status.PROCESSING)  # a provider task runs: worth polling


STATUS_CARD_FIELDS = (
    "id",
    "avatar",
    "parts_planned",
    "waiting_turn",
    "team_id",
    "status",
    "mode",
    "prompt",
    "created",
    "finished_at",
    "polls",
    "retries",
    "provider_task_id",
    "failure_message",
    "failure_fixable_by",
    "failure_code",
    "retry_helps",
)

CARD_ATTNAMES_IN_ORDER = tuple(
    "avatar_id" if name == "avatar" else name for name in STATUS_CARD_FIELDS
)
CARD_ATTNAMES = frozenset(CARD_ATTNAMES_IN_ORDER)


PART_CARD_FIELDS = (
    "id",
    "parent_id",
    "part_number",
    "part_start",
    "audio_seconds",
    "status",
    "polls",
    "retries",
    "waiting_turn",
    "failure_message",
)


def new_callback_token() -> str:
    return secrets.token_urlsafe(32)


class GenerationQuerySet(models.QuerySet["Generation"]):
    def for_team(self, team: Team) -> GenerationQuerySet:
        return self.filter(team=team)

    def videos(self) -> GenerationQuerySet:
        """What people asked for: plain videos and long ones, not a long video's parts."""
        return self.filter(parent__isnull=True)

    def current_parts(self) -> GenerationQuerySet:
        """A long video's parts that count: a failed part tried again is replaced."""
        return self.filter(parent__isnull=False, replaced=False).order_by("part_number")

    def on_key_of(self, team: Team) -> GenerationQuerySet:
        """What runs on the same provider key as this team's: its own key is its alone; the
        server's key is shared by every team without one."""
        if team.uses_server_key:
            return self.filter(team__api_key_encrypted="")
        return self.filter(team=team)

    def active(self) -> GenerationQuerySet:
        return self.filter(status__in=ACTIVE)

    def made(self) -> GenerationQuerySet:
        """Ready, with its clip in the library."""
        return self.filter(status=Status.READY, clip__isnull=False)

    def finished(self) -> GenerationQuerySet:
        """Ready or failed: nothing more will happen to them."""
        return self.exclude(status__in=ACTIVE)

    def at_provider(self) -> GenerationQuerySet:
        """Tasks running at Kling (a long video itself is not one: its parts are)."""
        return self.filter(status__in=AT_PROVIDER, parts_planned__lt=2)

    def for_status_card(self) -> GenerationQuerySet:
        """Only what the status card shows: it is polled every 2 s by every open page."""
        return self.only(*STATUS_CARD_FIELDS)

    def recent(self, limit: int = 6) -> GenerationQuerySet:
        return self.order_by("-created")[:limit]

    def overdue(self, now: datetime, grace: timedelta) -> GenerationQuerySet:
        """Unfinished rows whose next step should have run by now and that nobody holds."""
        return self.active().filter(
            Q(next_step_at__lte=now - grace) | Q(next_step_at__isnull=True),
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        )

    def claim(
        self,
        pk: uuid.UUID | str,
        now: datetime,
        lease: timedelta,
        due_at: datetime | None = None,
        saving_lease: timedelta | None = None,
    ) -> Generation | None:
        """Take the row for one step, or None when its step is not due or another worker has it.

        ``due_at`` is the step a wake-up was sent for: once that step has run, the row is due
        at another time, and any other wake-up sent for the same step finds nothing to do.
        A row that is saving is held for ``saving_lease`` instead, decided in the same UPDATE:
        a claim is two queries, this one and the load.
        """
        due = self.active().filter(pk=pk, next_step_at__lte=now)
        if due_at is not None:
            due = due.filter(next_step_at=due_at)
        until: Any = Value(now + lease)
        if saving_lease is not None:
            until = Case(When(status=Status.SAVING, then=Value(now + saving_lease)), default=until)
        claimed = due.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).update(
            lease_until=until
        )
        return self.select_related("team").get(pk=pk) if claimed else None


class Generation(models.Model):
    # Our id doubles as Kling's external_task_id, so a lost create answer can be looked up.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="generations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.STD)
    prompt = models.TextField(blank=True)
    title = models.CharField(max_length=200, blank=True)  # the clip's title, when one was given
    photo = models.FileField(upload_to=paths.generation_input_path, max_length=300)
    audio = models.FileField(upload_to=paths.generation_input_path, max_length=300, blank=True)
    audio_id = models.CharField(max_length=128, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    # What the person gave, kept when the pre-flight changed it before sending (``photo`` and
    # ``audio`` are what was sent), and what it changed: [{"of": "photo", "code", "sentence"}].
    photo_original = models.FileField(
        upload_to=paths.generation_input_path, max_length=300, blank=True
    )
    audio_original = models.FileField(
        upload_to=paths.generation_input_path, max_length=300, blank=True
    )
    repairs = models.JSONField(default=list, blank=True)
    # The team voice it speaks with (typed script or recording), when not a one-off upload.
    voice = models.ForeignKey(
        "Voice", models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    # The saved avatar it was made from, and the consent its face was used under (kept when
    # the avatar is deleted: the clip still shows it).
    avatar = models.ForeignKey(
        "avatars.Avatar", models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    consent = models.ForeignKey(
        "avatars.Consent", models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    face_digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the photo sent
    submission_token = models.UUIDField(null=True, blank=True)
    callback_token = models.CharField(max_length=64, unique=True, default=new_callback_token)
    retry_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")
    # A long video (``parts_planned`` of 2 or more) is made of parts: each a Generation of
    # its own with one provider task, its slice of the voice starting ``part_start`` seconds
    # in. A failed part tried again is ``replaced`` by a new row with the same number.
    parts_planned = models.PositiveSmallIntegerField(default=0)
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="parts")
    part_number = models.PositiveSmallIntegerField(null=True, blank=True)
    part_start = models.FloatField(null=True, blank=True)
    replaced = models.BooleanField(default=False)
    waiting_turn = models.BooleanField(default=False)  # the key's running tasks are at its limit

    provider_task_id = models.CharField(max_length=128, blank=True)
    provider_status = models.CharField(max_length=20, blank=True)
    result_url = models.URLField(max_length=2000, blank=True)
    provider_units = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    # How long Kling took, from its own timestamps: what the poll plan learns from.
    provider_seconds = models.FloatField(null=True, blank=True)
    provider_finished_at = models.DateTimeField(null=True, blank=True)  # Kling's own clock
    create_sent_at = models.DateTimeField(null=True, blank=True)
    create_calls = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)

    failure_message = models.TextField(blank=True)
    failure_fixable_by = models.CharField(max_length=10, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    retry_helps = models.BooleanField(default=False)

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "submission_token"], name="one_generation_per_submission"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_step_at"], name="generation_due")]

    def __str__(self) -> str:
        return f"Generation {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("studio:generation", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        """Remembers what the status card showed as loaded, so that a save which changes
        nothing a person sees (a poll counted) leaves the card's digest alone (``cards``)."""
        instance = super().from_db(db, field_names, values, **kwargs)
        if CARD_ATTNAMES.issubset(field_names):
            instance.card_values_loaded = instance.card_values()
        return instance

    def card_values(self) -> tuple:
        """The values the status card reads. Counters count only as "any yet": a poll that
        adds one to ``polls`` changes nothing a person sees."""
        return tuple(
            bool(getattr(self, name)) if name in ("polls", "retries") else getattr(self, name)
            for name in CARD_ATTNAMES_IN_ORDER
        )

    def withdrawn_consent(self) -> Any:
        """The withdrawn consent that stops a new video of this face (its own, or another
        given for the same photo), or None. A part asks about its long video's face."""
        video = self.parent if self.parent_id else self
        if not video.consent_id and not video.face_digest:
            return None
        return Consent.objects.blocking(video.team_id, video.consent_id, video.face_digest).first()

    def save_step(self) -> bool:
        """Save what a step did; False, and nothing saved, when the row was deleted while the
        step ran (its clip deleted for good, its team deleted): a step never re-creates it."""
        try:
            if transaction.get_connection().in_atomic_block:
                with transaction.atomic():  # a savepoint: a caller's transaction stays usable
                    self.save(force_update=True)
            else:  # one UPDATE, no transaction around it
                self.save(force_update=True)
        except Generation.NotUpdated:
            return False
        return True

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def elapsed(self) -> timedelta:
        return (self.finished_at or timezone.now()) - self.created

    @property
    def is_long(self) -> bool:
        return self.parts_planned > 1

    @property
    def stage(self) -> str:
        """Where the job is, in words a person understands."""
        if self.waiting_turn and self.status == Status.QUEUED:
            return "Waiting for its turn at Kling"
        if self.status == Status.SUBMITTED and self.polls:
            return "In Kling's queue"
        if self.status == Status.QUEUED and self.retries:
            return "Waiting for Kling"
        return self.get_status_display()

    def progress(self) -> list[tuple[str, str]]:
        """The four stages with "done", "current" or "" each, for the status card's bar."""
        order = [Status.QUEUED, Status.SUBMITTED, Status.PROCESSING, Status.SAVING]
        labels = ["Queued", "Sent to Kling", "Generating", "Saving to your library"]
        if self.status == Status.READY:
            reached = len(order)
        elif self.status == Status.FAILED:
            reached = 3 if self.provider_task_id else 1
        else:
            reached = order.index(Status(self.status))
        return [
            (label, "done" if i < reached else "current" if i == reached else "")
            for i, label in enumerate(labels)
        ]

    @property
    def retry_allowed(self) -> bool:
        return self.status == Status.FAILED and self.retry_helps

    def input_file(self, kind: str) -> Any:
        """The photo, or the voice it spoke with: its own upload, else its team voice's audio."""
        if kind == "photo":
            return self.photo
        if self.audio:
            return self.audio
        return self.voice.audio if self.voice else None

    def repairs_of(self, kind: str) -> list[str]:
        """The sentences saying what was changed in the photo or the voice before sending."""
        return [repair["sentence"] for repair in self.repairs if repair.get("of") == kind]

    def delete_input_files(self) -> None:
        """The files it was made from; a part's photo is its long video's, left to it."""
        own = (
            (self.audio,)
            if self.parent_id
            else (self.photo, self.audio, self.photo_original, self.audio_original)
        )
        for field in own:
            if field and field.name:
                field.storage.delete(field.name)
        if self.is_long:
            for part in self.parts.all():
                part.delete_input_files()
            for number in range(1, self.parts_planned + 1):
                default_storage.delete(paths.part_name(self.team_id, self.pk, number, "mp4"))

    def parts_ready(self) -> int:
        return self.parts.current_parts().filter(status=Status.READY).count()

    def parts_tried_again(self) -> list[int]:
        """The numbers of the parts that failed at Kling and are being made again."""
        again = self.parts.filter(replaced=True).values_list("part_number", flat=True)
        return sorted(set(again))

    def part_states(self) -> list[Generation]:
        """The parts that count, in order, with what the status card shows of each."""
        return list(self.parts.current_parts().only(*PART_CARD_FIELDS))


class VoiceSource(models.TextChoices):
    """Where the create page takes the voice from."""

    UPLOAD = "upload", "Upload"
    RECORD = "record", "Record"
    SCRIPT = "script", "Script"
    RECENT = "recent", "Recent"
    AVATAR = "avatar", "Avatar's voice"  # a saved avatar's own recording


class VoiceKind(models.TextChoices):
    SCRIPT = "script", "Typed script"
    RECORDING = "recording", "Recording"


class VoiceQuerySet(models.QuerySet["Voice"]):
    def for_team(self, team: Team) -> VoiceQuerySet:
        return self.filter(team=team)

    def recent(self, limit: int = 6) -> VoiceQuerySet:
        """Voices the team has made videos with, the most recently used first."""
        return self.filter(last_used_at__isnull=False).order_by("-last_used_at")[:limit]

    def speaking(self, text: str, speaker: tts_voices.TtsVoice, speed: float) -> VoiceQuerySet:
        """Speech already made of this text, by this voice, at this speed."""
        return self.filter(
            kind=VoiceKind.SCRIPT,
            text=text,
            tts_voice_id=speaker.voice_id,
            language=speaker.language,
            speed=speed,
        )

    def never_used_before(self, moment: datetime) -> VoiceQuerySet:
        """Previews and recordings nobody made a video with, made before ``moment``."""
        return self.filter(last_used_at__isnull=True, created__lt=moment)


class Voice(models.Model):
    """A voice a team can reuse: speech made by Kling's TTS from a script, or a recording.

    A script voice keeps Kling's ``audio_id`` with the time it was made: the provider takes it
    for 30 days, so an older one is never sent (``steps.submit`` asks TTS for a new one).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="voices")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=VoiceKind.choices)
    audio = models.FileField(upload_to=paths.voice_path, max_length=300)
    duration = models.FloatField()
    text = models.TextField(blank=True)
    tts_voice_id = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=2, blank=True)
    speed = models.FloatField(default=1.0)
    audio_id = models.CharField(max_length=128, blank=True)
    audio_id_made_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = VoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == VoiceKind.RECORDING:
            return f"Recording of {self.duration:.0f} s, {timezone.localtime(self.created):%-d %b}"
        speaker = tts_voices.by_key(f"{self.language}:{self.tts_voice_id}")
        excerpt = self.text if len(self.text) <= 48 else self.text[:47].rstrip() + "…"
        return f"{speaker.name if speaker else self.tts_voice_id}: “{excerpt}”"

    @property
    def video_parts(self) -> int:
        """The parts a video of this voice is made in; 0 when it fits one provider task."""
        maximum = provider_limits().audio_max_seconds
        return parts_needed(self.duration, maximum) if self.duration > maximum else 0

    def audio_id_is_fresh(self, now: datetime | None = None) -> bool:
        """Safe to send: made less than the provider's 30 days ago, less a day of margin for a
        job that waits in the queue."""
        if not self.audio_id or self.audio_id_made_at is None:
            return False
        usable = timedelta(days=provider_limits().audio_id_max_age_days - 1)
        return (now or timezone.now()) - self.audio_id_made_at < usable

    def get_audio_url(self) -> str:
        return reverse("studio:voice_audio", args=[self.pk])

    def speech_request(self) -> SpeechRequest:
        """What Kling's TTS is asked for to speak this script."""
        return SpeechRequest(
            text=self.text,
            voice_id=self.tts_voice_id,
            voice_language=self.language,
            voice_speed=self.speed,
        )


class Charge(models.TextChoices):
    """Where a generation's credit stands in the ledger."""

    RESERVED = "reserved", "Reserved"
    SETTLED = "settled", "Charged"
    RELEASED = "released", "Released"


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def for_team(self, team: Team) -> LedgerQuerySet:
        return self.filter(team=team)

    def in_months(self, start: datetime, end: datetime) -> LedgerQuerySet:
        return self.filter(created__gte=start, created__lt=end)

    def on_server_key(self) -> LedgerQuerySet:
        return self.filter(on_server_key=True)

    def reserved(self) -> LedgerQuerySet:
        return self.filter(charge=Charge.RESERVED)

    def settled(self) -> LedgerQuerySet:
        return self.filter(charge=Charge.SETTLED)


# What an entry counts against a limit: its real figure once settled, its worst case while the
# job runs, nothing once released.
COUNTED_SECONDS = models.Case(
    models.When(charge=Charge.SETTLED, then=models.F("seconds")),
    models.When(charge=Charge.RESERVED, then=models.F("reserved_seconds")),
    default=models.Value(0.0),
    output_field=models.FloatField(),
)


class LedgerEntry(models.Model):
    """The credit one generation holds: reserved at submit for the worst case, settled to the
    clip's real length (and what Kling says it charged) when it is made, or released when the
    job fails without a charge. It outlives the generation and its clip, so deleting a clip
    gives no credit back: the video was paid for. ``studio.ledger`` writes it, and
    ``studio.quotas`` is the only reader of what was spent."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="ledger_entries")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generation = models.OneToOneField(
        Generation, models.SET_NULL, null=True, blank=True, related_name="ledger_entry"
    )
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.STD)
    on_server_key = models.BooleanField(default=False)
    charge = models.CharField(max_length=10, choices=Charge.choices, default=Charge.RESERVED)
    reserved_seconds = models.FloatField()
    seconds = models.FloatField(null=True, blank=True)
    provider_units = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["team", "created"], name="ledger_by_team_month")]

    def __str__(self) -> str:
        return f"{self.get_charge_display()}: {self.counted_seconds:g} s ({self.team})"

    @property
    def counted_seconds(self) -> float:
        if self.charge == Charge.SETTLED:
            return self.seconds or 0.0
        return self.reserved_seconds if self.charge == Charge.RESERVED else 0.0


class SpeechCallQuerySet(models.QuerySet["SpeechCall"]):
    def since(self, moment: datetime) -> SpeechCallQuerySet:
        return self.filter(created__gte=moment)

    def by_member(self, user: Any) -> SpeechCallQuerySet:
        return self.filter(member=user)

    def by_team(self, team: Team) -> SpeechCallQuerySet:
        return self.filter(team=team)


class SpeechCall(models.Model):
    """One call that went out to Kling's paid text-to-speech, kept whatever came of it (a
    speech too long to use was still paid for) and kept when its team is deleted, so the
    hourly caps count every call."""

    team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    characters = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SpeechCallQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"TTS call of {self.characters} characters at {self.created:%Y-%m-%d %H:%M}"


class RenderTimingQuerySet(models.QuerySet["RenderTiming"]):
    def for_scope(self, scope: str, mode: str) -> RenderTimingQuerySet:
        return self.filter(scope=scope, mode=mode)


class RenderTiming(models.Model):
    """How long Kling takes to make a video, learned from finished tasks, per key and mode
    (``scope`` is ``team:<id>`` for a team's own key, ``server`` for the server's, ``all``
    for every key): decayed sums for a least-squares line, seconds = a + b x audio seconds,
    and its spread. ``pipeline.poll_plan`` reads and writes it."""

    scope = models.CharField(max_length=40)
    mode = models.CharField(max_length=3, choices=Mode.choices)
    samples = models.PositiveIntegerField(default=0)
    weight = models.FloatField(default=0.0)
    sum_x = models.FloatField(default=0.0)
    sum_y = models.FloatField(default=0.0)
    sum_xx = models.FloatField(default=0.0)
    sum_xy = models.FloatField(default=0.0)
    sum_yy = models.FloatField(default=0.0)
    updated = models.DateTimeField(auto_now=True)

    objects = RenderTimingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "mode"], name="one_render_timing_per_scope")
        ]

    def __str__(self) -> str:
        return f"Kling's time for {self.mode} on {self.scope} ({self.samples} tasks)"
