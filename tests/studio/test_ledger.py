"""The credit ledger: a job reserves its worst case at submit, settles to what was made (and
what Kling says it charged), and gives the reservation back when it failed without a charge."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from avatarstudio.kling.voices import by_key
from avatarstudio.simulator.app import UNITS_PER_SECOND
from avatarstudio.simulator.faults import Fault
from avatarstudio.studio import ledger, quotas, services
from avatarstudio.studio.models import Charge, Generation, LedgerEntry, Status
from avatarstudio.studio.quotas import QuotaExceeded
from tests.helpers import client_in
from tests.media_factory import photo_bytes
from tests.studio.helpers import drive, start_generation, step

pytestmark = pytest.mark.django_db

SCRIPT = "Hello everyone, and welcome to our spring launch. We are so happy you are here."


def with_pasted_audio_id(team, user, audio_id: str) -> Generation:
    """What the create page starts when someone pastes a Kling audio ID: no length known."""
    return services.start_generation(
        team=team,
        user=user,
        submission_token=uuid.uuid4(),
        mode="std",
        prompt="",
        photo=ContentFile(photo_bytes(600, 800)),
        photo_extension="jpg",
        audio_id=audio_id,
    )


def used(team) -> float:
    return quotas.seconds_used(team, quotas.month_start())


def test_a_pasted_audio_id_holds_the_longest_voice_kling_takes(team, member, provider):
    team.monthly_limit_seconds = 100
    team.save()
    with_pasted_audio_id(team, member, "audio-from-elsewhere")
    assert used(team) == 60
    with pytest.raises(QuotaExceeded, match="40 s are left"):
        with_pasted_audio_id(team, member, "another-audio-id")
    assert Generation.objects.count() == 1


def test_a_pasted_audio_id_settles_to_the_length_of_the_clip_it_made(team, member, provider):
    spoken = services.speak(team, member, SCRIPT, by_key("en:genshin_vindi2"), 1.0)
    generation = with_pasted_audio_id(team, member, spoken.audio_id)
    assert used(team) == 60
    drive(generation)
    entry = LedgerEntry.objects.get(generation=generation)
    assert entry.charge == Charge.SETTLED
    assert entry.seconds == pytest.approx(generation.clip.duration, abs=0.01)
    assert used(team) == pytest.approx(generation.clip.duration, abs=0.01)
    assert used(team) < 60


def test_a_finished_job_keeps_what_kling_said_it_charged(team, owner, provider):
    generation = start_generation(team, owner, seconds=3.0)
    drive(generation)
    entry = LedgerEntry.objects.get(generation=generation)
    task = provider.store.tasks[generation.provider_task_id]
    assert entry.reserved_seconds == 3.0
    charged = Decimal(f"{task['duration'] * UNITS_PER_SECOND['std']:.2f}")
    assert entry.provider_units == charged > 0


def test_a_job_kling_refused_gives_its_reservation_back(team, owner, provider):
    team.monthly_limit_seconds = 5
    team.save()
    generation = start_generation(team, owner, seconds=4.0)
    assert used(team) == 4
    provider.faults.add(Fault("moderation", reason="Failure to pass the risk control system"))
    drive(generation)
    assert generation.status == Status.FAILED
    assert LedgerEntry.objects.get(generation=generation).charge == Charge.RELEASED
    assert used(team) == 0
    start_generation(team, owner, seconds=4.0)  # the limit has room again


def test_a_video_kling_made_but_we_could_not_save_stays_charged(team, owner, provider, settings):
    settings.GENERATION_RETRY_LIMIT = 0
    generation = start_generation(team, owner, seconds=4.0)
    provider.faults.add(Fault("broken_download", times=-1))
    drive(generation)
    assert generation.failure_code == "download_failed"
    entry = LedgerEntry.objects.get(generation=generation)
    assert (entry.charge, entry.seconds) == (Charge.SETTLED, 4.0)
    assert used(team) == 4


def test_a_step_run_twice_settles_once(team, owner, provider):
    generation = start_generation(team, owner, seconds=3.0)
    drive(generation)
    entry = LedgerEntry.objects.get(generation=generation)
    assert ledger.settle(generation, 50.0) is False
    assert ledger.release(generation) is False
    entry.refresh_from_db()
    assert entry.charge == Charge.SETTLED and entry.seconds < 50


def test_deleting_a_clip_does_not_give_its_seconds_back(team, owner, provider):
    generation = start_generation(team, owner, seconds=3.0)
    drive(generation)
    before = used(team)
    generation.clip.delete()
    assert not Generation.objects.filter(pk=generation.pk).exists()
    assert used(team) == before > 0


def test_the_usage_page_shows_in_progress_made_and_charged(team, owner, admin, provider):
    done = start_generation(team, owner, seconds=3.0)
    drive(done)
    start_generation(team, owner, seconds=7.0)  # still queued
    page = client_in(team, admin).get("/team/usage/").content.decode()
    assert "7 s</strong> held for videos in progress" in page
    assert "charged by Kling" in page
    entry = LedgerEntry.objects.get(generation=done)
    assert f"{entry.provider_units:.2f}" in page


def charge_of(generation) -> tuple[str, float | None]:
    entry = LedgerEntry.objects.get(generation=generation)
    return entry.charge, entry.seconds


@pytest.mark.parametrize(
    "fault",
    [Fault("server_error", endpoint="query", times=-1), Fault("auth", endpoint="query")],
    ids=["kling stops answering", "the key stops working"],
)
def test_a_job_we_stopped_following_at_kling_stays_charged(team, owner, provider, settings, fault):
    settings.GENERATION_RETRY_LIMIT = 0
    generation = start_generation(team, owner, seconds=4.0)
    step(generation)  # the task is at Kling, and will be charged when it finishes
    provider.faults.add(fault)
    assert step(generation) == "failed"
    assert charge_of(generation) == (Charge.SETTLED, 4.0)


def test_a_create_kling_refused_gives_the_reservation_back(team, owner, provider):
    generation = start_generation(team, owner, seconds=4.0)
    provider.faults.add(Fault("comet_error", endpoint="create", status=400, code=1301))
    assert step(generation) == "failed"
    assert charge_of(generation) == (Charge.RELEASED, 0.0)


def test_a_create_whose_answer_never_came_stays_charged(team, owner, provider, settings):
    settings.GENERATION_RETRY_LIMIT = 0
    generation = start_generation(team, owner, seconds=4.0)
    provider.faults.add(Fault("server_error", endpoint="create", times=-1))
    assert step(generation) == "failed"
    assert generation.failure_code.startswith("gave_up_")
    assert charge_of(generation) == (Charge.SETTLED, 4.0)
