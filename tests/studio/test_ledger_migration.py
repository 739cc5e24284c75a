"""Generations made before the ledger existed still count against this month's limits."""

from __future__ import annotations

import pytest

from tests.helpers import migrate_to, migrate_to_the_latest

TEAMS = ("accounts", "0003_server_key_allowance")  # the teams of the time, before consent
BEFORE = [("studio", "0003_ledger_and_speech_calls"), ("library", "0003_clip_mode_choices"), TEAMS]
AFTER = [
    ("studio", "0004_ledger_for_earlier_generations"),
    ("library", "0003_clip_mode_choices"),
    TEAMS,
]


@pytest.mark.django_db(transaction=True)
def test_earlier_generations_get_the_entries_the_pipeline_would_have_written():
    try:
        apps = migrate_to(BEFORE)
        user = apps.get_model("auth", "User").objects.create(username="old@example.com")
        team = apps.get_model("accounts", "Team").objects.create(name="Old team")
        Generation = apps.get_model("studio", "Generation")

        def made(status, **fields):
            return Generation.objects.create(
                team=team, created_by=user, status=status, photo="p.jpg", **fields
            ).pk

        ready = made("ready", audio_seconds=5.0)
        apps.get_model("library", "Clip").objects.create(
            team=team, generation_id=ready, title="t", video="v.mp4", duration=5.2, size_bytes=1
        )
        pasted = made("processing", audio_id="pasted-audio-id")
        unsaved = made("failed", audio_seconds=8.0, result_url="https://example.com/v.mp4")
        refused = made("failed", audio_seconds=9.0)

        apps = migrate_to(AFTER)
        entries = {
            entry.generation_id: (entry.charge, entry.reserved_seconds, entry.seconds)
            for entry in apps.get_model("studio", "LedgerEntry").objects.all()
        }
        assert entries == {
            ready: ("settled", 5.0, 5.2),
            pasted: ("reserved", 60.0, None),
            unsaved: ("settled", 8.0, 8.0),
        }
        assert refused not in entries
    finally:
        migrate_to_the_latest()
