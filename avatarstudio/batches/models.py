"""A batch: many videos from one spreadsheet, each row one generation.

The rows are the truth, like a generation's row: the batch's step (``batches.steps``) starts
the next waiting rows whenever fewer than ``steps.rows_at_once()`` run, and a row starts its
video under its own submission token and remembers that it started (``started_at``), so a
step that runs twice (a crash, a second wake-up) never starts a row twice, and a clip deleted
for good is not made again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from avatarstudio.accounts.models import Role, Team
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices
from avatarstudio.library.models import WAITING_FOR_APPROVAL
from avatarstudio.studio.models import ACTIVE, Status

MOST_ROWS = 500


class BatchQuerySet(models.QuerySet["Batch"]):
    def for_team(self, team: Team) -> BatchQuerySet:
        return self.filter(team=team)

    def unfinished(self) -> BatchQuerySet:
        """Started, and with rows still to make."""
        return self.filter(started_at__isnull=False, finished_at__isnull=True)

    def drafts_before(self, moment: datetime) -> BatchQuerySet:
        return self.filter(started_at__isnull=True, created__lt=moment)

    def overdue(self, now: datetime, grace: timedelta) -> BatchQuerySet:
        """Unfinished batches whose next step should have run by now and that nobody holds."""
        return self.unfinished().filter(
            Q(next_step_at__lte=now - grace) | Q(next_step_at__isnull=True),
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        )

    def claim(self, pk: uuid.UUID | str, now: datetime, lease: timedelta) -> Batch | None:
        """Take the batch for one step, or None when its step is not due or another worker
        has it (the update count says which)."""
        claimed = (
            self.unfinished()
            .filter(pk=pk, next_step_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + lease)
        )
        return self.select_related("team", "created_by").get(pk=pk) if claimed else None


class Batch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)
    # A batch is a draft, its preview, until it is started; then its step runs.
    started_at = models.DateTimeField(null=True, blank=True)
    next_step_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "batches"
        indexes = [models.Index(fields=["finished_at", "next_step_at"], name="batch_due")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("batches:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.started_at is None

    def progress(self) -> BatchProgress:
        """How many of its rows wait, are being made, are ready, failed or were deleted."""
        return self.rows.progress_by_batch().get(self.pk, BatchProgress())


class BatchProgress:
    def __init__(
        self, total: int = 0, ready: int = 0, failed: int = 0, making: int = 0, gone: int = 0
    ) -> None:
        self.total, self.ready, self.failed, self.making = total, ready, failed, making
        self.gone = gone
        self.waiting = total - ready - failed - making - gone

    @property
    def done(self) -> int:
        return self.ready + self.failed + self.gone

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.done == self.total


class RowState(models.TextChoices):
    LEFT_OUT = "left_out", "Left out"
    WAITING = "waiting", "Waiting"
    MAKING = "making", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    GONE = "gone", "Clip deleted"


# A row's state, said once, for the queryset's filters and the counts (``BatchRow.state``
# reads the same rules from a loaded row). A row that could not start keeps why in
# ``problem``; a started one keeps its video, until its clip is deleted for good.
WAITING = Q(started_at__isnull=True, problem="")
MAKING = Q(generation__status__in=ACTIVE)
READY = Q(generation__status=Status.READY)
FAILED = ~Q(problem="") | Q(generation__status=Status.FAILED)
GONE = Q(started_at__isnull=False, generation__isnull=True)


class BatchRowQuerySet(models.QuerySet["BatchRow"]):
    def to_make(self) -> BatchRowQuerySet:
        """The rows the preview found good; the others are left out."""
        return self.filter(check_problem="")

    def left_out(self) -> BatchRowQuerySet:
        return self.exclude(check_problem="")

    def waiting(self) -> BatchRowQuerySet:
        """Rows not started yet, in the spreadsheet's order."""
        return self.to_make().filter(WAITING).order_by("number")

    def making(self) -> BatchRowQuerySet:
        return self.to_make().filter(MAKING)

    def failed(self) -> BatchRowQuerySet:
        return self.to_make().filter(FAILED)

    def ready(self) -> BatchRowQuerySet:
        return self.to_make().filter(READY)

    def downloadable_by(self, membership: Any) -> BatchRowQuerySet:
        """Ready rows whose clip this member may download now (not in the trash; for a
        viewer, approved or needing no review)."""
        rows = self.ready().filter(generation__clip__deleted_at__isnull=True)
        if not membership.can(Role.MEMBER):
            rows = rows.exclude(generation__clip__review_state__in=WAITING_FOR_APPROVAL)
        return rows

    def progress_by_batch(self) -> dict[Any, BatchProgress]:
        """Each batch's counts of these rows, in one query."""
        counts = (
            self.to_make()
            .values("batch")
            .annotate(
                total=Count("pk"),
                ready=Count("pk", filter=READY),
                failed=Count("pk", filter=FAILED),
                making=Count("pk", filter=MAKING),
                gone=Count("pk", filter=GONE),
            )
            .order_by()
        )
        return {row.pop("batch"): BatchProgress(**row) for row in counts}


class BatchRow(models.Model):
    """One row of the spreadsheet: what to make, and the generation made of it."""

    batch = models.ForeignKey(Batch, models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row's line in the spreadsheet
    title = models.CharField(max_length=200, blank=True)
    avatar = models.ForeignKey(
        "avatars.Avatar", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    script = models.TextField(blank=True)
    tts_voice = models.CharField(max_length=80, blank=True)
    speed = models.FloatField(default=1.0)
    audio = models.FileField(upload_to=paths.batch_row_path, max_length=300, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.STD)
    prompt = models.TextField(blank=True)
    estimated_seconds = models.FloatField(default=0.0)
    submission_token = models.UUIDField(default=uuid.uuid4)
    generation = models.OneToOneField(
        "studio.Generation", models.SET_NULL, null=True, blank=True, related_name="batch_row"
    )
    started_at = models.DateTimeField(null=True, blank=True)  # when its video was started
    check_problem = models.TextField(blank=True)  # why the preview left it out
    problem = models.TextField(blank=True)  # why the row could not start, in plain words

    objects = BatchRowQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="one_batch_row_per_number")
        ]

    def __str__(self) -> str:
        return f"Row {self.number} of {self.batch}"

    @property
    def state(self) -> RowState:
        if self.check_problem:
            return RowState.LEFT_OUT
        if self.problem:
            return RowState.FAILED
        if self.generation is None:
            return RowState.GONE if self.started_at else RowState.WAITING
        if self.generation.status == Status.READY:
            return RowState.READY
        if self.generation.status == Status.FAILED:
            return RowState.FAILED
        return RowState.MAKING

    @property
    def speaker(self) -> tts_voices.TtsVoice | None:
        return tts_voices.by_key(self.tts_voice)

    @property
    def voice_text(self) -> str:
        if self.audio:
            return "Its audio file"
        if not self.script:
            return "The avatar's recording"
        speaker = self.speaker
        return speaker.name if speaker else self.tts_voice

    @property
    def failure(self) -> str:
        if self.check_problem:
            return self.check_problem
        if self.problem:
            return self.problem
        if self.generation is not None and self.generation.status == Status.FAILED:
            return self.generation.failure_message
        return ""
