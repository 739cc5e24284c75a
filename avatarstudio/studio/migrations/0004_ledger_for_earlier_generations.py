"""Give every generation made before the ledger its entry, so this month's limits still count
them: a finished one settled at its clip's length, a running one reserved at its worst case,
and a failed one Kling made the video of (it could not be saved) settled at its worst case."""

from django.db import migrations
from django.db.models import Q

WORST_CASE_SECONDS = 60.0


def fill_ledger(apps, schema_editor):
    Generation = apps.get_model("studio", "Generation")
    LedgerEntry = apps.get_model("studio", "LedgerEntry")
    Clip = apps.get_model("library", "Clip")
    durations = dict(Clip.objects.exclude(generation=None).values_list("generation_id", "duration"))
    charged = Q(status="failed", result_url__gt="")
    missing = Generation.objects.filter(~Q(status="failed") | charged, ledger_entry__isnull=True)
    entries = []
    for generation in missing.select_related("team").iterator():
        ready = generation.status == "ready"
        made_unsaved = generation.status == "failed"
        worst = generation.audio_seconds or WORST_CASE_SECONDS
        entries.append(
            LedgerEntry(
                team_id=generation.team_id,
                member_id=generation.created_by_id,
                generation_id=generation.pk,
                mode=generation.mode,
                on_server_key=not generation.team.api_key_encrypted,
                charge="settled" if ready or made_unsaved else "reserved",
                reserved_seconds=worst,
                seconds=durations.get(generation.pk, generation.audio_seconds or 0.0)
                if ready
                else worst
                if made_unsaved
                else None,
                created=generation.created,
                ended_at=generation.finished_at if ready or made_unsaved else None,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0003_ledger_and_speech_calls"),
        ("library", "0003_clip_mode_choices"),
    ]

    operations = [migrations.RunPython(fill_ledger, migrations.RunPython.noop)]
