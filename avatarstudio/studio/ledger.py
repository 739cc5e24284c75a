"""The credit ledger's writes: reserve at submit, settle when the clip is made, release when
the job failed without a charge.

Each generation holds one ``LedgerEntry``. ``reserve`` runs inside the transaction that
creates the generation, holding the team row's lock, after ``quotas.ensure_room`` allowed the
worst case; ``settle`` and ``release`` change only an entry still reserved, so a step that
runs twice (a crash, a second wake-up) never moves credit twice.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from avatarstudio.kling.limits import provider_limits
from avatarstudio.studio.models import Charge, Generation, LedgerEntry, Status

logger = logging.getLogger(__name__)


def worst_case_seconds(audio_seconds: float | None) -> float:
    """What a job may cost before its length is known: the voice's length, or the longest
    voice the provider takes (a pasted Kling ``audio_id`` has no length we can read)."""
    if audio_seconds:
        return float(audio_seconds)
    return float(provider_limits().audio_max_seconds)


def reserve(generation: Generation) -> LedgerEntry:
    return LedgerEntry.objects.create(
        team=generation.team,
        member=generation.created_by,
        generation=generation,
        mode=generation.mode,
        on_server_key=generation.team.uses_server_key,
        reserved_seconds=worst_case_seconds(generation.audio_seconds),
        created=generation.created or timezone.now(),
    )


def record_provider_charge(generation: Generation, final_unit_deduction: str) -> None:
    """Keep what Kling says the finished task cost, to compare with the estimate."""
    units = _units(final_unit_deduction)
    if units is not None:
        LedgerEntry.objects.filter(generation=generation).update(provider_units=units)


def reopen(generation: Generation, seconds: float) -> bool:
    """A failed long video tried again: its entry is reserved again for ``seconds`` (the
    whole video; the parts already made are inside it)."""
    reopened = (
        LedgerEntry.objects.filter(generation=generation)
        .exclude(charge=Charge.RESERVED)
        .update(charge=Charge.RESERVED, reserved_seconds=seconds, seconds=None, ended_at=None)
    )
    return bool(reopened)


def record_units(generation: Generation, units: Decimal) -> None:
    """A long video's charge: what Kling says its parts cost, together."""
    LedgerEntry.objects.filter(generation=generation).update(provider_units=units)


def units(raw: str) -> Decimal | None:
    """What Kling says a task cost, when it says it plainly."""
    return _units(raw)


def settle(generation: Generation, seconds: float) -> bool:
    """The job made a video of ``seconds``: that is what it counts from now on."""
    settled = (
        LedgerEntry.objects.filter(generation=generation)
        .reserved()
        .update(charge=Charge.SETTLED, seconds=round(seconds, 3), ended_at=timezone.now())
    )
    if settled:
        logger.info("generation %s: settled at %.1f s", generation.pk, seconds)
    return bool(settled)


def release(generation: Generation) -> bool:
    """The job ended without a charge: its reservation counts no more."""
    released = (
        LedgerEntry.objects.filter(generation=generation)
        .reserved()
        .update(charge=Charge.RELEASED, seconds=0.0, ended_at=timezone.now())
    )
    return bool(released)


def close_failed(generation: Generation) -> bool:
    """A failed job's reservation: released when Kling cannot have charged for it, kept as
    the charge when it may have. A long video counts the seconds of its parts that Kling
    made or may still make; a part holds no entry of its own."""
    if generation.is_long:
        charged = [
            part.audio_seconds or 0.0
            for part in generation.parts.all()
            if part.status != Status.FAILED or may_have_been_charged(part)
        ]
        return settle(generation, sum(charged)) if charged else release(generation)
    if may_have_been_charged(generation):
        entry = LedgerEntry.objects.filter(generation=generation).reserved().first()
        return entry is not None and settle(generation, entry.reserved_seconds)
    return release(generation)


def may_have_been_charged(generation: Generation) -> bool:
    """Whether Kling may charge for this failed job.

    No: the create call never went out; Kling refused it (a definite answer, so no task);
    or Kling said the task failed (failed tasks are not charged). Yes, in every other case:
    the video was made but not saved, or a task exists (or a lost answer may have made one)
    and we stopped following it, so it may still finish and be charged.
    """
    if generation.result_url:
        return True
    if generation.failure_code == "provider_failed" or generation.create_sent_at is None:
        return False
    if generation.provider_task_id:
        return True
    return generation.failure_code.startswith("gave_up_")


def _units(raw: str) -> Decimal | None:
    try:
        units = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return units if units.is_finite() and 0 <= units < 10**9 else None
