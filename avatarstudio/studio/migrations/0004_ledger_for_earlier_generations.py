"""Give every generation made before the ledger its entry, so this month's limits still count
them: a finished one settled at its clip's length, a running one reserved at its worst case."""

from django.db import migrations

WORST_CASE_SECONDS = 60.0


def fill_ledger(apps, schema_editor):
    Generation = apps.get_model("studio", "Generation")
    LedgerEntry = apps.get_model("studio", "LedgerEntry")
    Clip = apps.get_model("library", "Clip")
    durations = dict(Clip.objects.exclude(generation=None).values_list("generation_id", "duration"))
    missing = Generation.objects.exclude(status="failed").filter(ledger_entry__isnull=True)
    entries = []
    for generation in missing.select_related("team").iterator():
        ready = generation.status == "ready"
        worst = generation.audio_seconds or WORST_CASE_SECONDS
        entries.append(
            LedgerEntry(
                team_id=generation.team_id,
                member_id=generation.created_by_id,
                generation_id=generation.pk,
                mode=generation.mode,
                on_server_key=not generation.team.api_key_encrypted,
                charge="settled" if ready else "reserved",
                reserved_seconds=worst,
                seconds=durations.get(generation.pk, generation.audio_seconds or 0.0)
                if ready
                else None,
                created=generation.created,
                ended_at=generation.finished_at if ready else None,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("studio", "0003_ledger_and_speech_calls"),
        ("library", "0003_clip_mode_choices"),
    ]

    operations = [migrations.RunPython(fill_ledger, migrations.RunPython.noop)]
