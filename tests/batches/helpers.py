"""Batches for the tests: rows posted as the new-batch page posts them, and the batch's step."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from avatarstudio.batches import steps
from avatarstudio.batches.models import Batch


def csv_upload(text: str, name: str = "launch.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def run_step(batch: Batch) -> str:
    """The batch's step now, whatever its schedule (and a crashed step's lease) said."""
    past = timezone.now() - timedelta(seconds=1)
    Batch.objects.filter(pk=batch.pk).update(next_step_at=past, lease_until=None)
    outcome, _ = steps.run_due_step(str(batch.pk))
    batch.refresh_from_db()
    return outcome
