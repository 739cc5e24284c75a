"""What a batch does for people: keep the checked rows as a draft to preview, start it once
the whole batch fits the team's limits, and make its failed rows again.

The rows are then made by ``batches.steps``, in the worker, a few at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from avatarstudio.accounts.models import AuditAction, AuditEvent, Team
from avatarstudio.batches.forms import RowPlan
from avatarstudio.batches.models import Batch, BatchRow
from avatarstudio.batches.tasks import wake_batch
from avatarstudio.core import paths
from avatarstudio.studio import quotas

DRAFT_DAYS = 1


def keep_draft(team: Team, user: Any, name: str, plans: list[RowPlan]) -> Batch:
    """The checked rows, stored as a draft batch for the preview: nothing is sent yet."""
    with transaction.atomic():
        batch = Batch.objects.create(team=team, created_by=user, name=name)
        rows = [_row_of(batch, plan) for plan in plans]
        BatchRow.objects.bulk_create(rows)
    return batch


def _row_of(batch: Batch, plan: RowPlan) -> BatchRow:
    row = BatchRow(
        batch=batch,
        number=plan.number,
        title=plan.title,
        avatar=plan.avatar,
        script=plan.script,
        tts_voice=plan.speaker.key if plan.speaker else "",
        speed=plan.speed,
        mode=plan.mode,
        prompt=plan.prompt,
        estimated_seconds=plan.seconds,
        check_problem=" ".join(plan.problems),
    )
    if plan.audio is not None and plan.is_good:
        name = paths.batch_name(
            batch.team_id, batch.pk, f"row-{plan.number}.{plan.audio.extension}"
        )
        row.audio.name = row.audio.storage.save(name, ContentFile(plan.audio.content))
        row.audio_seconds = plan.audio.duration
    return row


def estimate(batch: Batch) -> dict[str, Any]:
    """What the preview shows of the rows to make: how many, their length and cost, and
    whether the team's limits have room for all of them at once."""
    rows = list(batch.rows.to_make().only("estimated_seconds", "mode"))
    seconds = sum(row.estimated_seconds for row in rows)
    cost = sum(
        (
            Decimal(str(row.estimated_seconds)) * batch.team.price_per_second(row.mode)
            for row in rows
        ),
        Decimal(0),
    )
    refusal = quotas.refusal(batch.team, batch.created_by)
    if not refusal:
        try:
            quotas.ensure_room(batch.team, batch.created_by, seconds)
        except quotas.QuotaExceeded as error:
            refusal = str(error)
    left_out = batch.rows.left_out().count()
    return {
        "count": len(rows),
        "seconds": seconds,
        "cost": cost,
        "refusal": refusal,
        "left_out": left_out,
    }


def start(batch: Batch, user: Any) -> Batch:
    """Start the batch, when the team's limits have room for every row at once (each row
    still reserves its own credit when it starts, like any video). Raises QuotaExceeded."""
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=batch.team_id)
        if refused := quotas.refusal(locked, user):
            raise quotas.QuotaExceeded(refused)
        seconds = sum(batch.rows.to_make().values_list("estimated_seconds", flat=True))
        quotas.ensure_room(locked, user, seconds)
        now = timezone.now()
        started = Batch.objects.filter(pk=batch.pk, started_at__isnull=True).update(
            started_at=now, next_step_at=now, created_by=user
        )
        if not started:  # started already, by a double click
            return Batch.objects.get(pk=batch.pk)
        AuditEvent.objects.record(
            locked,
            user,
            AuditAction.BATCH_STARTED,
            subject=batch.name,
            detail=f"{batch.rows.to_make().count()} videos",
        )
    batch.refresh_from_db()
    wake_batch(batch)
    return batch


def retry_failed(batch: Batch, user: Any) -> int:
    """The failed rows wait to be made again, each as a new video made by ``user``; the
    batch goes on."""
    with transaction.atomic():
        # The batch's row lock makes two clicks take turns: the second finds nothing failed.
        Batch.objects.select_for_update().filter(pk=batch.pk).first()
        failed = list(batch.rows.failed())
        for row in failed:
            row.problem = ""
            row.generation = None
            row.started_at = None
            row.submission_token = uuid.uuid4()
            row.save(update_fields=["problem", "generation", "started_at", "submission_token"])
        if failed:
            Batch.objects.filter(pk=batch.pk).update(
                created_by=user, finished_at=None, next_step_at=timezone.now(), lease_until=None
            )
    if failed:
        batch.refresh_from_db()
        wake_batch(batch)
    return len(failed)


def forget_old_drafts(now: Any = None) -> int:
    """Drafts nobody started within a day, with their voice files."""
    cutoff = (now or timezone.now()) - timedelta(days=DRAFT_DAYS)
    drafts = list(Batch.objects.drafts_before(cutoff))
    for batch in drafts:
        discard(batch)
    return len(drafts)


def discard(batch: Batch) -> None:
    """A draft nobody wants: its rows and their voice files."""
    for row in batch.rows.exclude(audio=""):
        row.audio.delete(save=False)
    batch.delete()
